"""bn_sampler RTL regression: the cocotb testbench bn_sampler_tb against the
reference kernel, one Verilator build per lane count P (cached in build/rtl/).

RTL=hls runs the same tests on the Vitis-generated RTL (build/hls/bn_sampler),
once, with P and the limits taken from its INFO frame.
"""
import pytest

from tests.rtl.common.build import BUILD_ROOT, build_and_run, hls_sources, rtl_sources, rtl_target

pytestmark = pytest.mark.rtl

TB_MODULE = "tests.rtl.bn_sampler.bn_sampler_tb"
# Regression builds lower two limits (reported by INFO): less table memory, and
# a V_MAX that is not the spec's, so the variable-indexed memories shrink.
V_MAX, TABLE_MAX = 64, 4096
TWIN_SOURCES = ("bn_base_pkg.sv", "npq_stream_seed.sv", "npq_axil_ctrl.sv", "bn_loader.sv",
                "bn_ctrl.sv", "bn_poisson.sv", "bn_table_pair.sv", "bn_lane.sv", "bn_counts.sv", "bn_drain.sv", "bn_sampler.sv")


def _run(lanes: int, testcase: str, extra_env: dict | None = None) -> None:
    env = dict(extra_env or {})
    if rtl_target() == "hls":
        sources = hls_sources("bn_sampler")
        if not sources:
            pytest.skip("no Vitis RTL of bn_sampler under build/hls (run `make hls` first)")
        if lanes != 1:
            pytest.skip("the Vitis RTL has one build; it runs with the P=1 cases")
        params = {}
    else:
        sources = rtl_sources(*TWIN_SOURCES)
        params = {"P": lanes, "V_MAX": V_MAX, "TABLE_MAX": TABLE_MAX}
        env.update(BN_P=str(lanes), BN_V_MAX=str(V_MAX), BN_TABLE_MAX=str(TABLE_MAX))
    build_and_run("bn_sampler", sources, params, TB_MODULE, testcase=testcase, extra_env=env)


@pytest.mark.parametrize("lanes", [1, 4])
def test_counts_match_reference(lanes):
    _run(lanes, "counts_match_reference")


@pytest.mark.parametrize("lanes", [1, 4])
def test_malformed_frames_report_errors(lanes):
    _run(lanes, "malformed_frames_report_errors")


def test_control_registers():
    _run(1, "control_registers")


def test_reset_in_the_middle():
    _run(4, "reset_in_the_middle")


@pytest.mark.parametrize("lanes", [1, 4, pytest.param(16, marks=pytest.mark.slow)])
def test_cycle_figures(lanes):
    """Cycles of rounds 3 and 4 equal the cycle model's (board.frames.bn_run_cycles);
    the figures go to build/rtl/bn_cycles_P<lanes>.json (docs/rtl.md, bn_sampler)."""
    out = BUILD_ROOT / f"bn_cycles_P{lanes}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(lanes, "cycle_figures", {"BN_CYCLES_OUT": str(out)})
