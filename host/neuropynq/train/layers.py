"""Spiking layers unrolled over T steps (STBP): dense (feed-forward) and recurrent.

Input and output are spike trains of shape (T, batch, n). The synaptic products
go through `np.dot` on 2-D arrays so that they run in BLAS: a dense layer's input
currents for all T steps are one (T·batch, n_in) × (n_in, n_out) product, and so
are its weight gradient and the gradient it passes down. Only the neuron
dynamics (and a recurrent layer's s[t−1]·W_rec) step through time.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .delays import AxonalDelay
from .neurons import LIF
from .parameter import Parameter


def _require_size(name: str, n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ModelError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


class Dense:
    """n_in → n_out synapses W (shape (n_in, n_out)) onto a population of `neuron`s,
    with optional learnable axonal delays (`max_delay`) on the n_in input axons.
    W ~ N(0, (weight_scale·threshold)² / n_in) from `seed`."""

    kind = "dense"

    def __init__(self, n_in: int, n_out: int, neuron: LIF | None = None, seed: int = 0,
                 weight_scale: float = 1.0, max_delay: int | None = None, delay_lr_scale: float = 1.0):
        self.n_in = _require_size("n_in", n_in)
        self.n_out = _require_size("n_out", n_out)
        self.neuron = neuron if neuron is not None else LIF()
        rng = np.random.default_rng(seed)
        std = weight_scale * self.neuron.threshold / np.sqrt(self.n_in)
        self.W = Parameter("W", std * rng.standard_normal((self.n_in, self.n_out)))
        self.delay = (AxonalDelay(self.n_in, max_delay, seed=seed + 1, lr_scale=delay_lr_scale)
                      if max_delay is not None else None)
        self._input = None
        self._run = None

    def parameters(self) -> list[Parameter]:
        return [self.W] + (self.delay.parameters() if self.delay is not None else [])

    def _currents(self, x: np.ndarray) -> np.ndarray:
        steps, batch, _ = x.shape
        return np.dot(x.reshape(steps * batch, self.n_in), self.W.value).reshape(steps, batch, self.n_out)

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise ModelError(f"{self.kind} layer expects input of shape (T, batch, {self.n_in}), got {x.shape}")
        return x

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Output spikes (T, batch, n_out) for input spikes x (T, batch, n_in)."""
        x = self._check_input(x)
        if self.delay is not None:
            x = self.delay.forward(x)
        currents = self._currents(x)
        # The spikes are returned (a new array per call); the other buffers of the
        # run are reused from the previous call.
        run = self.neuron.trajectory(np.empty_like(currents), reuse=self._run)
        self._run_neurons(currents, run)
        self._input = x
        self._run = run
        return run.spikes

    def _run_neurons(self, currents: np.ndarray, run) -> None:
        """The neuron dynamics over all steps; plain LIF neurons fed only by known
        currents take the fused whole-run loop."""
        if not self.neuron.adaptive:
            self.neuron.forward_through_time(currents, run)
            return
        self._step_through_time(currents, run)

    def _step_through_time(self, currents: np.ndarray, run) -> None:
        state = self.neuron.initial_state(currents.shape[1], self.n_out)
        previous = state[2]
        for t in range(currents.shape[0]):
            state = self.neuron.step(t, self._step_input(currents[t], previous), state, run)
            previous = state[2]

    def _step_input(self, current: np.ndarray, previous_spikes: np.ndarray) -> np.ndarray:
        return current

    def backward(self, grad_spikes: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """dL/d(input spikes) from dL/d(output spikes) (None if `input_grad` is False
        and the layer has no delays to train); accumulates parameter gradients."""
        if self._run is None:
            raise ModelError(f"{self.kind} layer: backward called before forward")
        if grad_spikes.shape != self._run.spikes.shape:
            raise ModelError(f"{self.kind} layer: gradient has shape {grad_spikes.shape}, "
                             f"the last forward gave {self._run.spikes.shape}")
        x, spikes = self._input, self._run.spikes
        grad_currents = self._backward_through_time(grad_spikes)
        steps, batch, _ = x.shape
        flat = grad_currents.reshape(steps * batch, self.n_out)
        self.W.grad += np.dot(x.reshape(steps * batch, self.n_in).T, flat)
        self._accumulate_recurrent_grad(spikes, flat)
        if not input_grad and self.delay is None:
            return None
        grad_x = np.dot(flat, self.W.value.T).reshape(x.shape)
        return self.delay.backward(grad_x) if self.delay is not None else grad_x

    def _accumulate_recurrent_grad(self, spikes: np.ndarray, flat_grad_currents: np.ndarray) -> None:
        """A dense layer has no recurrent synapses."""

    def _backward_through_time(self, grad_spikes: np.ndarray) -> np.ndarray:
        if not self.neuron.adaptive:
            return self.neuron.backward_through_time(self._run, grad_spikes)
        pulses = self.neuron.pulses(self._run)
        grad_currents = np.empty_like(grad_spikes)
        adjoint = (0.0, 0.0)
        for t in range(grad_spikes.shape[0] - 1, -1, -1):
            grad_currents[t], adjoint = self.neuron.backward_step(t, self._run, pulses[t], grad_spikes[t], adjoint)
        return grad_currents


class Recurrent(Dense):
    """A dense layer whose neurons also receive their own population's spikes of the
    previous step through W_rec (shape (n_out, n_out), row = presynaptic)."""

    kind = "recurrent"

    def __init__(self, n_in: int, n_out: int, neuron: LIF | None = None, seed: int = 0,
                 weight_scale: float = 1.0, recurrent_scale: float = 0.5, max_delay: int | None = None,
                 delay_lr_scale: float = 1.0):
        super().__init__(n_in, n_out, neuron, seed, weight_scale, max_delay, delay_lr_scale)
        rng = np.random.default_rng(seed + 2)
        std = recurrent_scale * self.neuron.threshold / np.sqrt(self.n_out)
        self.W_rec = Parameter("W_rec", std * rng.standard_normal((self.n_out, self.n_out)))

    def parameters(self) -> list[Parameter]:
        return [self.W, self.W_rec] + (self.delay.parameters() if self.delay is not None else [])

    def _run_neurons(self, currents: np.ndarray, run) -> None:
        # I[t] depends on s[t−1]: the dynamics must step through time.
        self._step_through_time(currents, run)

    def _step_input(self, current: np.ndarray, previous_spikes: np.ndarray) -> np.ndarray:
        return current + np.dot(previous_spikes, self.W_rec.value)

    def _accumulate_recurrent_grad(self, spikes: np.ndarray, flat_grad_currents: np.ndarray) -> None:
        steps, batch, _ = spikes.shape
        previous = np.concatenate((np.zeros((1, batch, self.n_out)), spikes[:-1]))
        self.W_rec.grad += np.dot(previous.reshape(steps * batch, self.n_out).T, flat_grad_currents)

    def _backward_through_time(self, grad_spikes: np.ndarray) -> np.ndarray:
        # s[t] also drives I[t+1] through W_rec, so dL/ds[t] gains dL/dI[t+1]·W_recᵀ.
        grad_currents = np.empty_like(grad_spikes)
        pulses = self.neuron.pulses(self._run)
        adjoint = (0.0, 0.0)
        grad_next = np.zeros(grad_spikes.shape[1:])
        for t in range(grad_spikes.shape[0] - 1, -1, -1):
            grad_s = grad_spikes[t] + np.dot(grad_next, self.W_rec.value.T)
            grad_next, adjoint = self.neuron.backward_step(t, self._run, pulses[t], grad_s, adjoint)
            grad_currents[t] = grad_next
        return grad_currents
