"""Hand-derived BPTT gradients against central finite differences.

The networks spike with the surrogates' smooth primitives (`set_smooth(True)`):
then the loss is differentiable and its exact gradient is what the backward pass
computes with the surrogate pulses, so any error in the derivation shows up."""
import numpy as np
import pytest

from neuropynq.train.data import rate_encode
from neuropynq.train.layers import Dense, Recurrent
from neuropynq.train.losses import RateCrossEntropy
from neuropynq.train.network import Network
from neuropynq.train.neurons import LIF, AdaptiveLIF
from neuropynq.train.surrogates import make_surrogate

EPS = 1e-6
STEPS, BATCH, N_IN, N_HIDDEN, N_OUT = 8, 3, 4, 5, 3


def _loss(net, x, y, loss):
    return loss(net.forward(x), y)[0]


def _check_gradients(net, x, y, entries_per_parameter=6, seed=0):
    loss = RateCrossEntropy(gain=4.0)
    net.set_smooth(True)
    net.zero_grad()
    value, grad = loss(net.forward(x), y)
    net.backward(grad)
    rng = np.random.default_rng(seed)
    checked, largest = 0, 0.0
    for p in net.parameters():
        analytic = p.grad.copy()
        flat = p.value.reshape(-1)
        for i in rng.choice(flat.size, size=min(entries_per_parameter, flat.size), replace=False):
            keep = flat[i]
            flat[i] = keep + EPS
            up = _loss(net, x, y, loss)
            flat[i] = keep - EPS
            down = _loss(net, x, y, loss)
            flat[i] = keep
            numeric = (up - down) / (2 * EPS)
            assert analytic.reshape(-1)[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (p.name, i)
            checked += 1
            largest = max(largest, abs(numeric))
    assert checked >= 2 * entries_per_parameter
    assert largest > 1e-3     # the check compared real gradients, not zeros


def _inputs(seed=1):
    rng = np.random.default_rng(seed)
    x = rate_encode(rng.uniform(0.2, 0.9, (BATCH, N_IN)), STEPS, seed=seed)
    return x, np.array([0, 2, 1])


@pytest.mark.parametrize("surrogate", ["rectangular", "sigmoid", "arctan", "triangle"])
@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_dense_lif_gradients(surrogate, reset):
    scale = 0.5 if surrogate in ("rectangular", "triangle") else 2.0   # wide pulses: few flat regions
    neuron = LIF(beta=0.8, threshold=0.7, reset=reset, surrogate=make_surrogate(surrogate, scale))
    net = Network([Dense(N_IN, N_HIDDEN, neuron, seed=3, weight_scale=2.0),
                   Dense(N_HIDDEN, N_OUT, neuron, seed=4, weight_scale=2.0)])
    _check_gradients(net, *_inputs())


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_recurrent_adaptive_gradients(reset):
    neuron = AdaptiveLIF(beta=0.85, threshold=0.6, reset=reset, surrogate=make_surrogate("sigmoid", 3.0),
                         rho=0.8, kappa=0.3)
    net = Network([Recurrent(N_IN, N_HIDDEN, neuron, seed=5, weight_scale=2.0, recurrent_scale=1.0),
                   Dense(N_HIDDEN, N_OUT, LIF(surrogate=make_surrogate("arctan", 2.0)), seed=6)])
    _check_gradients(net, *_inputs(2))


def test_delay_gradients():
    neuron = LIF(beta=0.8, threshold=0.5, surrogate=make_surrogate("sigmoid", 2.0))
    hidden = Dense(N_IN, N_HIDDEN, neuron, seed=7, weight_scale=2.0, max_delay=3)
    # Fractional delays away from whole steps, where the interpolation is differentiable.
    hidden.delay.delay.value[:] = [0.3, 1.6, 2.45, 0.75]
    out = Recurrent(N_HIDDEN, N_OUT, neuron, seed=8, max_delay=2)
    out.delay.delay.value[:] = [0.2, 1.3, 0.5, 1.9, 0.65]
    _check_gradients(Network([hidden, out]), *_inputs(3), entries_per_parameter=4)


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_recurrent_lif_gradients(reset):
    # Plain LIF in a recurrent layer takes the step-by-step adjoint, not the
    # feed-forward linear recurrence; both must be exact.
    neuron = LIF(beta=0.75, threshold=0.6, reset=reset, surrogate=make_surrogate("arctan", 2.0))
    net = Network([Recurrent(N_IN, N_HIDDEN, neuron, seed=9, weight_scale=2.0, recurrent_scale=1.0),
                   Dense(N_HIDDEN, N_OUT, neuron, seed=10, weight_scale=2.0)])
    _check_gradients(net, *_inputs(4))
