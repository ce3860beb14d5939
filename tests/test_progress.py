"""Progress lines: shown on a terminal (or in a notebook) for work projected to take
more than SHOW_FOR seconds, with the time left; silent when piped, under --quiet or
--json, and for short work; never a change to what the work returns."""
import io
import json
import time
from pathlib import Path

import numpy as np
import pytest

from neuropynq import BoltzmannMachine, Sampler, cli, progress
from neuropynq.backends.base import Backend
from neuropynq.backends.ref import RefBackend
from neuropynq.progress import Progress, format_seconds, timed


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def lines(text: str) -> list[str]:
    """What a terminal shows: each \\r starts the line again."""
    return [part.rstrip() for part in text.replace("\n", "\r").split("\r") if part.strip()]


def test_counted_steps_show_progress_and_the_time_left_on_a_terminal():
    out, clock = Terminal(), Clock()
    with Progress(10, "epochs", stream=out, clock=clock) as bar:
        for _ in range(4):
            clock.now += 1.0
            bar.advance()
        shown = lines(out.getvalue())
        # 4 of 10 steps in 4 s: 6 s left
        assert shown[-1] == "epochs: 4/10  40% (4 s, about 6 s left)"
        for _ in range(6):
            clock.now += 1.0
            bar.advance()
    assert out.getvalue().endswith("epochs: 10/10 100% (10 s)\n")


def test_short_work_prints_nothing():
    out, clock = Terminal(), Clock()
    with Progress(100, "rows", stream=out, clock=clock) as bar:
        for _ in range(100):
            clock.now += 0.01          # 1 s in all, under SHOW_FOR
            bar.advance()
    assert out.getvalue() == ""


def test_work_of_unknown_length_shows_once_it_is_long():
    out, clock = Terminal(), Clock()
    bar = Progress(None, "rows", stream=out, clock=clock)
    clock.now += 1.0
    bar.advance()
    assert out.getvalue() == ""
    clock.now += progress.SHOW_FOR
    bar.advance()
    assert lines(out.getvalue()) == ["rows: 2 (3 s)"]


def test_work_projected_long_shows_before_it_is_long():
    out, clock = Terminal(), Clock()
    bar = Progress(100, "rows", stream=out, clock=clock)
    clock.now += progress.SHOW_AFTER
    bar.advance()                       # 1 of 100 after 0.5 s: 50 s projected
    assert lines(out.getvalue()) == ["rows: 1/100   1% (0 s, about 50 s left)"]


@pytest.mark.parametrize("stream", [io.StringIO(), None])
def test_nothing_when_piped_or_quiet(stream):
    out = stream if stream is not None else Terminal()
    clock = Clock()
    with progress.quiet(stream is None), Progress(10, "epochs", stream=out, clock=clock) as bar:
        for _ in range(10):
            clock.now += 1.0
            bar.advance()
    assert out.getvalue() == ""


def test_a_notebooks_stderr_counts_as_watched():
    kernel_stream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})()
    assert progress.watched(kernel_stream)
    assert not progress.watched(io.StringIO())


def test_timed_step_with_an_estimate_says_how_long_is_left(monkeypatch):
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.05)
    monkeypatch.setattr(progress, "TICK", 0.01)
    out = Terminal()
    with timed("bm_sampler on cpu", expected=10.0, stream=out):
        time.sleep(0.3)
    shown = lines(out.getvalue())
    assert shown[0] == "bm_sampler on cpu: 0 s, about 10 s left"
    assert shown[-1] == "bm_sampler on cpu: done (0 s)"


def test_timed_step_short_and_expected_short_prints_nothing(monkeypatch):
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.05)
    out = Terminal()
    with timed("bm_sampler on cpu", expected=0.2, stream=out):
        time.sleep(0.1)
    with timed("bm_sampler on cpu", expected=None, stream=out):
        time.sleep(0.1)
    assert out.getvalue() == ""


def test_format_seconds():
    assert [format_seconds(s) for s in (0.4, 59.6, 61, 3725)] == ["0 s", "1 min 00 s", "1 min 01 s", "1 h 02 min"]


def test_rates_estimate_a_later_run_from_an_earlier_one():
    rates = progress.Rates()
    assert rates.expected(("cpu", "bm_sampler"), 1000) is None
    rates.record(("cpu", "bm_sampler"), 1000, 2.0)
    assert rates.expected(("cpu", "bm_sampler"), 3000) == pytest.approx(6.0)


# ------------------------------------------------------------------ in the CLI and the API
@pytest.fixture
def model(tmp_path):
    path = tmp_path / "bm.npz"
    BoltzmannMachine.random(6, seed=1).save(path)
    return path


class CapturedTerminal:
    """pytest's captured stderr, taken for a terminal."""

    def __init__(self, capsys):
        self.capsys = capsys

    def getvalue(self) -> str:
        return self.capsys.readouterr().err


@pytest.fixture
def terminal_stderr(monkeypatch, capsys):
    """stderr counts as a terminal and every run as long."""
    monkeypatch.setattr(progress, "watched", lambda stream: True)
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(progress, "SHOW_FOR", 0.0)
    return CapturedTerminal(capsys)


def run_bm(capsys, model, *extra) -> tuple[str, str]:
    assert cli.main(["bm", str(model), "--sweeps", "2000", "--backend", "ref", "--seed", "3", *extra]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_cli_shows_progress_on_a_terminal_and_not_with_quiet_or_json(capsys, model, terminal_stderr):
    plain, err = run_bm(capsys, model)
    assert lines(err)[-1].startswith("bm_sampler on ref: done") and err.endswith("\n")
    assert "bm_sampler" not in plain
    quiet, err = run_bm(capsys, model, "--quiet")
    assert err == ""
    assert quiet.split("\n")[1:] == plain.split("\n")[1:]    # the same run; only its time differs
    out, err = run_bm(capsys, model, "--json")
    assert err == ""
    assert json.loads(out)["sweeps"] == 2000


def test_cli_is_silent_when_stderr_is_piped(capsys, model, monkeypatch):
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(progress, "SHOW_FOR", 0.0)
    _, err = run_bm(capsys, model)
    assert err == ""    # capsys's stderr is no terminal


def test_progress_changes_no_result(terminal_stderr):
    bm = BoltzmannMachine.random(6, seed=1)
    watched = Sampler("ref").sample(bm, 500, seed=2)
    assert "bm_sampler on ref" in terminal_stderr.getvalue()
    with progress.quiet():
        silent = Sampler("ref").sample(bm, 500, seed=2)
    assert np.array_equal(watched.states, silent.states)


def test_batch_inference_counts_rows(terminal_stderr):
    from neuropynq import BayesNet
    bn = BayesNet.from_bif(Path(__file__).resolve().parents[1] / "examples" / "asia.bif")
    rows = [{"xray": "yes"}, {"xray": "no"}, {"dysp": "yes"}]
    answers = Sampler("ref").posterior_batch(bn, rows, samples=256, window=16, seed=1)
    assert len(answers) == 3
    shown = lines(terminal_stderr.getvalue())
    assert shown[-1].startswith("evidence rows on ref: 3/3 100%")
    assert "bn_sampler" not in terminal_stderr.getvalue()   # rows counted, not each frame timed


def test_training_epochs_show_progress(terminal_stderr):
    from neuropynq.train import Adam, Dense, LIF, Network, RateCrossEntropy, fit
    from neuropynq.train.data import poisson_patterns
    x, y = poisson_patterns(classes=2, channels=4, steps=8, samples=16, seed=1)
    net = Network([Dense(4, 2, LIF(beta=0.9), seed=1)])
    fit(net, x, y, RateCrossEntropy(5.0), Adam(net.parameters()), epochs=2, batch_size=8)
    assert lines(terminal_stderr.getvalue())[-1].startswith("training, epoch 2/2: 4/4 100%")


def test_echo_keeps_the_works_output_apart_from_the_progress_line(capsys):
    out, clock = Terminal(), Clock()
    with Progress(4, "yosys synthesis runs", stream=out, clock=clock) as bar:
        for job in range(4):
            clock.now += 10.0
            bar.echo(f"job {job} done")
            bar.advance()
    printed = capsys.readouterr().out
    assert printed == "".join(f"job {j} done\n" for j in range(4))
    # each echo after the first advance cleared the progress line (spaces, back to column 0)
    # before its text went out
    assert out.getvalue().count("\r" + " " * len("yosys synthesis runs: 1/4  25% (10 s, about 30 s left)") + "\r") == 3
    assert lines(out.getvalue())[-1] == "yosys synthesis runs: 4/4 100% (40 s)"


class CountingRef(Backend):
    """The ref backend, counting the RUN frames it executes."""

    name = "counting-ref"

    def __init__(self):
        self.ref, self.runs = RefBackend(), 0

    def execute(self, frame):
        self.runs += frame.size > 3          # an INFO frame is 3 words
        return self.ref.execute(frame)


def test_a_first_large_run_is_estimated_from_short_runs_only_when_watched(terminal_stderr, monkeypatch):
    from neuropynq import sampler as sampler_module
    monkeypatch.setattr(progress, "RATES", progress.Rates())
    monkeypatch.setattr(sampler_module, "RATES", progress.RATES)
    monkeypatch.setattr(sampler_module, "CALIBRATE_FROM", 1000)
    # The run's own progress line may or may not tick before a fast run ends, so the
    # estimate is checked where it is handed to the progress line.
    estimates = []
    real_timed = sampler_module.timed

    def recording_timed(what, expected=None, *args, **kwargs):
        estimates.append(expected)
        return real_timed(what, expected, *args, **kwargs)
    monkeypatch.setattr(sampler_module, "timed", recording_timed)
    bm = BoltzmannMachine.random(6, seed=1)
    counting = CountingRef()
    watched = Sampler(counting).sample(bm, 6400, burn_in=128, seed=2)
    assert counting.runs == 4                      # three short runs, then the run
    assert len(estimates) == 1 and estimates[0] is not None and estimates[0] > 0
    shown = lines(terminal_stderr.getvalue())
    assert all(line.startswith("bm_sampler on counting-ref: ") and " left" in line for line in shown[:-1])
    assert shown[-1].startswith("bm_sampler on counting-ref: done")
    monkeypatch.setattr(progress, "RATES", progress.Rates())
    monkeypatch.setattr(sampler_module, "RATES", progress.RATES)
    with progress.quiet():
        silent = Sampler(counting).sample(bm, 6400, burn_in=128, seed=2)
    assert counting.runs == 5                      # nobody watches: no short runs
    assert np.array_equal(watched.states, silent.states)
