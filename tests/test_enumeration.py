import math

import numpy as np
import pytest

from neuropynq.errors import EvidenceError, LimitError, ModelError
from neuropynq.exact.enumeration import (ENUMERATION_MAX, all_states, histogram_to_distribution, joint,
                                         kl_divergence, marginals)
from neuropynq.models.boltzmann import BoltzmannMachine

LN2, LN3 = math.log(2), math.log(3)


@pytest.fixture
def two():
    # Unnormalised weights of states 00, z0, z1, z0z1: 1, 2, 3, 2·3/3 = 2  (Z = 8).
    return BoltzmannMachine([[0.0, -LN3], [-LN3, 0.0]], [LN2, LN3])


@pytest.fixture
def three():
    # b = (ln 2, 0, ln 3), W01 = ln 2, W12 = −ln 3: weights by state index 1,2,1,4,3,6,1,4 (Z = 22).
    W = np.array([[0.0, LN2, 0.0], [LN2, 0.0, -LN3], [0.0, -LN3, 0.0]])
    return BoltzmannMachine(W, [LN2, 0.0, LN3])


def test_all_states_index_convention():
    np.testing.assert_array_equal(all_states(2), [[0, 0], [1, 0], [0, 1], [1, 1]])
    states = all_states(5)
    assert states.dtype == np.uint8 and states.shape == (32, 5)
    np.testing.assert_array_equal(states @ (1 << np.arange(5)), np.arange(32))
    assert all_states(0).shape == (1, 0)


def test_all_states_limits():
    with pytest.raises(LimitError, match="N <= 20"):
        all_states(ENUMERATION_MAX + 1)
    with pytest.raises(ModelError, match="non-negative integer"):
        all_states(-1)


def test_joint_two_neurons(two):
    np.testing.assert_allclose(joint(two), np.array([1, 2, 3, 2]) / 8, rtol=1e-14)
    np.testing.assert_allclose(marginals(two), [4 / 8, 5 / 8], rtol=1e-14)


def test_joint_three_neurons(three):
    np.testing.assert_allclose(joint(three), np.array([1, 2, 1, 4, 3, 6, 1, 4]) / 22, rtol=1e-14)
    np.testing.assert_allclose(marginals(three), [16 / 22, 10 / 22, 14 / 22], rtol=1e-14)


def test_joint_agrees_with_energy():
    bm = BoltzmannMachine.random(9, 11, density=0.5)
    boltzmann = np.exp(-bm.energy(all_states(9)))
    np.testing.assert_allclose(joint(bm), boltzmann / boltzmann.sum(), rtol=1e-12)


def test_clamp_conditions_and_zeroes_other_states(two, three):
    np.testing.assert_allclose(joint(two, {1: 1}), [0, 0, 3 / 5, 2 / 5], rtol=1e-14)
    np.testing.assert_allclose(joint(two, {0: 0}), [1 / 4, 0, 3 / 4, 0], rtol=1e-14)
    np.testing.assert_allclose(marginals(two, {1: 1}), [2 / 5, 1.0], rtol=1e-14)
    p = joint(three, {2: 1, 0: 1})
    np.testing.assert_allclose(p, [0, 0, 0, 0, 0, 6 / 10, 0, 4 / 10], rtol=1e-14)
    np.testing.assert_allclose(marginals(three, {2: 1, 0: 1}), [1.0, 0.4, 1.0], rtol=1e-14)
    np.testing.assert_allclose(joint(three, {}), joint(three))


@pytest.mark.parametrize("clamp, message", [
    ({3: 1}, r"neuron 3 is not an index in 0..2"),
    ({-1: 0}, r"neuron -1 is not an index"),
    ({True: 0}, r"neuron True is not an index"),
    ({0: 2}, r"neuron 0 is clamped to 2; a clamp value must be 0 or 1"),
    ({1: 0.5}, r"neuron 1 is clamped to 0.5"),
    ([(0, 1)], "clamp must be a dict"),
])
def test_bad_clamp(three, clamp, message):
    with pytest.raises(EvidenceError, match=message):
        joint(three, clamp)


def test_joint_is_stable_for_huge_fields():
    # Weights e^0, e^1000, e^1000, e^(1000 + ln 2): a naive exp overflows.
    bm = BoltzmannMachine([[0.0, -1000.0 + LN2], [-1000.0 + LN2, 0.0]], [1000.0, 1000.0])
    np.testing.assert_allclose(joint(bm), [0.0, 0.25, 0.25, 0.5], rtol=1e-9, atol=1e-300)


def test_joint_limit_and_largest_size():
    with pytest.raises(LimitError, match="N <= 20 neurons, got N = 21"):
        joint(BoltzmannMachine.random(21, 0, density=0.1))
    bm = BoltzmannMachine.random(ENUMERATION_MAX, 5, density=0.2, weight_scale=0.3)
    p = joint(bm, {0: 1})
    assert p.shape == (1 << 20,)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert p[0::2].max() == 0.0   # even indices have z_0 = 0


def test_kl_values():
    assert kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.5 * LN2 + 0.5 * math.log(2 / 3), rel=1e-14)
    assert kl_divergence([0.25, 0.75], [0.5, 0.5]) == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5),
                                                                   rel=1e-14)
    # 0·log 0 = 0: states the empirical distribution never visited cost nothing.
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(LN2, rel=1e-14)
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf


def test_kl_is_zero_on_equal_and_positive_otherwise():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.dirichlet(np.ones(16))
        q = rng.dirichlet(np.ones(16))
        assert kl_divergence(p, p) == 0.0
        assert kl_divergence(p, q) > 0.0


@pytest.mark.parametrize("p, q, message", [
    ([0.5, 0.5], [0.25, 0.25, 0.5], "differ in length: 2 vs 3"),
    ([0.5, 0.6], [0.5, 0.5], "p_empirical sums to"),
    ([0.5, 0.5], [1.5, -0.5], "q_exact has negative"),
    ([], [], "non-empty"),
])
def test_kl_rejects_bad_input(p, q, message):
    with pytest.raises(ModelError, match=message):
        kl_divergence(p, q)


def test_histogram_uses_state_index():
    states = np.array([[1, 0], [1, 0], [0, 1], [1, 1]])
    np.testing.assert_array_equal(histogram_to_distribution(states), [0.0, 0.5, 0.25, 0.25])
    np.testing.assert_array_equal(histogram_to_distribution(all_states(3)), np.full(8, 1 / 8))
    np.testing.assert_array_equal(histogram_to_distribution(np.array([[True, False, True]])),
                                  [0, 0, 0, 0, 0, 1, 0, 0])


def test_exact_samples_have_small_kl(three):
    p = joint(three)
    rng = np.random.default_rng(4)
    draws = all_states(3)[rng.choice(8, size=20000, p=p)]
    empirical = histogram_to_distribution(draws)
    # For M samples, 2M·KL is ≈ χ² with 7 dof: mean 7/(2M) = 1.75e-4; 1e-3 is past its 99.99th percentile.
    assert kl_divergence(empirical, p) < 1e-3
    assert kl_divergence(histogram_to_distribution(all_states(3)), p) > 0.1


@pytest.mark.parametrize("states, error, message", [
    (np.zeros((0, 3)), ModelError, r"samples >= 1"),
    (np.zeros(3), ModelError, r"\(samples, N\)"),
    (np.array([[0, 2]]), ModelError, "binary"),
    (np.zeros((1, 21)), LimitError, "N <= 20"),
])
def test_histogram_rejects_bad_input(states, error, message):
    with pytest.raises(error, match=message):
        histogram_to_distribution(states)
