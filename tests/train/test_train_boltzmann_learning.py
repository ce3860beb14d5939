"""Boltzmann learning with the sampler's negative phase, against exact enumeration."""
import numpy as np
import pytest
from scipy.special import logsumexp

from neuropynq import Sampler
from neuropynq.errors import ModelError
from neuropynq.exact.enumeration import all_states, joint
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.train.boltzmann_learning import (Q510_MAX, BoltzmannModel, ContrastiveDivergence,
                                                replicated)
from neuropynq.train.data import bars_and_stripes


def _random_model(n_visible, n_hidden, lateral, seed):
    model = BoltzmannModel(n_visible, n_hidden, lateral=lateral, seed=seed, init_scale=1.0)
    rng = np.random.default_rng(seed + 100)
    model.b_v.value[:] = rng.normal(0, 0.5, n_visible)
    model.b_h.value[:] = rng.normal(0, 0.5, n_hidden)
    return model


@pytest.mark.parametrize("n_hidden, lateral", [(3, False), (2, True), (0, True)])
def test_log_likelihood_equals_enumeration(n_hidden, lateral):
    model = _random_model(4, n_hidden, lateral, seed=n_hidden)
    p = joint(model.machine())
    # Marginalise the hidden units: state index = visible index + 16·hidden index.
    p_visible = p.reshape(-1, 16).sum(axis=0) if n_hidden else p
    data = all_states(4)[[0, 5, 5, 9, 15]]
    index = data.astype(np.int64) @ (1 << np.arange(4))
    assert model.log_likelihood(data) == pytest.approx(np.mean(np.log(p_visible[index])), abs=1e-12)


def test_machine_layout_and_statistics():
    model = _random_model(3, 2, lateral=True, seed=7)
    bm = model.machine()
    assert np.array_equal(bm.W[:3, 3:], model.W_vh.value) and np.array_equal(bm.W[3:, :3], model.W_vh.value.T)
    assert np.array_equal(bm.W[:3, :3], model.W_vv.value) and not bm.W[3:, 3:].any()
    assert np.array_equal(bm.b, np.concatenate((model.b_v.value, model.b_h.value)))
    v = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    stats = model.statistics(v)
    p_h = 1.0 / (1.0 + np.exp(-(v @ model.W_vh.value + model.b_h.value)))
    assert np.allclose(stats["W_vh"], (np.outer(v[0], p_h[0]) + np.outer(v[1], p_h[1])) / 2)
    assert np.allclose(stats["W_vv"], [[0, 0.5, 0.5], [0.5, 0, 0], [0.5, 0, 0]])
    assert np.allclose(stats["b_v"], [1.0, 0.5, 0.5]) and np.allclose(stats["b_h"], p_h.mean(axis=0))


def test_replicated_machine_is_block_diagonal():
    bm = _random_model(2, 1, lateral=False, seed=1).machine()
    big = replicated(bm, 3)
    assert big.n == 9
    for c in range(3):
        block = slice(3 * c, 3 * c + 3)
        assert np.array_equal(big.W[block, block], bm.W) and np.array_equal(big.b[block], bm.b)
    assert np.count_nonzero(big.W) == 3 * np.count_nonzero(bm.W)


def test_fully_visible_bm_matches_data_moments():
    # The maximum-likelihood fully visible BM reproduces the data's first and second moments.
    data = np.array([[1, 1, 0], [1, 1, 0], [1, 1, 1], [0, 0, 1], [0, 1, 1], [0, 0, 0]])
    model = BoltzmannModel(3, 0, lateral=True, seed=0)
    cd = ContrastiveDivergence(model, Sampler("ref"), lr=0.1, sweeps=50, burn_in=10, chains=16,
                               decay_updates=100)
    for _ in range(200):
        cd.step(data)
    p = joint(model.machine())
    states = all_states(3).astype(np.float64)
    model_pairs = states.T @ (states * p[:, None])
    data_pairs = data.T @ data / len(data)
    assert np.max(np.abs(model_pairs - data_pairs)) < 0.05


@pytest.mark.slow
def test_rbm_learns_bars_and_stripes_to_within_half_a_nat_with_persistent_chains():
    # Persistent chains spend no sweep on burn-in: 16 chains x 60 recorded sweeps per
    # update. Fresh chains (60 burn-in + 20 recorded) end 0.63 nat short (docs/train.md).
    data = bars_and_stripes(4)
    optimum = -np.log(len(data))                       # uniform over the 30 patterns
    model = BoltzmannModel(16, 16, seed=0, init_scale=0.1)
    sampler = Sampler("auto")
    cd = ContrastiveDivergence(model, sampler, lr=0.05, sweeps=60, burn_in=0, chains=16, decay_updates=225,
                               average_from=450, persistent=True)
    start = model.log_likelihood(data)
    for _ in range(900):
        cd.step(data)
    trained = cd.averaged_model()
    final = trained.log_likelihood(data)
    assert start < optimum - 7
    assert final >= optimum - 0.5, final
    # The trained machine is within the kernel's Q5.10 range and samples as the model says.
    bm = trained.machine()
    assert np.abs(bm.W).max() <= Q510_MAX and np.abs(bm.b).max() <= Q510_MAX
    BMKernelModel.build(bm)
    run = sampler.sample(replicated(bm, 16), sweeps=200, burn_in=50, seed=12345)
    visible = run.states.reshape(-1, 32)[:, :16]
    is_pattern = (visible[:, None, :] == data[None]).all(axis=2).any(axis=1)
    p_patterns = np.exp(logsumexp(trained.log_unnormalised(data.astype(float)))
                        - logsumexp(trained.log_unnormalised(all_states(16).astype(float))))
    assert p_patterns > 0.3
    assert is_pattern.mean() == pytest.approx(p_patterns, abs=0.08)


def test_persistent_chains_start_where_the_previous_update_ended():
    data = bars_and_stripes(2)
    runs = []

    class Recording:
        """The ref sampler, keeping each call's initial state and result."""
        backend = Sampler("ref").backend

        def sample(self, bm, **kwargs):
            run = Sampler("ref").sample(bm, **kwargs)
            runs.append((kwargs["init"], run))
            return run

    model = BoltzmannModel(4, 2, seed=1, init_scale=0.5)
    cd = ContrastiveDivergence(model, Recording(), sweeps=6, burn_in=0, chains=3, persistent=True)
    for _ in range(3):
        cd.step(data)
    assert runs[0][0] is None
    for (_, before), (init, _) in zip(runs, runs[1:]):
        assert init is before.final_state
    assert cd.chain_state is runs[-1][1].final_state
    fresh = ContrastiveDivergence(BoltzmannModel(4, 2, seed=1, init_scale=0.5), Recording(), sweeps=6,
                                  burn_in=0, chains=3)
    runs.clear()
    fresh.step(data)
    fresh.step(data)
    assert [init for init, _ in runs] == [None, None] and fresh.chain_state is None


def test_persistent_training_is_identical_on_ref_and_cpu():
    data = bars_and_stripes(4)
    models = []
    for backend in ("ref", "cpu"):
        model = BoltzmannModel(16, 16, seed=0, init_scale=0.1)
        cd = ContrastiveDivergence(model, Sampler(backend), sweeps=20, burn_in=0, chains=4, persistent=True)
        for _ in range(4):
            cd.step(data)
        models.append((model, cd.chain_state))
    (a, state_a), (b, state_b) = models
    np.testing.assert_array_equal(state_a, state_b)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.value, pb.value)


def test_parameter_average_is_the_mean_of_the_iterates():
    data = bars_and_stripes(2)
    model = BoltzmannModel(4, 2, seed=1, init_scale=0.5)
    cd = ContrastiveDivergence(model, Sampler("ref"), lr=0.1, sweeps=10, burn_in=5, chains=4, average_from=2)
    with pytest.raises(ModelError, match="no averaged parameters"):
        cd.averaged_model()
    iterates = []
    for _ in range(5):
        cd.step(data)
        iterates.append(model.W_vh.value.copy())
    averaged = cd.averaged_model()
    assert np.allclose(averaged.W_vh.value, np.mean(iterates[2:], axis=0), rtol=0, atol=1e-12)
    assert np.array_equal(model.W_vh.value, iterates[-1])      # the model itself keeps the last iterate
    assert averaged is not model


def test_contrastive_divergence_rejects_bad_setups():
    model = BoltzmannModel(16, 16)
    with pytest.raises(ModelError, match="at most 1024"):
        ContrastiveDivergence(model, Sampler("ref"), chains=33)
    with pytest.raises(ModelError, match=r"\(patterns, 16\)"):
        ContrastiveDivergence(model, Sampler("ref")).step(np.zeros((3, 15)))
    with pytest.raises(ModelError, match="binary"):
        ContrastiveDivergence(model, Sampler("ref")).step(np.full((3, 16), 0.5))
    with pytest.raises(ModelError, match="lateral"):
        BoltzmannModel(4, 0)
