"""Mini-batch training and evaluation of a `Network` on spike-train data."""
from __future__ import annotations

import time

import numpy as np

from ..errors import ModelError
from ..progress import Progress
from .history import History
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
                seed: int = 0, on_batch=None) -> float:
    """One pass over the samples (axis 1 of x) in an order shuffled by `seed`;
    returns the mean loss over batches. `on_batch()` is called after each batch."""
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
        if on_batch is not None:
            on_batch()
    return float(np.mean(losses))


def fit(net: Network, x: np.ndarray, y: np.ndarray, loss, optimiser, epochs: int, batch_size: int = 32,
        seed: int = 0, x_test: np.ndarray | None = None, y_test: np.ndarray | None = None) -> History:
    """`epochs` calls of `train_epoch` (epoch e shuffled by seed + e), the same updates
    as calling it by hand; returns the History of each epoch's mean loss, the
    held-out accuracy on (x_test, y_test) when given, and its seconds. Progress is
    shown per batch on a terminal or in a notebook when the run is long."""
    if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 1:
        raise ModelError(f"epochs must be a positive integer, got {epochs!r}")
    if (x_test is None) != (y_test is None):
        raise ModelError("give both x_test and y_test, or neither")
    history = History("epoch", "training")
    batches = -(-np.shape(x)[1] // batch_size) if isinstance(batch_size, (int, np.integer)) and batch_size > 0 else 0
    with Progress(epochs * batches, "training") as progress:
        for epoch in range(epochs):
            progress.what = f"training, epoch {epoch + 1}/{epochs}"
            start = time.perf_counter()
            figures = {"loss": train_epoch(net, x, y, loss, optimiser, batch_size, seed + epoch,
                                           on_batch=progress.advance)}
            if x_test is not None:
                figures["test_accuracy"] = accuracy(net, x_test, y_test)
            history.append(**figures, seconds=time.perf_counter() - start)
    return history


def accuracy(net: Network, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Fraction of samples whose most active output neuron is the label."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    _check_data(net, x, y)
    correct = 0
    for start in range(0, x.shape[1], batch_size):
        correct += int(np.sum(predict(net.forward(x[:, start:start + batch_size])) == y[start:start + batch_size]))
    return correct / x.shape[1]
