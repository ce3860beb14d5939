"""Spiking network with working memory (SNNWM, Chen et al., Front. Neurosci. 2023):
the input spike train is processed segment by segment, a working-memory module
carries what earlier segments contained into the later ones, and multiple
delayed synapses let a neuron see several past steps of its input at once.

Two layers, used inside a `Network`:

* `DelayTaps(n, taps)`: (T, batch, n) → (T, batch, taps·n), the input and its
  copies delayed by 1 … taps − 1 steps; a `Dense` layer after it has one weight
  per (input, delay) pair — multiple delayed synapses per connection.
* `WorkingMemory(n, slots, segment)`: appends `slots` memory channels to its
  (T, batch, n) spike input. The memory is updated at the end of every segment of
  `segment` steps from that segment's spike counts c_s (n,) and held constant
  during the next segment:

      m_0 = 0,   m_s = λ·m_{s−1} + (c_s / segment)·U       (U: n × slots, learned)
      output[t] = [spikes[t], m_{s(t)−1}]                    s(t) = segment of step t

  The next layer thus receives the current segment's spikes together with a
  summary of all earlier segments, so a decision taken in the last segment can
  depend on the whole train. `segment_loss` scores only the last segment's output
  spikes (the decision point).

The backward pass: dL/dm_s = Σ_{t in segment s+1} dL/d(output memory)[t] + λ·dL/dm_{s+1};
dL/dU = Σ_s (c_s / segment)ᵀ dL/dm_s; each spike of segment s receives
dL/dm_s·Uᵀ / segment besides its direct gradient.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .layers import _require_size
from .losses import predict
from .parameter import Parameter


class DelayTaps:
    """Multiple delayed synapses: stacks x[t], x[t−1], …, x[t−taps+1] (zeros before t = 0)."""

    kind = "delay_taps"
    fan_out = 0                     # copies; the synapses are in the next layer

    def __init__(self, n: int, taps: int):
        self.n = _require_size("n", n)
        self.taps = _require_size("taps", taps)
        self.n_in, self.n_out = self.n, self.n * self.taps

    def parameters(self) -> list[Parameter]:
        return []

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.n:
            raise ModelError(f"{self.kind} layer expects input of shape (T, batch, {self.n}), got {x.shape}")
        out = np.zeros(x.shape[:2] + (self.taps, self.n))
        for d in range(self.taps):
            out[d:, :, d] = x[:x.shape[0] - d]
        return out.reshape(x.shape[:2] + (self.n_out,))

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        if not input_grad:
            return None
        g = grad.reshape(grad.shape[:2] + (self.taps, self.n))
        out = np.zeros(grad.shape[:2] + (self.n,))
        for d in range(self.taps):
            out[:grad.shape[0] - d] += g[d:, :, d]
        return out


class WorkingMemory:
    """`slots` memory channels written at the end of every `segment` steps from
    the segment's spike counts of `n` neurons, decaying by `decay` (λ) per segment;
    U ~ N(0, (weight_scale)² / n) from `seed`."""

    kind = "working_memory"

    def __init__(self, n: int, slots: int, segment: int, decay: float = 1.0, seed: int = 0,
                 weight_scale: float = 1.0):
        self.n = _require_size("n", n)
        self.slots = _require_size("slots", slots)
        self.segment = _require_size("segment", segment)
        if not 0 <= decay <= 1:
            raise ModelError(f"decay must be in [0, 1], got {decay!r}")
        self.decay = float(decay)
        self.n_in, self.n_out = self.n, self.n + self.slots
        rng = np.random.default_rng(seed)
        self.U = Parameter("U", weight_scale * rng.standard_normal((self.n, self.slots)) / np.sqrt(self.n))
        self._counts = None

    def parameters(self) -> list[Parameter]:
        return [self.U]

    @property
    def fan_out(self) -> int:
        """Each input spike reaches every memory slot through U."""
        return self.slots

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.n:
            raise ModelError(f"{self.kind} layer expects input of shape (T, batch, {self.n}), got {x.shape}")
        steps, batch, _ = x.shape
        if steps % self.segment:
            raise ModelError(f"T = {steps} is not a whole number of {self.segment}-step segments")
        segments = steps // self.segment
        counts = x.reshape(segments, self.segment, batch, self.n).sum(axis=1) / self.segment   # (S, batch, n)
        memory = np.zeros((segments, batch, self.slots))         # memory[s]: what segment s sees (m_s, m_0 = 0)
        for s in range(1, segments):
            memory[s] = self.decay * memory[s - 1] + np.dot(counts[s - 1], self.U.value)
        self._counts = counts
        held = np.repeat(memory, self.segment, axis=0)
        return np.concatenate((x, held), axis=2)

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        if self._counts is None:
            raise ModelError(f"{self.kind} layer: backward called before forward")
        segments, batch, _ = self._counts.shape
        grad_memory_seen = grad[:, :, self.n:].reshape(segments, self.segment, batch, self.slots).sum(axis=1)
        # m written after segment s (seen in segment s+1): dL/dm = seen[s+1] + λ·(dL/dm written after s+1).
        grad_written = np.zeros((segments, batch, self.slots))
        later = np.zeros((batch, self.slots))
        for s in range(segments - 2, -1, -1):
            later = grad_memory_seen[s + 1] + self.decay * later
            grad_written[s] = later
        self.U.grad += np.einsum("sbn,sbm->nm", self._counts, grad_written)
        if not input_grad:
            return None
        grad_counts = np.dot(grad_written, self.U.value.T) / self.segment           # (S, batch, n)
        return grad[:, :, :self.n] + np.repeat(grad_counts, self.segment, axis=0)


class LastSegmentLoss:
    """A spike-train loss (e.g. `RateCrossEntropy`) applied to the last `segment`
    steps only: the decision is taken once the whole train has been seen."""

    def __init__(self, loss, segment: int):
        self.loss = loss
        self.segment = _require_size("segment", segment)

    def __call__(self, spikes: np.ndarray, labels) -> tuple[float, np.ndarray]:
        value, grad_last = self.loss(spikes[-self.segment:], labels)
        grad = np.zeros_like(spikes)
        grad[-self.segment:] = grad_last
        return value, grad


def last_segment_accuracy(net, x: np.ndarray, y: np.ndarray, segment: int, batch_size: int = 256) -> float:
    """Fraction of samples whose most active output neuron over the last `segment` steps is the label."""
    correct = 0
    for start in range(0, x.shape[1], batch_size):
        out = net.forward(np.asarray(x[:, start:start + batch_size], dtype=np.float64))
        correct += int(np.sum(predict(out[-segment:]) == y[start:start + batch_size]))
    return correct / x.shape[1]
