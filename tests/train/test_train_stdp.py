"""Trace-based STDP stores relative latencies in the weights."""
import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.train.data import prototype_patterns
from neuropynq.train.stdp import LatencySTDP

FEATURES, STEPS, TAU = 16, 32, 8.0


def test_single_pattern_weights_converge_to_latency_traces():
    values = np.array([[1.0, 0.0, 0.5, 0.25]])
    layer = LatencySTDP(4, 1, STEPS, tau=TAU, lr=0.5, homeostasis=0.0)
    layer.train(np.repeat(values, 40, axis=0))
    # Spikes at steps round((1 − v)·31) = 0, 31, 16 (15.5 rounds to even), 23; post at 32.
    expected = np.exp(-(STEPS - np.array([0, 31, 16, 23])) / TAU)
    assert np.allclose(layer.weights[0], expected, rtol=1e-9)
    decoded = layer.reconstruct(values)[0]
    assert np.allclose(decoded, 1.0 - np.array([0, 31, 16, 23]) / 31.0)


def test_stdp_learns_prototypes_and_reconstructs_them():
    prototypes = np.random.default_rng(0).uniform(0.0, 1.0, (5, FEATURES))
    train, _ = prototype_patterns(prototypes, 1000, noise=0.05, seed=1)
    test, labels = prototype_patterns(prototypes, 500, noise=0.05, seed=2)
    layer = LatencySTDP(FEATURES, 5, STEPS, tau=TAU, lr=0.05, homeostasis=0.01, seed=0)
    before = layer.reconstruction_error(test)
    layer.train(train, epochs=3, seed=0)
    after = layer.reconstruction_error(test)
    assert before > 0.3
    # Noise (0.05) and the latency grid (1/31) bound what any decoder of one spike can do.
    assert after < 0.06
    winners = layer.winners(test)
    # Each prototype is claimed by exactly one neuron.
    assert all(np.unique(winners[labels == k]).size == 1 for k in range(5))
    assert np.unique(winners).size == 5


def test_stdp_rejects_bad_inputs():
    layer = LatencySTDP(4, 2, STEPS)
    with pytest.raises(ModelError, match="4 features"):
        layer.train(np.zeros((3, 5)))
    with pytest.raises(ModelError, match=r"\[0, 1\]"):
        layer.reconstruct(np.full((1, 4), 1.5))
    with pytest.raises(ModelError, match="steps"):
        LatencySTDP(4, 2, 0)
