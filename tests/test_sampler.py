"""The user-facing Sampler: accuracy against exact inference, determinism,
errors that name their cause, and backend selection."""
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from neuropynq import BayesNet, BoltzmannMachine, Sampler, posterior_marginals
from neuropynq.backends import registry
from neuropynq.backends.base import Backend
from neuropynq.backends.ref import RefBackend
from neuropynq.errors import BackendUnavailable, EvidenceError, KernelError, LimitError, NeuropynqError
from neuropynq.exact.enumeration import marginals as exact_bm_marginals
from neuropynq.framing import MAGIC_BN, SPEC_VERSION, Status, output_frame
from neuropynq.kernels.bn_model import info_payload
from neuropynq.limits import BNLimits
from neuropynq.results import BMSamples


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def asia():
    return BayesNet.from_bif(EXAMPLES / "asia.bif")


@pytest.fixture(scope="module")
def ref():
    return Sampler("ref")


# --- accuracy -----------------------------------------------------------------

@pytest.mark.parametrize("evidence", [{"smoke": "yes", "xray": "yes"}, {"dysp": "yes", "asia": "yes"}])
def test_asia_posterior_matches_exact_within_derived_bound(asia, ref, evidence):
    window = 32
    post = ref.posterior(asia, evidence, samples=65536, window=window, seed=11, rate=0.5)
    exact = posterior_marginals(asia, evidence)
    assert set(post.marginals) == set(exact) == set(asia.variables) - set(evidence)
    for v, p in exact.items():
        # Spec §2.3: SE² ≈ Σ E[n_s²](1[x_s=k] − p)² / (Σ E[n_s])². With n_s ≤ T,
        # n_s² ≤ T·n_s, and the spike-weighted mean of (1[x=k] − p)² is p(1 − p), so
        # SE ≤ sqrt(T·p(1 − p) / total). 4·SE, plus 1e-3 for the 16-bit quantisation.
        bound = 4 * np.sqrt(window * p * (1 - p) / post.total) + 1e-3
        assert bound.max() < 0.05, "the bound must be tight enough to mean something"
        np.testing.assert_array_less(np.abs(post.marginals[v] - p), bound)
        assert post.marginals[v].sum() == pytest.approx(1.0)


def test_boltzmann_marginals_match_enumeration(ref):
    bm = BoltzmannMachine.random(4, seed=5, weight_scale=0.8, bias_scale=0.5)
    sweeps = 20000
    run = ref.sample(bm, sweeps, burn_in=50, seed=2)
    assert run.states.shape == (sweeps, 4)
    np.testing.assert_array_equal(run.on_counts, run.states.sum(axis=0))
    # Batch means account for the chain's autocorrelation: 20 batches of 1000 sweeps.
    batch_means = run.states.reshape(20, -1, 4).mean(axis=1)
    se = batch_means.std(axis=0, ddof=1) / np.sqrt(20)
    np.testing.assert_array_less(np.abs(run.marginals - exact_bm_marginals(bm)), 5 * se + 2e-3)
    assert sum(run.histogram().values()) == sweeps
    assert run.distribution().sum() == pytest.approx(1.0)


# --- determinism --------------------------------------------------------------

def test_same_seed_same_counts_other_seed_differs(asia, ref):
    evidence = {"xray": "yes"}
    a = ref.posterior(asia, evidence, samples=2048, window=16, seed=3)
    b = Sampler("ref").posterior(asia, evidence, samples=2048, window=16, seed=3)
    c = ref.posterior(asia, evidence, samples=2048, window=16, seed=4)
    assert a.total == b.total and a.total != c.total
    for v in asia.variables:
        np.testing.assert_array_equal(a.counts[v], b.counts[v])
    assert any(not np.array_equal(a.counts[v], c.counts[v]) for v in asia.variables)


def test_bm_same_seed_same_states(ref):
    bm = BoltzmannMachine.random(5, seed=1)
    a = ref.sample(bm, 300, burn_in=10, tau=3, seed=9)
    b = ref.sample(bm, 300, burn_in=10, tau=3, seed=9)
    c = ref.sample(bm, 300, burn_in=10, tau=3, seed=10)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.spike_counts, b.spike_counts)
    assert not np.array_equal(a.states, c.states)


# --- results ------------------------------------------------------------------

def test_posterior_accessors(asia, ref):
    post = ref.posterior(asia, {"smoke": "yes"}, query=["lung", "smoke"], samples=1024, window=8, seed=1)
    assert list(post.marginals) == ["lung", "smoke"]
    # A query on an evidence variable is the point mass on its observed state.
    assert post["smoke"] == {"yes": 1.0, "no": 0.0}
    assert post.to_dict() == {"lung": post["lung"], "smoke": post["smoke"]}
    assert post["lung"]["yes"] == post.counts["lung"][0] / post.total
    text = repr(post)
    assert "smoke=yes" in text and "ref backend" in text
    assert ["lung", "yes", f"{post['lung']['yes']:.4f}", str(post.counts["lung"][0])] in [l.split() for l in text.splitlines()]
    with pytest.raises(KeyError, match="'tub' is not a query variable"):
        post["tub"]


def test_histogram_character_i_is_neuron_i(ref):
    bm = BoltzmannMachine.random(4, seed=3)
    run = ref.sample(bm, 500, burn_in=0, clamp={0: 1, 2: 0}, seed=1)
    hist = run.histogram()
    assert all(len(k) == 4 and k[0] == "1" and k[2] == "0" for k in hist)
    from_hist = np.array([[int(c) for c in k] for k in hist], dtype=float)
    counts = np.array(list(hist.values()))
    np.testing.assert_array_equal(counts @ from_hist, run.on_counts)


def test_distribution_needs_states_and_small_n():
    zeros = np.zeros(21, dtype=np.int64)
    big = BMSamples(zeros, zeros, np.zeros((3, 21), dtype=np.uint8), sweeps=3, backend="ref", seconds=0.0)
    with pytest.raises(LimitError, match="N <= 20; this machine has N = 21"):
        big.distribution()
    unrecorded = BMSamples(zeros[:3], zeros[:3], None, sweeps=3, backend="ref", seconds=0.0)
    with pytest.raises(ValueError, match="record=True"):
        unrecorded.histogram()


# --- errors -------------------------------------------------------------------

def test_unknown_query_variable_is_named(asia, ref):
    with pytest.raises(EvidenceError, match="unknown query variable 'lungs'"):
        ref.posterior(asia, query=["lung", "lungs"], samples=16, window=4)


def test_impossible_evidence_is_named(asia, ref):
    # `either` is the OR of tub and lung: tub=yes with either=no has probability zero,
    # although each observation alone is possible.
    with pytest.raises(EvidenceError, match="probability zero: .*tub=yes.*either=no"):
        ref.posterior(asia, {"tub": "yes", "either": "no"}, samples=256, window=8)


def test_too_few_spikes_says_what_to_raise(asia, ref):
    with pytest.raises(NeuropynqError, match="no spikes: raise samples, window or rate") as info:
        ref.posterior(asia, {"asia": "yes"}, samples=1, window=1, rate=1 / 65536, seed=0)
    assert not isinstance(info.value, (EvidenceError, KernelError))


class _StatusBackend(Backend):
    """Answers INFO with given limits and every RUN frame with a fixed status."""
    name = "fake"

    def __init__(self, limits=BNLimits(), status=Status.OK):
        self.limits, self.status = limits, status

    def execute(self, frame):
        if int(frame[2]) == 2:   # INFO
            return output_frame(Status.OK, info_payload(self.limits, lanes=4))
        return output_frame(self.status)


def test_kernel_status_becomes_kernel_error(asia):
    with pytest.raises(KernelError, match="BAD_PARAMS"):
        Sampler(_StatusBackend(status=Status.BAD_PARAMS)).posterior(asia, samples=16, window=4)


def test_limits_come_from_the_backends_info_frame(asia):
    backend = _StatusBackend(limits=BNLimits(v_max=4))
    assert backend.bn_lanes() == 4
    with pytest.raises(LimitError, match="8 variables; this kernel build allows at most 4"):
        Sampler(backend).posterior(asia, samples=16, window=4)


def test_bad_run_parameters_are_named(asia, ref):
    with pytest.raises(ValueError, match="rate must be in"):
        ref.posterior(asia, samples=16, window=4, rate=0)
    with pytest.raises(LimitError, match="window = 2097152"):
        ref.posterior(asia, samples=16, window=1 << 21)


# --- backends -----------------------------------------------------------------

def test_ref_backend_answers_foreign_frames_like_a_kernel():
    out = RefBackend().execute(np.array([0x12345678, 1, 1], dtype=np.uint32))
    np.testing.assert_array_equal(out, output_frame(Status.BAD_MAGIC))
    assert int(RefBackend().execute(np.array([MAGIC_BN, SPEC_VERSION, 9], dtype=np.uint32))[1]) == Status.BAD_OPCODE


def test_fpga_without_a_board_is_unavailable_with_a_reason():
    # No PYNQ board here: whether fpga.py exists yet or not, the error says why.
    with pytest.raises(BackendUnavailable, match="fpga"):
        Sampler("fpga")


@pytest.mark.parametrize("name", ["cpu", "fpga"])
def test_missing_backend_module_is_named(monkeypatch, name):
    monkeypatch.setitem(registry.BACKENDS, name, "neuropynq.backends.no_such_module:Backend")
    with pytest.raises(BackendUnavailable,
                       match=f"backend '{name}' is not installed \\(no module neuropynq.backends.no_such_module\\)"):
        Sampler(name)


def test_unknown_backend_lists_choices():
    with pytest.raises(BackendUnavailable, match="unknown backend 'gpu'; choose one of auto, fpga, cpu, ref"):
        Sampler("gpu")


def test_auto_falls_back_to_ref_and_keeps_reasons(monkeypatch):
    class NoCompiler(Backend):
        def __init__(self):
            raise BackendUnavailable("g++ not found on PATH")

        def execute(self, frame):
            raise AssertionError("never constructed")

    fake = types.ModuleType("npq_test_backends")
    fake.NoCompiler = NoCompiler
    monkeypatch.setitem(sys.modules, "npq_test_backends", fake)
    monkeypatch.setitem(registry.BACKENDS, "cpu", "npq_test_backends:NoCompiler")
    monkeypatch.setitem(registry.BACKENDS, "fpga", "neuropynq.backends.no_such_module:FpgaBackend")
    sampler = Sampler("auto")
    assert isinstance(sampler.backend, RefBackend)
    assert sampler.describe().splitlines() == [
        "backend: ref",
        "  fpga: backend 'fpga' is not installed (no module neuropynq.backends.no_such_module)",
        "  cpu: g++ not found on PATH"]


def test_auto_takes_the_first_available(monkeypatch):
    class Fast(RefBackend):
        name = "fast"

    fake = types.ModuleType("npq_test_backends_fast")
    fake.Fast = Fast
    monkeypatch.setitem(sys.modules, "npq_test_backends_fast", fake)
    monkeypatch.setitem(registry.BACKENDS, "cpu", "npq_test_backends_fast:Fast")
    monkeypatch.setitem(registry.BACKENDS, "fpga", "neuropynq.backends.no_such_module:FpgaBackend")
    assert Sampler().backend.name == "fast"
