"""Mini-batch training and evaluation of a `Network` on spike-train data."""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .losses import predict
from .network import Network


def _check_data(net: Network, x: np.ndarray, y: np.ndarray) -> None:
    # A network starting with a convolution takes (T, samples, C, H, W).
    expected = tuple(getattr(net.layers[0], "in_shape", (net.n_in,)))
    if x.ndim < 3 or x.shape[2:] != expected:
        raise ModelError(f"inputs must have shape (T, samples, {', '.join(map(str, expected))}), got {x.shape}")
    if y.shape != (x.shape[1],):
        raise ModelError(f"labels must have shape ({x.shape[1]},), got {y.shape}")


def train_epoch(net: Network, x: np.ndarray, y: np.ndarray, loss, optimiser, batch_size: int = 32,
                seed: int = 0) -> float:
    """One pass over the samples (axis 1 of x) in an order shuffled by `seed`;
    returns the mean loss over batches."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    _check_data(net, x, y)
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
        raise ModelError(f"batch_size must be a positive integer, got {batch_size!r}")
    order = np.random.default_rng(seed).permutation(x.shape[1])
    losses = []
    for start in range(0, order.size, batch_size):
        batch = order[start:start + batch_size]
        net.zero_grad()
        # np.take keeps the batch C-contiguous (x[:, batch] may not be), so the layers'
        # reshapes for BLAS are views, not copies.
        value, grad = loss(net.forward(np.take(x, batch, axis=1)), y[batch])
        net.backward(grad)
        optimiser.step()
        losses.append(value)
    return float(np.mean(losses))


def accuracy(net: Network, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Fraction of samples whose most active output neuron is the label."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    _check_data(net, x, y)
    correct = 0
    for start in range(0, x.shape[1], batch_size):
        correct += int(np.sum(predict(net.forward(x[:, start:start + batch_size])) == y[start:start + batch_size]))
    return correct / x.shape[1]
