"""Losses on output spike trains, each returning (loss, dL/d(spikes))."""
from __future__ import annotations

import numpy as np

from ..errors import ModelError


def _check(spikes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels)
    if spikes.ndim != 3 or labels.shape != (spikes.shape[1],):
        raise ModelError(f"spikes must be (T, batch, classes) and labels (batch,), got {spikes.shape} "
                         f"and {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= spikes.shape[2]):
        raise ModelError(f"labels must be class indices in 0..{spikes.shape[2] - 1}")
    return labels.astype(np.int64)


def predict(spikes: np.ndarray) -> np.ndarray:
    """The class whose output neuron spiked most (the lowest index on a tie)."""
    return np.argmax(spikes.sum(axis=0), axis=1)


class RateCrossEntropy:
    """Softmax cross-entropy on firing rates: logits = gain · (spike count / T),
    mean over the batch."""

    def __init__(self, gain: float = 10.0):
        if not (np.isfinite(gain) and gain > 0):
            raise ModelError(f"gain must be finite and > 0, got {gain!r}")
        self.gain = float(gain)

    def __call__(self, spikes: np.ndarray, labels) -> tuple[float, np.ndarray]:
        labels = _check(spikes, labels)
        steps, batch, _ = spikes.shape
        logits = self.gain * spikes.mean(axis=0)
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        rows = np.arange(batch)
        loss = float(-np.mean(np.log(p[rows, labels])))
        grad_logits = p
        grad_logits[rows, labels] -= 1.0
        grad_logits *= self.gain / (batch * steps)
        return loss, np.broadcast_to(grad_logits, spikes.shape).copy()
