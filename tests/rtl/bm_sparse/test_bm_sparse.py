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
SOURCES = ["bm_frame_pkg.sv", "npq_axil_ctrl.sv", "npq_stream_seed.sv", "bm_lane.sv", "bm_core.sv",
           "bm_field_core.sv", "bm_threshold_search.sv", "bm_frame_check.sv", "bm_frame_reply.sv",
           "bm_frontend.sv", "bm_sparse_unit.sv", "bm_sparse_zsel.sv", "bm_sparse_zstore.sv", "bm_sparse_core.sv",
           "bm_sparse_frontend.sv", "bm_sampler.sv"]
UNITS, SPARSE_N_MAX, D_MAX = 4, 64, 8
PARAMS = {"ENGINE": 2, "U": UNITS, "SPARSE_N_MAX": SPARSE_N_MAX, "D_MAX": D_MAX}
ENV = {"NPQ_U": str(UNITS), "NPQ_SPARSE_N_MAX": str(SPARSE_N_MAX), "NPQ_D_MAX": str(D_MAX)}


def run(testcase: str, **env) -> None:
    build_and_run("bm_sampler", rtl_sources(*SOURCES), PARAMS, TB_MODULE, testcase=testcase,
                  extra_env={**ENV, **env})


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
    """U neurons per cycle and the bubbles of the z loop: a sweep takes each colour's
    rows plus the bubbles its schedule needs (neuropynq.board.frames.bm_sparse_sweep_cycles,
    docs/rtl.md), exactly, in the steady state; N = 64 at U = 4, and never more than
    LOOP − 1 bubbles per colour."""
    from neuropynq.board.frames import BM_SPARSE_LOOP
    out = BUILD_ROOT / "bm_sparse_sweep_cycles.txt"
    run("sweep_cycles", NPQ_CYCLE_MACHINES="64:4 64:8", NPQ_CYCLES_FILE=str(out))
    rows = [line.split() for line in out.read_text().split("\n") if line]
    assert len(rows) == 2, rows
    for n, _degree, colours, cycles, modelled in rows:
        assert float(cycles) == int(modelled), rows
        assert float(cycles) <= int(n) / UNITS + BM_SPARSE_LOOP * int(colours), rows


def test_frame_cycles_are_the_twins_from_first_word_in_to_last_word_out(tmp_path, monkeypatch):
    """neuropynq.board.frames.frame_cycles of RUN_SPARSE frames (the board deadlines)
    against the twin, cycle for cycle, the stream at full rate (bench/hw_cycles_tb.py):
    colours sharing rows, a deferred colour, clamps, thinning, recording, an initial
    state, N below the units."""
    import dataclasses
    import json
    import sys

    import numpy as np

    from neuropynq.board.frames import frame_cycles
    for name, value in ENV.items():     # the testbench module reads the build's sizes
        monkeypatch.setenv(name, value)
    from tests.rtl.bm_sparse.bm_sparse_tb import bounded_machine, dense_machine
    sys.path.insert(0, str(BUILD_ROOT.parents[1] / "bench"))
    improper = dataclasses.replace(dense_machine(6, 3), order=np.arange(6),
                                   colour_end=np.array([2, 6]))
    frames = [
        bounded_machine(40, 3, 8, {3: 1}).run_sparse_frame(3, 1, 1, 2, 5, True),
        bounded_machine(64, 4, 6).run_sparse_frame(2, 0, 2, 1, 6, False, np.arange(64) % 2),
        improper.run_sparse_frame(2, 1, 1, 1, 7, True),
        bounded_machine(3, 5, 2).run_sparse_frame(2, 1, 1, 1, 8, False),
    ]
    frames_file, result_file = tmp_path / "frames.json", tmp_path / "result.json"
    frames_file.write_text(json.dumps([{"words": [int(w) for w in f], "timeout_cycles": 200_000}
                                       for f in frames]))
    build_and_run("bm_sampler", rtl_sources(*SOURCES), PARAMS, "hw_cycles_tb",
                  testcase="frame_cycles", test_dir=tmp_path,
                  extra_env={"NPQ_BENCH_FRAMES": str(frames_file),
                             "NPQ_BENCH_RESULT": str(result_file)})
    measured = [r["cycles"] for r in json.loads(result_file.read_text())]
    assert measured == [frame_cycles(f, UNITS) for f in frames]
