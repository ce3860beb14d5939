"""bench/bench_hw.py: the row format, the bm workload graphs, bad arguments, and (rtl)
one quick bn and bm row at the PYNQ-Z2 build whose Verilator-measured cycles match the
loop-structure estimates of docs/rtl.md within 10 %."""
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
sys.path.insert(0, str(BENCH_DIR))

import bench_hw  # noqa: E402
from neuropynq.board.frames import bm_field_sweep_cycles, bm_sweep_cycles, bn_run_cycles, frame_cycles  # noqa: E402
from neuropynq.boards import board_build  # noqa: E402
from neuropynq.framing import Op  # noqa: E402
from neuropynq.kernels.bm_model import BMKernelModel  # noqa: E402
from neuropynq.limits import SPEC_BM_LIMITS  # noqa: E402
from neuropynq.kernels.bn_model import rate_to_rmax  # noqa: E402
from neuropynq.limits import BMLimits  # noqa: E402
from neuropynq.models.boltzmann import BoltzmannMachine  # noqa: E402
from neuropynq.models.bayesnet import BayesNet  # noqa: E402
from neuropynq.projection import posterior_seconds  # noqa: E402
from neuropynq.reference.bn_sampler import window_draws  # noqa: E402

LINE = re.compile(bench_hw.LINE_PATTERN)


def _parse(line: str) -> dict:
    match = LINE.fullmatch(line)
    assert match, f"not a bench_hw row: {line!r}"
    return match.groupdict()


def test_measured_row_format():
    row = bench_hw.Row("bn", "alarm", "pynq-z2", 4.0e6, bench_hw.ClockChoice(100, True), 13.25, 1)
    line = bench_hw.format_row(row)
    assert line == ("hw bn alarm pynq-z2 projected=7.547e+06 cpu_core=4e+06 ratio=1.89 clock=100 "
                    "cycles_per_sample=13.25")
    fields = _parse(line)
    assert fields["untimed"] is None and fields["reason"] is None


def test_bm_row_in_updates_per_ns_at_an_untimed_clock():
    row = bench_hw.Row("bm", "dense256", "zcu104", 0.02, bench_hw.ClockChoice(200, False), 4100, 256)
    fields = _parse(bench_hw.format_row(row))
    assert float(fields["projected"]) == pytest.approx(200e6 * 256 / 4100 / 1e9, rel=1e-3)
    assert float(fields["ratio"]) == pytest.approx(200e6 * 256 / 4100 / 1e9 / 0.02, rel=1e-2)
    assert (fields["clock"], fields["untimed"], fields["unit"]) == ("200", "(untimed)", "cycles_per_sweep")


def test_an_overlay_with_two_kernels_projects_two_chains_side_by_side():
    """The ZCU104's dense bm overlay holds two kernels (boards.txt bm_instances): its row
    counts both chains and says so; one chain alone runs at half of it."""
    one = bench_hw.Row("bm", "dense256", "zcu104", 0.03, bench_hw.ClockChoice(200, True), 256, 256)
    two = bench_hw.Row("bm", "dense256", "zcu104", 0.03, bench_hw.ClockChoice(200, True), 256, 256,
                       chains=board_build("zcu104").instances("bm_sampler"))
    assert _parse(bench_hw.format_row(one))["chains"] is None
    fields = _parse(bench_hw.format_row(two))
    assert float(fields["projected"]) == pytest.approx(0.4) == 2 * one.projected
    assert (fields["cycles"], fields["chains"]) == ("256", "2")


def test_row_a_build_cannot_run_gives_the_reason_and_the_cpu_figure():
    row = bench_hw.Row("bm", "king1024", "pynq-z2", 0.07, bench_hw.ClockChoice(100, False), None, 1024,
                       "N_MAX=256<1024")
    fields = _parse(bench_hw.format_row(row))
    assert (fields["projected"], fields["ratio"], fields["cycles"]) == ("n/a", "n/a", "n/a")
    assert (fields["cpu"], fields["reason"]) == ("0.07", "N_MAX=256<1024")


def test_sparse_workloads_run_sparse_frames_on_the_cpu_and_name_the_missing_engine(capsys, monkeypatch):
    """king1024 and sparse1024 go to the cpu backend as RUN_SPARSE frames (their dense
    frame would be 524,288 words of W); a board build without a sparse overlay (KV260:
    boards.txt bm_units 0) gets an n/a row with the cpu figure and says so (no
    simulation needed for it)."""
    workload = bench_hw.BM_WORKLOADS["king1024"]
    model = BMKernelModel.build(workload.machine())
    assert model.degree == 8 and model.colours == 4
    assert int(workload.frame(model, 2, SPEC_BM_LIMITS)[2]) == Op.RUN_SPARSE
    monkeypatch.setattr(bench_hw, "BM_CPU_REPEATS", 1)
    assert board_build("kv260").bm_units == 0
    assert bench_hw.main(["--boards", "kv260", "--workloads", "king1024"]) == 0
    fields = _parse(capsys.readouterr().out.strip())
    assert (fields["workload"], fields["projected"], fields["cycles"]) == ("king1024", "n/a", "n/a")
    assert float(fields["cpu"]) > 0.005 and "no sparse engine build" in fields["reason"]


def test_clock_is_the_board_clock_when_met_else_the_proxy_fmax(monkeypatch):
    build = board_build("pynq-z2")
    monkeypatch.setattr(bench_hw, "proxy_fmax", lambda kernel, b: 143.0)
    assert bench_hw.clock_for("bn_sampler", build) == bench_hw.ClockChoice(build.clock_mhz, True)
    monkeypatch.setattr(bench_hw, "proxy_fmax", lambda kernel, b: 61.5)
    assert bench_hw.clock_for("bn_sampler", build) == bench_hw.ClockChoice(61.5, True)
    monkeypatch.setattr(bench_hw, "proxy_fmax", lambda kernel, b: None)
    assert str(bench_hw.clock_for("bn_sampler", build)) == f"{build.clock_mhz}(untimed)"
    # a ZU+ board: the proxy (Z-7020 fabric) at 100 MHz or more stands for its 200 MHz
    zcu = board_build("zcu104")
    monkeypatch.setattr(bench_hw, "proxy_fmax", lambda kernel, b: 102.8)
    assert bench_hw.clock_for("bn_sampler", zcu) == bench_hw.ClockChoice(200, True)
    monkeypatch.setattr(bench_hw, "proxy_fmax", lambda kernel, b: 97.0)
    assert bench_hw.clock_for("bn_sampler", zcu) == bench_hw.ClockChoice(97.0, True)


def test_proxy_fmax_is_read_from_the_timing_doc_for_the_builds_exact_sizes(tmp_path, capsys):
    te = bench_hw.timing_estimate
    build = board_build("pynq-z2")
    sizes = build.twin_parameters("bn_sampler")
    now = te.source_digest(te.build_sources("bn_sampler", sizes))

    def result(board, params, fmax, proxy_note="", sources=now):
        proxy = {**params, "TABLE_MAX": params["TABLE_MAX"] // 2} if proxy_note else params
        timing = te.Timing("clk_i", fmax, 9000, 1000 / fmax, ())
        return te.Result("bn_sampler", board, params, proxy, proxy_note, 100, timing,
                         te.Ecp5Cells(9000, 5000, 60, 100, 10), te.se.Resources(11000, 5000, 56, 52), (),
                         sources=sources)

    doc = tmp_path / "timing_estimate.md"
    doc.write_text(te.render_doc([result("zcu104", sizes, 71.0),
                                  result("pynq-z2", {**sizes, "P": 2 * sizes["P"]}, 55.5),
                                  result("pynq-z2", sizes, 63.25, "TABLE_MAX halved: too big")],
                                 "yosys 0.0, nextpnr 0.0"))
    assert bench_hw.proxy_fmax("bn_sampler", build, doc) == pytest.approx(63.2, abs=0.05)
    assert bench_hw.proxy_fmax("bm_sampler", build, doc) is None
    assert bench_hw.proxy_fmax("bn_sampler", build, tmp_path / "absent.md") is None
    assert capsys.readouterr().err == ""

    # a row measured at other sources than hw/rtl/'s now is refused, and said so
    doc.write_text(te.render_doc([result("pynq-z2", sizes, 63.25, sources="0123456789ab")], "v"))
    assert bench_hw.proxy_fmax("bn_sampler", build, doc) is None
    err = capsys.readouterr().err
    assert "bn_sampler pynq-z2 row was measured at RTL sources 0123456789ab" in err and now in err


def test_steady_state_is_the_difference_over_the_extra_units():
    assert bench_hw.steady_state((256, 512), [10_000, 28_000]) == 18_000 / 256


def _degrees(machine) -> np.ndarray:
    return np.count_nonzero(machine.W, axis=1)


def test_king_graph_has_degree_8_inside_3_at_corners():
    machine = BoltzmannMachine.king_graph(32, seed=1)
    degrees = _degrees(machine).reshape(32, 32)
    assert machine.n == 1024 and np.array_equal(machine.W, machine.W.T)
    assert (degrees[1:-1, 1:-1] == 8).all() and degrees[0, 0] == 3 and degrees[0, 5] == 5
    assert machine.W[33, 0] != 0 and machine.W[33, 2] != 0 and machine.W[33, 35] == 0   # diagonal, not 2 away


def test_bounded_degree_graph_stays_within_the_degree():
    machine = BoltzmannMachine.bounded_degree(1024, 8, seed=1)
    degrees = _degrees(machine)
    assert np.array_equal(machine.W, machine.W.T) and np.all(np.diag(machine.W) == 0)
    assert degrees.max() == 8 and np.mean(degrees == 8) > 0.95


@pytest.mark.parametrize("args, message", [
    (["--boards", "pynq-z3"], "unknown board 'pynq-z3'"),
    (["--workloads", "alarmm"], "unknown workload 'alarmm'"),
])
def test_bad_arguments_exit_2_with_one_line(args, message, capsys):
    assert bench_hw.main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.rtl
def test_quick_rows_at_pynq_z2_match_the_loop_structure_estimates(capsys):
    """bn: the twin's rounds over the reference's window draws (board.frames.bn_run_cycles);
    bm: N·⌈N/P⌉+7 per sweep (docs/rtl.md)."""
    board = "pynq-z2"
    build = board_build(board)
    assert bench_hw.main(["--quick", "--boards", board, "--workloads", "alarm", "dense256"]) == 0
    lines = capsys.readouterr().out.splitlines()
    bn, bm = (_parse(line) for line in lines)
    assert (bn["kernel"], bn["workload"], bn["board"]) == ("bn", "alarm", board)
    assert (bm["kernel"], bm["workload"], bm["board"]) == ("bm", "dense256", board)

    workload = bench_hw.BN_WORKLOADS["alarm"]
    counts = bench_hw.BN_QUICK_SAMPLES
    model = workload.model(build.bn_limits)
    draws = window_draws(model, counts[1], workload.window, bench_hw.BN_SEED, rate_to_rmax(bench_hw.BN_RATE))
    rounds = [bn_run_cycles(draws[:c], build.bn_lanes, model.n_vars) for c in counts]
    bn_estimate = (rounds[1] - rounds[0]) / (counts[1] - counts[0])
    n, p_bm = 256, build.bm_lanes
    # dense: one colour per neuron
    bm_estimate = bm_field_sweep_cycles(n, 0) if build.bm_engine == "fields" else bm_sweep_cycles(n, n, n, p_bm)
    for fields, estimate, units in ((bn, bn_estimate, 1), (bm, bm_estimate, n)):
        assert fields["reason"] is None, f"{fields['workload']} not measured: {fields['reason']}"
        cycles, clock = float(fields["cycles"]), float(fields["clock"])
        assert abs(cycles - estimate) <= 0.1 * estimate, (fields, estimate)
        per_second = clock * 1e6 * units / cycles
        projected = per_second if fields["kernel"] == "bn" else per_second / 1e9
        assert float(fields["projected"]) == pytest.approx(projected, rel=1e-3)
        assert float(fields["ratio"]) == pytest.approx(projected / float(fields["cpu"]), rel=1e-2)
        assert float(fields["cpu"]) > 0

    # The cycle model behind neuropynq.projection (the notebooks' board projections)
    # against the same measurement: the difference of its seconds at the two counts.
    alarm = BayesNet.from_bif(bench_hw.EXAMPLES / "alarm.bif")
    seconds = [posterior_seconds(build, alarm, workload.evidence, s, workload.window, bench_hw.BN_RATE,
                                 bench_hw.BN_SEED) for s in counts]
    model_cycles = (seconds[1] - seconds[0]) * build.clock_mhz * 1e6 / (counts[1] - counts[0])
    assert abs(model_cycles - float(bn["cycles"])) <= 0.05 * float(bn["cycles"]), (model_cycles, bn)


def _bm_model(n, seed, density, clamp=None, order=None, colour_end=None, *, limits):
    import dataclasses
    bm = BoltzmannMachine.random(n, seed=seed, density=density, bias_scale=0.5)
    model = BMKernelModel.build(bm, clamp, limits=limits)
    if order is not None:
        model = dataclasses.replace(model, order=np.asarray(order), colour_end=np.asarray(colour_end))
    return model


# The two engines' regression builds (tests/rtl/bm_sampler at P = 4, tests/rtl/bm_field):
# shared Verilator builds, no new one.
ENGINE_BUILDS = {"lanes": {"P": 4, "N_MAX": 64}, "fields": {"P": 4, "N_MAX": 64, "ENGINE": 1}}


@pytest.mark.rtl
@pytest.mark.parametrize("engine", list(ENGINE_BUILDS))
def test_bm_frame_cycles_are_the_twins_from_first_word_in_to_last_word_out(engine):
    """neuropynq.board.frames.frame_cycles (the board deadlines, the notebooks'
    projections) against each engine's twin, cycle for cycle: B = ceil(N/P) = 1, 2, 3
    and >= 4, odd and even N², clamps (all neurons clamped too), several colours
    (the field engine: of connected neurons, so deferred, and of unconnected ones),
    N < 19 (the field engine's re-issue wait), thinning, recording, an initial state."""
    from tests.rtl.bm_sampler.test_bm_sampler import TWIN_SOURCES
    from tests.rtl.common.build import rtl_sources
    params = ENGINE_BUILDS[engine]
    limits = BMLimits(n_max=params["N_MAX"])
    everything = {k: k % 2 for k in range(9)}
    frames = [
        _bm_model(20, 1, 1.0, limits=limits).run_frame(3, 1, 1, 1, 5, True),
        _bm_model(50, 2, 1.0, {3: 1}, limits=limits).run_frame(2, 0, 2, 2, 6, False),
        _bm_model(33, 3, 0.2, limits=limits).run_frame(2, 2, 1, 3, 7, True, init=np.arange(33) % 4),
        _bm_model(7, 4, 1.0, limits=limits).run_frame(3, 2, 1, 1, 8, False),
        _bm_model(9, 5, 1.0, everything, limits=limits).run_frame(2, 1, 1, 1, 9, True),
        _bm_model(9, 5, 1.0, everything, limits=limits).run_frame(3, 2, 2, 1, 9, False),
        _bm_model(40, 7, 0.3, {5: 1}, np.arange(40), [10, 20, 30, 40], limits=limits).run_frame(2, 1, 1, 1, 11, True),
        _bm_model(12, 8, 0.3, None, np.arange(12), [6, 12], limits=limits).run_frame(3, 2, 2, 1, 8, False),
        _bm_model(3, 10, 1.0, limits=limits).run_frame(2, 1, 1, 1, 3, True),
    ]
    measured = bench_hw.simulate_twin("bm_sampler", rtl_sources(*TWIN_SOURCES), params, frames,
                                      [1_000_000] * len(frames), f"{engine} engine")
    assert measured == [frame_cycles(f, params["P"], bm_engine=engine) for f in frames]


@pytest.mark.rtl
def test_quick_dense_row_of_the_field_engine_is_one_neuron_per_cycle(capsys):
    """The ZCU104 build runs bm's field engine (boards.txt bm_engine): dense256 sweeps in
    N = 256 cycles (docs/design/bm_throughput.md), the output frames equal the cpu
    backend's (bench_hw checks every frame); its overlay's two kernels run a chain each."""
    board = "zcu104"
    assert board_build(board).bm_engine == "fields"
    assert bench_hw.main(["--quick", "--boards", board, "--workloads", "dense256"]) == 0
    row = _parse(capsys.readouterr().out.strip())
    assert row["reason"] is None, row
    assert float(row["cycles"]) == 256, row
    assert int(row["chains"]) == board_build(board).bm_instances == 2
    assert float(row["projected"]) == pytest.approx(2 * float(row["clock"]) * 1e6 * 256 / 256 / 1e9, rel=1e-3)
