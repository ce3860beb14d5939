"""bm_sampler with the sparse engine (ENGINE=2, hw/rtl/bm_sparse_core.sv) under cocotb +
Verilator: RUN_SPARSE frames word for word against the reference (the RUN frame of the
same machine is the oracle, spec §4.3.1), malformed frames, INFO, control, reset, and
the engine's cycles per sweep (docs/design/bm_throughput.md §3).

One Verilator build (U = 4 units, SPARSE_N_MAX = 64, D_MAX = 8) shared by every test here.
"""
import pytest

from tests.rtl.common.build import BUILD_ROOT, build_and_run, rtl_sources

pytestmark = pytest.mark.rtl

TB_MODULE = "tests.rtl.bm_sparse.bm_sparse_tb"
SOURCES = ["npq_axil_ctrl.sv", "npq_stream_seed.sv", "bm_lane.sv", "bm_core.sv",
           "bm_field_core.sv", "bm_threshold_search.sv", "bm_frontend.sv",
           "bm_sparse_unit.sv", "bm_sparse_zstore.sv", "bm_sparse_core.sv",
           "bm_sparse_frontend.sv", "bm_sampler.sv"]
UNITS, SPARSE_N_MAX, D_MAX = 4, 64, 8
PARAMS = {"ENGINE": 2, "U": UNITS, "SPARSE_N_MAX": SPARSE_N_MAX, "D_MAX": D_MAX}


def run(testcase: str, **env) -> None:
    build_and_run("bm_sampler", rtl_sources(*SOURCES), PARAMS, TB_MODULE, testcase=testcase,
                  extra_env={"NPQ_U": str(UNITS), "NPQ_SPARSE_N_MAX": str(SPARSE_N_MAX),
                             "NPQ_D_MAX": str(D_MAX), **env})


@pytest.mark.parametrize("testcase", [
    "counts_match_reference",            # sparse machines, clamps, τ > 1, thinning, RECORD
    "schedules_match_reference",         # colours of connected neurons (deferred colours)
    "initial_state_matches_reference",   # INIT and chains continued from the final state
    "malformed_frames_report_status",
    "info_frame_reports_build",
    "control_registers",
    "reset_during_run",
])
def test_sparse_engine_matches_reference(testcase):
    run(testcase)


def test_sparse_engine_sweep_cycles():
    """U neurons per cycle and two bubbles per colour: a sweep of a colour of c
    positions takes its rows, ceil over the units, plus 2 cycles; N = 64 at U = 4."""
    out = BUILD_ROOT / "bm_sparse_sweep_cycles.txt"
    run("sweep_cycles", NPQ_CYCLE_MACHINES="64:4 64:8", NPQ_CYCLES_FILE=str(out))
    rows = [line.split() for line in out.read_text().split("\n") if line]
    assert len(rows) == 2, rows
    for n, _degree, colours, cycles in rows:
        assert float(cycles) <= int(n) / UNITS + 3 * int(colours), rows
