import math

import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.models.boltzmann import BoltzmannMachine

# Three neurons, b = (ln 2, 0, ln 3), W01 = ln 2, W12 = −ln 3, W02 = 0.
LN2, LN3 = math.log(2), math.log(3)
W3 = np.array([[0.0, LN2, 0.0], [LN2, 0.0, -LN3], [0.0, -LN3, 0.0]])
B3 = np.array([LN2, 0.0, LN3])


def test_holds_weights_and_size():
    bm = BoltzmannMachine(W3, B3)
    assert bm.n == 3
    assert bm.W.dtype == np.float64 and bm.b.dtype == np.float64
    np.testing.assert_array_equal(bm.W, W3)
    np.testing.assert_array_equal(bm.b, B3)


def test_arrays_are_read_only_copies():
    W = W3.copy()
    bm = BoltzmannMachine(W, B3)
    W[0, 1] = 99.0
    assert bm.W[0, 1] == LN2
    with pytest.raises(ValueError):
        bm.W[0, 1] = 1.0
    with pytest.raises(ValueError):
        bm.b[0] = 1.0


def test_tiny_asymmetry_is_symmetrised_exactly():
    W = np.array([[0.0, 1.0], [1.0 + 1e-13, 0.0]])
    bm = BoltzmannMachine(W, [0.0, 0.0])
    assert bm.W[0, 1] == bm.W[1, 0]


@pytest.mark.parametrize("W, b, message", [
    (np.zeros((2, 3)), np.zeros(2), r"square matrix, got shape \(2, 3\)"),
    (np.zeros(3), np.zeros(3), r"square matrix, got shape \(3,\)"),
    (np.zeros((0, 0)), np.zeros(0), "at least one neuron"),
    (np.array([[0.0, np.nan], [np.nan, 0.0]]), np.zeros(2), r"W\[0,1\] is not finite"),
    (np.array([[0.0, 1.0], [1.0, 0.5]]), np.zeros(2), r"zero diagonal, W\[1,1\] = 0.5"),
    (np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, 2.5, 0.0]]), np.zeros(3),
     r"not symmetric: W\[1,2\] = 2.0 but W\[2,1\] = 2.5"),
    (np.zeros((3, 3)), np.zeros(2), r"length N = 3, got shape \(2,\)"),
    (np.zeros((2, 2)), np.array([0.0, np.inf]), r"b\[1\] is not finite"),
    ([["a", "b"], ["c", "d"]], [0, 0], "W is not a numeric array"),
])
def test_validation_names_the_problem(W, b, message):
    with pytest.raises(ModelError, match=message):
        BoltzmannMachine(W, b)


def test_energy_hand_computed():
    bm = BoltzmannMachine(W3, B3)
    # z = (1,1,1): bᵀz = ln 2 + ln 3, ½zᵀWz = ln 2 − ln 3  ->  E = −2 ln 2.
    assert bm.energy([1, 1, 1]) == pytest.approx(-2 * LN2, abs=1e-15)
    assert bm.energy(np.array([1, 1, 1])).shape == ()
    states = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 1], [1, 0, 1]])
    expected = -np.log([1.0, 2.0, 1.0, 6.0])
    np.testing.assert_allclose(bm.energy(states), expected, atol=1e-15)


def test_energy_rejects_bad_states():
    bm = BoltzmannMachine(W3, B3)
    with pytest.raises(ModelError, match=r"shape \(N,\) or \(M, N\) with N = 3"):
        bm.energy([1, 0])
    with pytest.raises(ModelError, match="binary"):
        bm.energy([1, 0, 2])


def test_neighbours():
    nbrs = BoltzmannMachine(W3, B3).neighbours()
    assert [list(n) for n in nbrs] == [[1], [0, 2], [1]]


def test_random_follows_documented_draw_order():
    n, seed = 5, 123
    bm = BoltzmannMachine.random(n, seed, weight_scale=0.5, bias_scale=2.0)
    rng = np.random.default_rng(seed)
    m = n * (n - 1) // 2
    weights = 0.5 * rng.standard_normal(m)
    rng.random(m)
    biases = 2.0 * rng.standard_normal(n)
    rows, cols = np.triu_indices(n, k=1)
    np.testing.assert_array_equal(bm.W[rows, cols], weights)
    np.testing.assert_array_equal(bm.W[cols, rows], weights)
    np.testing.assert_array_equal(np.diag(bm.W), np.zeros(n))
    np.testing.assert_array_equal(bm.b, biases)


def test_random_is_reproducible_and_seed_dependent():
    a = BoltzmannMachine.random(6, 7, density=0.5)
    b = BoltzmannMachine.random(6, 7, density=0.5)
    c = BoltzmannMachine.random(6, 8, density=0.5)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.b, b.b)
    assert not np.array_equal(a.W, c.W)


def test_random_density():
    assert np.count_nonzero(BoltzmannMachine.random(8, 1, density=0.0).W) == 0
    assert np.count_nonzero(BoltzmannMachine.random(8, 1, density=1.0).W) == 8 * 7
    sparse = BoltzmannMachine.random(40, 2, density=0.1)
    edges = np.count_nonzero(np.triu(sparse.W))
    assert 40 < edges < 120   # 780 pairs at density 0.1: mean 78, sd 8.4


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=0, seed=1), "n must be a positive integer"),
    (dict(n=3, seed=1, density=1.5), r"density must be in \[0, 1\]"),
    (dict(n=3, seed=1, weight_scale=-1.0), "weight_scale must be finite and >= 0"),
    (dict(n=3, seed=1, bias_scale=np.nan), "bias_scale must be finite and >= 0"),
])
def test_random_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ModelError, match=message):
        BoltzmannMachine.random(**kwargs)


def test_save_load_round_trip(tmp_path):
    bm = BoltzmannMachine.random(7, 3, density=0.6)
    path = tmp_path / "machine.bm"   # no .npz suffix: save must write exactly this path
    bm.save(path)
    assert path.is_file()
    loaded = BoltzmannMachine.load(path)
    np.testing.assert_array_equal(loaded.W, bm.W)
    np.testing.assert_array_equal(loaded.b, bm.b)


def test_load_errors(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        BoltzmannMachine.load(tmp_path / "absent.npz")
    only_w = tmp_path / "only_w.npz"
    np.savez(only_w, W=np.zeros((2, 2)))
    with pytest.raises(ModelError, match=r"lacks array\(s\) b"):
        BoltzmannMachine.load(only_w)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros((2, 2)))
    with pytest.raises(ModelError, match="single .npy array"):
        BoltzmannMachine.load(single)
    text = tmp_path / "text.npz"
    text.write_text("W = [[0, 1], [1, 0]]\n")
    with pytest.raises(ModelError, match="not a readable .npz"):
        BoltzmannMachine.load(text)
    asymmetric = tmp_path / "asymmetric.npz"
    np.savez(asymmetric, W=np.array([[0.0, 1.0], [2.0, 0.0]]), b=np.zeros(2))
    with pytest.raises(ModelError, match="not symmetric"):
        BoltzmannMachine.load(asymmetric)
