"""bm_sampler with the field engine (ENGINE=1, hw/rtl/bm_field_core.sv) under cocotb +
Verilator: the bm_sampler testbench's frames, word for word against the Python
reference, and the engine's cycles per sweep (docs/design/bm_throughput.md §2).

One Verilator build (N_MAX = 64) shared by every test here.
"""
import pytest

from tests.rtl.common.build import BUILD_ROOT, build_and_run, rtl_sources

pytestmark = pytest.mark.rtl

TB_MODULE = "tests.rtl.bm_sampler.bm_sampler_tb"
SOURCES = ["bm_frame_pkg.sv", "npq_axil_ctrl.sv", "npq_stream_seed.sv", "bm_lane.sv", "bm_core.sv",
           "bm_field_core.sv", "bm_threshold_search.sv", "bm_frame_check.sv", "bm_frame_reply.sv",
           "bm_frontend.sv", "bm_sampler.sv"]
N_MAX = 64
LANES = 4          # P: reported by INFO, unused by the field engine
PARAMS = {"P": LANES, "N_MAX": N_MAX, "ENGINE": 1}


def run(testcase: str, **env) -> None:
    build_and_run("bm_sampler", rtl_sources(*SOURCES), PARAMS, TB_MODULE, testcase=testcase,
                  extra_env={"NPQ_P": str(LANES), "NPQ_N_MAX": str(N_MAX), **env})


@pytest.mark.parametrize("testcase", [
    "counts_match_reference",            # dense and sparse machines, clamps, τ > 1, RECORD
    "schedules_match_reference",         # colours of several connected neurons (deferred adds)
    "saturated_fields_match_reference",  # m = 0 and m = 1024: fire and no fire whatever the field
    "initial_state_matches_reference",   # INIT and chains continued from the final state
    "malformed_frames_report_status",
    "info_frame_reports_build",
    "control_registers",
    "reset_during_run",
])
def test_field_engine_matches_reference(testcase):
    run(testcase)


def test_field_engine_sweep_cycles():
    """One neuron per cycle: a dense machine (colours of one neuron) and a sparse one
    (greedy colours of several unconnected neurons: the colour check lets them add as
    they are decided) both sweep in N cycles, with nothing between sweeps."""
    out = BUILD_ROOT / "bm_field_sweep_cycles.txt"
    run("sweep_cycles", NPQ_CYCLE_NS="64", NPQ_CYCLES_FILE=str(out))
    rows = [line.split() for line in out.read_text().split("\n") if line]
    assert {density: float(c) for _, n, density, _colours, c in rows} == {"1.0": 64, "0.05": 64}, rows
