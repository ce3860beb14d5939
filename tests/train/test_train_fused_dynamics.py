"""The fused whole-run loops of a plain LIF population (`forward_through_time`,
`backward_through_time`, used by dense layers) against the step-by-step path
(`step`, `backward_step`, used by recurrent and adaptive layers), with hard spikes.
Runs of 64 × 100 neurons span several cache blocks, so block edges are covered."""
import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.train.neurons import LIF, AdaptiveLIF
from neuropynq.train.surrogates import make_surrogate

STEPS, BATCH, N = 23, 64, 100


def _stepwise(neuron, currents, grad_spikes):
    run = neuron.trajectory(np.empty_like(currents))
    state = neuron.initial_state(BATCH, N)
    for t in range(STEPS):
        state = neuron.step(t, currents[t], state, run)
    pulses = neuron.pulses(run)
    grad = np.empty_like(grad_spikes)
    adjoint = (0.0, 0.0)
    for t in range(STEPS - 1, -1, -1):
        grad[t], adjoint = neuron.backward_step(t, run, pulses[t], grad_spikes[t], adjoint)
    return run, grad


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_fused_loops_match_step_by_step(reset):
    rng = np.random.default_rng(11)
    currents = rng.normal(0.3, 0.8, (STEPS, BATCH, N))
    grad_spikes = rng.normal(0.0, 1.0, (STEPS, BATCH, N))
    neuron = LIF(beta=0.85, threshold=0.9, reset=reset, surrogate=make_surrogate("arctan", 2.0))
    expected, expected_grad = _stepwise(neuron, currents, grad_spikes)
    run = neuron.trajectory(np.empty_like(currents))
    neuron.forward_through_time(currents, run)
    # Same dynamics, different rounding order: spikes identical, margins to rounding.
    np.testing.assert_array_equal(run.spikes, expected.spikes)
    assert 0.2 < run.spikes.mean() < 0.8
    np.testing.assert_allclose(run.margin, expected.margin, rtol=0, atol=1e-12)
    np.testing.assert_allclose(neuron.backward_through_time(run, grad_spikes), expected_grad,
                               rtol=1e-12, atol=1e-12)


def test_fused_loops_refuse_adaptive_neurons():
    neuron = AdaptiveLIF()
    run = neuron.trajectory(np.zeros((2, 1, 1)))
    with pytest.raises(ModelError, match="non-adaptive"):
        neuron.forward_through_time(np.zeros((2, 1, 1)), run)
    with pytest.raises(ModelError, match="non-adaptive"):
        neuron.backward_through_time(run, np.zeros((2, 1, 1)))
