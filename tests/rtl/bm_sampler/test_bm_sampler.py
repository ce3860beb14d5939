"""bm_sampler RTL (the twin, or the Vitis RTL with RTL=hls) under cocotb + Verilator,
checked word for word against the Python reference kernel.

One Verilator build per (P, N_MAX), shared by the tests that use it and cached
under build/rtl/ across sessions.
"""
import pytest

from neuropynq.board.frames import bm_sweep_cycles
from tests.rtl.common.build import BUILD_ROOT, build_and_run, hls_sources, rtl_sources, rtl_target

pytestmark = pytest.mark.rtl

TB_MODULE = "tests.rtl.bm_sampler.bm_sampler_tb"
TWIN_SOURCES = ["bm_frame_pkg.sv", "npq_axil_ctrl.sv", "npq_stream_seed.sv", "bm_lane.sv", "bm_core.sv",
                "bm_field_core.sv", "bm_threshold_search.sv", "bm_frame_check.sv", "bm_frame_reply.sv",
                "bm_frontend.sv", "bm_sampler.sv"]
REGRESSION_N_MAX = 64


def run(testcase: str, lanes: int, n_max: int = REGRESSION_N_MAX, **env) -> None:
    if rtl_target() == "hls":
        sources = hls_sources("bm_sampler")
        if not sources:
            pytest.skip("RTL=hls: no Vitis RTL for bm_sampler under build/hls/bm_sampler "
                        "(run `make hls` first)")
        if testcase == "sweep_cycles":
            pytest.skip("the cycle figures probe the twin's internal sweep marker")
        params = {}
    else:
        sources = rtl_sources(*TWIN_SOURCES)
        params = {"P": lanes, "N_MAX": n_max}
    # the HLS build's P and N_MAX come from its config; the twin's from the parameters
    build_and_run("bm_sampler", sources, params, TB_MODULE, testcase=testcase,
                  extra_env={"NPQ_P": str(lanes), "NPQ_N_MAX": str(n_max), **env})


@pytest.mark.parametrize("lanes", [1, 4])
def test_counts_match_reference(lanes):
    run("counts_match_reference", lanes)


@pytest.mark.parametrize("lanes", [1, 4])
def test_schedules_match_reference(lanes):
    run("schedules_match_reference", lanes)


@pytest.mark.parametrize("lanes", [1, 4])
def test_initial_state_matches_reference(lanes):
    run("initial_state_matches_reference", lanes)


@pytest.mark.parametrize("lanes", [1, 4])
def test_malformed_frames_report_status(lanes):
    run("malformed_frames_report_status", lanes)


def test_info_frame_reports_build():
    run("info_frame_reports_build", 4)


def test_control_registers():
    run("control_registers", 4)


def test_reset_during_run():
    run("reset_during_run", 1)


# N per P: B = ceil(N/P) below 4 (a colour start waits 4 - B cycles) and N = 64
SWEEP_CYCLE_NS = {1: "3 64", 4: "4 8 12 64"}


@pytest.mark.slow
@pytest.mark.parametrize("lanes", [1, 4])
def test_sweep_cycles(lanes):
    """Steady-state cycles per sweep, dense and sparse, are the schedule's
    (neuropynq.board.frames.bm_sweep_cycles, docs/rtl.md) exactly."""
    out = BUILD_ROOT / f"bm_sweep_cycles_P{lanes}.txt"
    run("sweep_cycles", lanes, NPQ_CYCLE_NS=SWEEP_CYCLE_NS[lanes], NPQ_CYCLES_FILE=str(out))
    lines = [line for line in out.read_text().split("\n") if line]
    assert len(lines) == 2 * len(SWEEP_CYCLE_NS[lanes].split())
    for line in lines:
        p, n, density, colours, cycles = line.split()
        n, colours, cycles = int(n), int(colours), float(cycles)
        assert cycles == bm_sweep_cycles(n, n, colours, lanes), line
        if density == "1.0" and n >= 4 * lanes:
            assert cycles <= 1.1 * n * n / lanes, line
