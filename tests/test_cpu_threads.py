"""The cpu backend splits a Bayesian-network run's samples over threads: the output
frame is the ref backend's, word for word, for every thread count; frames the
split cannot prove equal run whole; the thread count is validated."""
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from neuropynq.backends import cpu as cpu_module
from neuropynq.backends.cpu import BATCH, MIN_SAMPLES_PER_THREAD, CpuBackend
from neuropynq.backends.ref import RefBackend
from neuropynq.errors import ParameterError
from neuropynq.framing import Status
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.models.bayesnet import BayesNet
from neuropynq.rng import Streams, shifted_seed
from neuropynq.sampler import Sampler

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


CASES = [("asia", {"xray": "yes"}), ("alarm", {"HRBP": "HIGH", "BP": "LOW"}), ("hailfinder", {})]
# Three parts of whole batches and a short last one; two parts (too few samples for three).
SAMPLES = (3 * MIN_SAMPLES_PER_THREAD + 77, 2 * MIN_SAMPLES_PER_THREAD + 5)


@pytest.fixture
def runs(monkeypatch):
    """The sample count of every frame the library runs."""
    seen = []
    run = cpu_module._run

    def spy(copy, words, flags):
        seen.append(int(words[-cpu_module.RUN_PARAM_WORDS]) if words.size > cpu_module.RUN_PARAM_WORDS else None)
        return run(copy, words, flags)
    monkeypatch.setattr(cpu_module, "_run", spy)
    return seen


def test_shifted_seed_renames_the_streams():
    seed, first = 0xFEDCBA9876543210, 5000
    a = Streams(shifted_seed(seed, first), np.arange(40))
    b = Streams(seed, np.arange(first, first + 40))
    for _ in range(3):
        np.testing.assert_array_equal(a.next(), b.next())


@pytest.mark.parametrize("samples", SAMPLES, ids=["three-parts", "two-parts"])
@pytest.mark.parametrize("name, evidence", CASES, ids=[c[0] for c in CASES])
def test_counts_equal_ref_for_every_thread_count(runs, name, evidence, samples):
    model = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / f"{name}.bif"), evidence)
    frame = model.run_frame(samples=samples, window=16, seed=11, rmax=40000)
    expected = RefBackend().execute(frame)
    assert expected[1] == Status.OK and model.unpack(expected[3:]).total > 0
    for threads in (1, 2, 3):
        runs.clear()
        np.testing.assert_array_equal(CpuBackend(threads).execute(frame), expected)
        parts = min(threads, samples // MIN_SAMPLES_PER_THREAD)
        assert len(runs) == parts and sum(runs) == samples
        assert sum(n % BATCH != 0 for n in runs) <= 1   # whole batches but the last part


def test_sampler_posterior_does_not_depend_on_threads():
    bn = BayesNet.from_bif(EXAMPLES / "alarm.bif")
    posts = [Sampler("cpu", threads=t).posterior(bn, {"CO": "LOW"}, samples=20000, window=32, seed=2)
             for t in (1, 2, 3)]
    assert [p.backend for p in posts] == ["cpu"] * 3
    for p in posts[1:]:
        assert p.total == posts[0].total > 0
        for v in p.counts:
            np.testing.assert_array_equal(p.counts[v], posts[0].counts[v])


def _bad(frame: np.ndarray, at: int, value: int) -> np.ndarray:
    frame = frame.copy()
    frame[at] = value
    return frame


def test_a_bad_frame_gets_the_whole_frames_status(runs):
    model = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / "asia.bif"), {"xray": "yes"})
    frame = model.run_frame(samples=4 * MIN_SAMPLES_PER_THREAD, window=8, seed=1, rmax=1000)
    params = frame.size - cpu_module.RUN_PARAM_WORDS
    huge = _bad(_bad(frame, params, (1 << 32) - 1), params + 1, 1 << 20)
    cases = {   # frame, status, frames run (1: whole)
        "card 0 in a descriptor": (_bad(frame, 5, 0), Status.BAD_MODEL, 3),
        "rmax 0": (_bad(frame, params + 4, 0), Status.BAD_PARAMS, 3),
        "window 0": (_bad(frame, params + 1, 0), Status.BAD_PARAMS, 1),
        "samples x window past 2^48": (huge, Status.BAD_PARAMS, 1),
        "one word short": (frame[:-1], Status.SHORT_FRAME, 1),
    }
    ref = RefBackend()
    for what, (bad, status, n_runs) in cases.items():
        runs.clear()
        got = CpuBackend(3).execute(bad)
        np.testing.assert_array_equal(got, ref.execute(bad), err_msg=what)
        assert got[1] == status and len(runs) == n_runs, what


def test_bm_frames_and_explicit_tlast_run_whole(runs):
    from neuropynq.kernels.bm_model import BMKernelModel
    from neuropynq.models.boltzmann import BoltzmannMachine
    bm_frame = BMKernelModel.build(BoltzmannMachine.random(8, seed=1)).run_frame(
        sweeps=5000, burn_in=0, thin=1, tau=1, seed=1, record=False)
    bn_frame = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / "asia.bif")).run_frame(
        samples=8 * MIN_SAMPLES_PER_THREAD, window=4, seed=1, rmax=1000)
    last = np.zeros(bn_frame.size, dtype=np.uint8)
    last[-1] = 1
    backend = CpuBackend(4)
    np.testing.assert_array_equal(backend.execute(bm_frame), CpuBackend(1).execute(bm_frame))
    np.testing.assert_array_equal(backend.execute(bn_frame, last=last), CpuBackend(1).execute(bn_frame))
    assert len(runs) == 4   # each frame once whole on each backend


def test_thread_counts_are_checked_and_default_to_every_core():
    assert CpuBackend().threads == len(os.sched_getaffinity(0))
    assert Sampler("cpu", threads=3).backend.threads == 3
    assert Sampler("ref", threads=3).backend.name == "ref"
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ParameterError, match="threads must be a positive integer"):
            Sampler("cpu", threads=bad)
        with pytest.raises(ParameterError, match="threads must be a positive integer"):
            Sampler("ref", threads=bad)


def test_cli_threads_option(capsys):
    from neuropynq.cli import main
    args = ["infer", str(EXAMPLES / "asia.bif"), "--evidence", "xray=yes", "--backend", "cpu",
            "--samples", "5000", "--window", "16", "--json"]
    outputs = []
    for threads in ("1", "3"):
        assert main(args + ["--threads", threads]) == 0
        outputs.append(json.loads(capsys.readouterr().out)["posterior"])
    assert outputs[0] == outputs[1]
    with pytest.raises(SystemExit) as exit_info:
        main(args + ["--threads", "0"])
    assert exit_info.value.code == 2
    assert "threads must be a positive integer, got 0" in capsys.readouterr().err


def test_concurrent_split_runs_give_the_sequential_answers():
    """Callers on several threads share the library copies and the pool."""
    model = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / "alarm.bif"), {"CO": "LOW"})
    frames = [model.run_frame(samples=4 * MIN_SAMPLES_PER_THREAD + s, window=8, seed=s, rmax=30000)
              for s in range(6)]
    expected = [CpuBackend(1).execute(f) for f in frames]
    backends = [CpuBackend(2 + i % 3) for i in range(len(frames))]
    with ThreadPoolExecutor(len(frames)) as callers:
        got = list(callers.map(lambda i: backends[i].execute(frames[i]), range(len(frames))))
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_an_unwritable_cache_for_thread_copies_is_backend_unavailable(tmp_path, monkeypatch):
    library = tmp_path / "libneuropynq_0.so"
    library.write_bytes(b"")

    def read_only(**_):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(cpu_module.tempfile, "mkstemp", read_only)
    with pytest.raises(cpu_module.BackendUnavailable, match=r"cannot write .*libneuropynq_0\.1\.so for its thread 2 "
                                                            r"\(Permission denied\)"):
        cpu_module._private_copy(library, 1)
