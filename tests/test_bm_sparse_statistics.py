"""Statistics of sparse machines run through RUN_SPARSE frames (docs/spec.md §4.3.1) on
the cpu backend, whose output frames equal the reference's word for word (checked here
on every run that is compared with exact answers):

* small machines against exact enumeration: KL of the recorded states to the exact
  distribution within tests/test_bm_statistics.py's bound (a 3 x 3 king's graph, whose
  centre has degree 8, and a random graph of degree <= 3), and on a 4 x 4 king's graph
  (N = 16: 65,536 states, too many for a histogram of 10^5 states) the marginals within
  batch-means errors;
* king1024 (32 x 32 king's graph, N = 1024): a local check of the update rule, not of
  mixing. In a Gibbs sweep (τ = 1) the last colour's neurons are drawn after every
  other neuron, so in the recorded state neuron k of that colour was drawn as
  Bernoulli(q(u_k)) with u_k from the recorded z of its neighbours and q the spec's
  sigmoid table (§3.2). Hence Σ_t (z_k − q(u_k)) is a sum of martingale differences
  with variance Σ_t q(1 − q): exact error bars whatever the autocorrelation. Every
  colour is made the last one in turn (the colours' order in the frame rotated), so
  all 1024 neurons are checked with their real weights and neighbours: each z-score
  below 5, and their squares summing to χ²(1024) within 5 standard deviations (a
  2 % error in the weights moves that sum by ~600, 13 standard deviations).
"""
import numpy as np
import pytest

from neuropynq.backends.cpu import CpuBackend
from neuropynq.exact.enumeration import histogram_to_distribution, joint, kl_divergence, marginals
from neuropynq.framing import parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bm_sampler
from neuropynq.reference.bm_sampler import LutRule
from tests.test_bm_statistics import BATCHES, KL_BOUND, SE_MULTIPLE, SWEEPS, batch_standard_error

BURN_IN = 100
SMALL = {   # name: (machine, clamp)
    "king3": (lambda: BoltzmannMachine.king_graph(3, 4, weight_scale=0.8), None),
    "king3_clamped": (lambda: BoltzmannMachine.king_graph(3, 4, weight_scale=0.8), {4: 1}),
    "degree3": (lambda: BoltzmannMachine.bounded_degree(10, 3, 6, weight_scale=0.8), None),
}
KING_SWEEPS = 20_000        # per rotation of the colours; 4 rotations
KING_Z = 5.0                # martingale z-score bound per neuron (1024 neurons: ~6e-4 false alarms)


@pytest.fixture(scope="module")
def cpu():
    return CpuBackend(threads=1)


REF_SWEEPS = 3000           # the reference checks this prefix of each compared run (its speed)


def sparse_states(cpu, model: BMKernelModel, sweeps: int, tau: int, seed: int, check_ref: bool) -> np.ndarray:
    """Recorded states of a RUN_SPARSE run on the cpu backend; `check_ref`: the reference
    answers the run's first REF_SWEEPS sweeps (the same seed: a prefix) word for word."""
    if check_ref:
        prefix = model.run_sparse_frame(REF_SWEEPS, BURN_IN, 1, tau, seed, True)
        assert np.array_equal(cpu.execute(prefix), bm_sampler.run_frame(prefix)), "cpu and reference differ"
    out = cpu.execute(model.run_sparse_frame(sweeps, BURN_IN, 1, tau, seed, True))
    return model.unpack(parse_output(out), sweeps, True).states


@pytest.mark.parametrize("tau", [1, 4])
@pytest.mark.parametrize("name", list(SMALL))
def test_small_sparse_machines_sample_the_exact_distribution(cpu, name, tau):
    make, clamp = SMALL[name]
    bm = make()
    model = BMKernelModel.build(bm, clamp)
    assert model.degree <= 8 and model.frame_kind().name in ("RUN", "RUN_SPARSE")
    states = sparse_states(cpu, model, SWEEPS, tau, 11, check_ref=True)
    exact = joint(bm, clamp)
    kls = {s: kl_divergence(histogram_to_distribution(states[:s]), exact) for s in (1_000, SWEEPS)}
    assert kls[SWEEPS] <= KL_BOUND and kls[SWEEPS] < kls[1_000], kls


def test_king_4x4_marginals_within_batch_means_error(cpu):
    bm = BoltzmannMachine.king_graph(4, 8, weight_scale=0.8)
    z = sparse_states(cpu, BMKernelModel.build(bm), SWEEPS, 1, 12, check_ref=True)
    se = batch_standard_error(z)
    assert z.shape == (SWEEPS, 16) and SWEEPS % BATCHES == 0 and se.max() < 0.01
    error = np.abs(z.mean(axis=0) - marginals(bm))
    assert np.all(error <= SE_MULTIPLE * se + 1.0 / SWEEPS), (error, se)


def rotated(model: BMKernelModel, shift: int) -> BMKernelModel:
    """The same machine with its colours sent in another order (colour `shift` first)."""
    bounds = np.concatenate(([0], model.colour_end))
    colours = [model.order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    colours = colours[shift:] + colours[:shift]
    order = np.concatenate(colours)
    ends = np.cumsum([c.size for c in colours])
    return BMKernelModel(model.n, model.W_q, model.b_q, order, ends, model.clamp_mask, model.clamp_value)


def test_king1024_last_colour_follows_the_spec_update_rule(cpu):
    bm = BoltzmannMachine.king_graph(32, seed=1)
    base = BMKernelModel.build(bm)
    assert base.n == 1024 and base.colours == 4 and base.frame_kind().name == "RUN_SPARSE"
    index, weight = base.neighbour_lists()
    rule = LutRule(1)
    scores = np.full(base.n, np.nan)
    for shift in range(base.colours):
        model = rotated(base, shift)
        last = model.order[model.colour_end[-2]:]
        z = sparse_states(cpu, model, KING_SWEEPS, 1, 100 + shift, check_ref=False)
        u = np.full((KING_SWEEPS, last.size), model.b_q[last], dtype=np.int64)
        for s in range(index.shape[1]):
            u += z[:, index[last, s]].astype(np.int64) * weight[last, s]
        q = rule.levels(u) / float(1 << 24)
        scores[last] = (z[:, last] - q).sum(axis=0) / np.sqrt((q * (1 - q)).sum(axis=0))
    assert not np.isnan(scores).any()
    assert np.abs(scores).max() < KING_Z, np.abs(scores).max()
    assert abs((scores ** 2).sum() - base.n) < KING_Z * np.sqrt(2 * base.n), (scores ** 2).sum()


def test_king1024_cpu_equals_the_reference_on_a_long_sparse_run(cpu):
    model = BMKernelModel.build(BoltzmannMachine.king_graph(32, seed=1), {0: 1, 500: 0})
    frame = model.run_sparse_frame(300, 20, 2, 3, 9, True, np.arange(1024) % 4)
    assert np.array_equal(cpu.execute(frame), bm_sampler.run_frame(frame))
