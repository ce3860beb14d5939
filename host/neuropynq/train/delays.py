"""Learnable axonal delays (Sun et al. 2023): one delay per presynaptic neuron,
shared by all its outgoing synapses, trained jointly with the weights.

A delay d ∈ [0, max_delay] (in time steps, real-valued while training) shifts
neuron i's spike train by linear interpolation between the two nearest whole
shifts, k = ⌊d⌋ and f = d − k:

    y[t] = (1 − f)·x[t − k] + f·x[t − k − 1]        (x[t] = 0 for t < 0)

so dy/dd = x[t − k − 1] − x[t − k]: the loss's change when the spike moves one
step later. The optimiser clamps d to [0, max_delay] after every step; at whole
delays the interpolation is an exact shift, which is what a mapper deploys
(`whole_steps`).
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .parameter import Parameter


class AxonalDelay:
    """Delays of `n` axons, initialised uniformly in [0, max_delay] from `seed`
    (or to `initial`), learning rate scaled by `lr_scale`."""

    def __init__(self, n: int, max_delay: int, seed: int = 0, initial: np.ndarray | None = None,
                 lr_scale: float = 1.0):
        if not isinstance(max_delay, (int, np.integer)) or isinstance(max_delay, bool) or max_delay < 1:
            raise ModelError(f"max_delay must be a positive whole number of steps, got {max_delay!r}")
        self.n = n
        self.max_delay = int(max_delay)
        if initial is None:
            initial = np.random.default_rng(seed).uniform(0.0, max_delay, n)
        initial = np.asarray(initial, dtype=np.float64)
        if initial.shape != (n,):
            raise ModelError(f"initial delays must have shape ({n},), got {initial.shape}")
        if np.any(~np.isfinite(initial)) or np.any(initial < 0) or np.any(initial > max_delay):
            raise ModelError(f"initial delays must lie in [0, {max_delay}]")
        self.delay = Parameter("delay", initial, low=0.0, high=float(max_delay), lr_scale=lr_scale)
        self._cache = None

    def parameters(self) -> list[Parameter]:
        return [self.delay]

    def whole_steps(self) -> np.ndarray:
        """Delays rounded to whole steps (int64), as deployed on hardware."""
        return np.rint(self.delay.value).astype(np.int64)

    def _split(self) -> tuple[np.ndarray, np.ndarray]:
        d = self.delay.value
        # A delay of exactly max_delay is a whole shift by max_delay, not max_delay − 1 plus 1.
        k = np.minimum(np.floor(d), self.max_delay).astype(np.int64)
        return k, d - k

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Delayed copy of spike trains x, shape (T, batch, n)."""
        steps = x.shape[0]
        k, f = self._split()
        pad = self.max_delay + 1
        padded = np.concatenate((np.zeros((pad,) + x.shape[1:]), x))
        index = (np.arange(steps)[:, None] + pad - k[None, :])[:, None, :]     # (T, 1, n): t − k
        index = np.broadcast_to(index, x.shape)
        now = np.take_along_axis(padded, index, axis=0)
        earlier = np.take_along_axis(padded, index - 1, axis=0)
        self._cache = (now, earlier, k, f)
        return (1.0 - f) * now + f * earlier

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        """dL/dx from dL/dy; accumulates dL/dd into the delay parameter."""
        now, earlier, k, f = self._cache
        self.delay.grad += np.sum(grad_y * (earlier - now), axis=(0, 1))
        steps = grad_y.shape[0]
        pad = self.max_delay + 1
        padded = np.concatenate((grad_y, np.zeros((pad,) + grad_y.shape[1:])))
        index = np.broadcast_to((np.arange(steps)[:, None] + k[None, :])[:, None, :], grad_y.shape)
        return ((1.0 - f) * np.take_along_axis(padded, index, axis=0)
                + f * np.take_along_axis(padded, index + 1, axis=0))
