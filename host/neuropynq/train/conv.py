"""Spiking convolution and pooling over (T, batch, channels, H, W) spike tensors.

`Conv2d` is a `Dense` layer whose synapses are shared over space: the input
patches of all T·batch frames are unfolded once (im2col) into a
(T·batch·H'·W', C·k·k) matrix, so the input currents, the weight gradient and the
gradient passed down are each one BLAS product, as in `Dense`; the neuron
dynamics (and their adjoint) are the same `LIF`/`AdaptiveLIF` code, run on the
(T, batch, H'·W'·C') currents. Pooling layers have no neurons and no parameters:
`AvgPool2d` averages spikes over non-overlapping windows (its output is a rate
in [0, 1] that the next layer's synapses weigh like spikes), `MaxPool2d` takes
the window's maximum (on 0/1 spikes: "any spike") and routes the gradient to the
first maximum. `Flatten` turns (T, batch, C, H, W) into (T, batch, C·H·W) for a
`Dense` readout.

Backward of the unfolding (col2im): every input pixel receives the sum of the
gradients of the patch entries it was copied into, done as k·k strided slice
additions, one per kernel offset.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ModelError
from .layers import Dense, _require_size
from .neurons import LIF
from .parameter import Parameter


def _require_shape(name: str, shape) -> tuple[int, int, int]:
    try:
        shape = tuple(shape)
    except TypeError:
        raise ModelError(f"{name} must be (channels, height, width), got {shape!r}") from None
    if len(shape) != 3:
        raise ModelError(f"{name} must be (channels, height, width), got {shape!r}")
    return tuple(_require_size(f"{name} entry", n) for n in shape)


class _Shaped:
    """A layer on (T, batch, *in_shape) tensors giving (T, batch, *out_shape);
    `n_in`/`n_out` are the flat sizes `Network` matches between layers."""

    in_shape: tuple
    out_shape: tuple

    @property
    def n_in(self) -> int:
        return int(np.prod(self.in_shape))

    @property
    def n_out(self) -> int:
        return int(np.prod(self.out_shape))

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 + len(self.in_shape) or x.shape[2:] != self.in_shape:
            raise ModelError(f"{self.kind} layer expects input of shape (T, batch, "
                             f"{', '.join(map(str, self.in_shape))}), got {x.shape}")
        return x


class Conv2d(_Shaped, Dense):
    """`out_channels` feature maps of spiking `neuron`s over an input of shape
    `in_shape` = (C, H, W): each neuron's current is a k×k×C patch (zero
    `padding`, `stride`) weighted by its map's kernel. W has shape
    (C·k·k, out_channels), rows ordered (channel, row, column) of the patch;
    W ~ N(0, (weight_scale·threshold)² / (C·k·k)) from `seed`."""

    kind = "conv2d"

    def __init__(self, in_shape, out_channels: int, kernel_size: int, neuron: LIF | None = None,
                 stride: int = 1, padding: int = 0, seed: int = 0, weight_scale: float = 1.0):
        self.in_shape = _require_shape("in_shape", in_shape)
        self.out_channels = _require_size("out_channels", out_channels)
        self.kernel_size = _require_size("kernel_size", kernel_size)
        self.stride = _require_size("stride", stride)
        if not isinstance(padding, (int, np.integer)) or isinstance(padding, bool) or padding < 0:
            raise ModelError(f"padding must be a whole number ≥ 0, got {padding!r}")
        self.padding = int(padding)
        channels, height, width = self.in_shape
        out_h = (height + 2 * self.padding - self.kernel_size) // self.stride + 1
        out_w = (width + 2 * self.padding - self.kernel_size) // self.stride + 1
        if out_h < 1 or out_w < 1:
            raise ModelError(f"a {self.kernel_size}×{self.kernel_size} kernel does not fit a "
                             f"{height}×{width} input with padding {self.padding}")
        self.out_shape = (self.out_channels, out_h, out_w)
        self.neuron = neuron if neuron is not None else LIF()
        fan_in = channels * self.kernel_size ** 2
        rng = np.random.default_rng(seed)
        std = weight_scale * self.neuron.threshold / np.sqrt(fan_in)
        self.W = Parameter("W", std * rng.standard_normal((fan_in, self.out_channels)))
        self.delay = None
        self._input = None          # the unfolded patches of the last forward
        self._run = None

    def parameters(self) -> list[Parameter]:
        return [self.W]

    @property
    def fan_out(self) -> int:
        """Synapses an input spike drives (away from the borders): each output map
        reads it through ⌈k/stride⌉² kernel offsets."""
        return self.out_channels * (-(-self.kernel_size // self.stride)) ** 2

    def _unfold(self, x: np.ndarray) -> np.ndarray:
        """Patches (T·batch·H'·W', C·k·k) of x (T, batch, C, H, W)."""
        k, s, p = self.kernel_size, self.stride, self.padding
        frames = x.reshape((-1,) + self.in_shape)
        if p:
            frames = np.pad(frames, ((0, 0), (0, 0), (p, p), (p, p)))
        _, out_h, out_w = self.out_shape
        windows = sliding_window_view(frames, (k, k), axis=(2, 3))[:, :, ::s, ::s][:, :, :out_h, :out_w]
        # (N, C, H', W', k, k) → (N, H', W', C, k, k): one row per output position.
        return np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(-1, self.W.value.shape[0])

    def _fold(self, grad_patches: np.ndarray, frames: int) -> np.ndarray:
        """col2im: dL/dx (frames, C, H, W) from dL/d(patches)."""
        k, s, p = self.kernel_size, self.stride, self.padding
        channels, height, width = self.in_shape
        _, out_h, out_w = self.out_shape
        g = grad_patches.reshape(frames, out_h, out_w, channels, k, k)
        padded = np.zeros((frames, channels, height + 2 * p, width + 2 * p))
        for i in range(k):
            for j in range(k):
                padded[:, :, i:i + s * out_h:s, j:j + s * out_w:s] += g[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        return padded[:, :, p:p + height, p:p + width]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Output spikes (T, batch, C', H', W') for input spikes x (T, batch, C, H, W)."""
        x = self._check_input(x)
        steps, batch = x.shape[:2]
        patches = self._unfold(x)
        # Currents laid out (T, batch, H', W', C'): the neuron code sees (T, batch, n).
        currents = np.dot(patches, self.W.value).reshape(steps, batch, self.n_out)
        run = self.neuron.trajectory(np.empty_like(currents), reuse=self._run)
        self._run_neurons(currents, run)
        self._input, self._run = patches, run
        channels, out_h, out_w = self.out_shape
        return np.ascontiguousarray(run.spikes.reshape(steps, batch, out_h, out_w, channels).transpose(0, 1, 4, 2, 3))

    def backward(self, grad_spikes: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """dL/d(input spikes) (T, batch, C, H, W) from dL/d(output spikes); accumulates dL/dW."""
        if self._run is None:
            raise ModelError(f"{self.kind} layer: backward called before forward")
        steps, batch = self._run.spikes.shape[:2]
        if grad_spikes.shape != (steps, batch) + self.out_shape:
            raise ModelError(f"{self.kind} layer: gradient has shape {grad_spikes.shape}, "
                             f"the last forward gave {(steps, batch) + self.out_shape}")
        grad = np.ascontiguousarray(grad_spikes.transpose(0, 1, 3, 4, 2)).reshape(steps, batch, self.n_out)
        flat = self._backward_through_time(grad).reshape(-1, self.out_channels)
        self.W.grad += np.dot(self._input.T, flat)
        if not input_grad:
            return None
        return self._fold(np.dot(flat, self.W.value.T), steps * batch).reshape((steps, batch) + self.in_shape)


class _Pool(_Shaped):
    """Non-overlapping `size`×`size` windows over each channel; H and W must be multiples of `size`."""

    fan_out = 0                     # no synapses

    def __init__(self, in_shape, size: int = 2):
        self.in_shape = _require_shape("in_shape", in_shape)
        self.size = _require_size("size", size)
        channels, height, width = self.in_shape
        if height % self.size or width % self.size:
            raise ModelError(f"{self.kind}: a {height}×{width} map does not split into {self.size}×{self.size} windows")
        self.out_shape = (channels, height // self.size, width // self.size)
        self._cache = None

    def parameters(self) -> list[Parameter]:
        return []

    def _windows(self, x: np.ndarray) -> np.ndarray:
        """(T, batch, C, H', W', size·size) view-shaped copy of the windows."""
        steps, batch = x.shape[:2]
        channels, out_h, out_w = self.out_shape
        k = self.size
        w = x.reshape(steps, batch, channels, out_h, k, out_w, k).transpose(0, 1, 2, 3, 5, 4, 6)
        return w.reshape(steps, batch, channels, out_h, out_w, k * k)

    def _unwindow(self, g: np.ndarray) -> np.ndarray:
        steps, batch = g.shape[:2]
        channels, out_h, out_w = self.out_shape
        k = self.size
        g = g.reshape(steps, batch, channels, out_h, out_w, k, k).transpose(0, 1, 2, 3, 5, 4, 6)
        return g.reshape((steps, batch) + self.in_shape)

    def _check_grad(self, grad: np.ndarray) -> None:
        if self._cache is None:
            raise ModelError(f"{self.kind} layer: backward called before forward")
        if grad.shape[2:] != self.out_shape:
            raise ModelError(f"{self.kind} layer: gradient has shape {grad.shape}, expected (T, batch, "
                             f"{', '.join(map(str, self.out_shape))})")


class AvgPool2d(_Pool):
    """Mean of each window."""

    kind = "avgpool2d"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._check_input(x)
        self._cache = x.shape
        return self._windows(x).mean(axis=-1)

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        self._check_grad(grad)
        if not input_grad:
            return None
        share = np.repeat(grad[..., None] / self.size ** 2, self.size ** 2, axis=-1)
        return self._unwindow(share)


class MaxPool2d(_Pool):
    """Maximum of each window (with 0/1 spikes: whether any input of the window
    spiked); the gradient goes to the first entry holding the maximum."""

    kind = "maxpool2d"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._check_input(x)
        windows = self._windows(x)
        winner = np.argmax(windows, axis=-1)
        self._cache = winner
        return np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        self._check_grad(grad)
        if not input_grad:
            return None
        routed = np.zeros(grad.shape + (self.size ** 2,))
        np.put_along_axis(routed, self._cache[..., None], grad[..., None], axis=-1)
        return self._unwindow(routed)


class Flatten(_Shaped):
    """(T, batch, C, H, W) → (T, batch, C·H·W), C-order, for a `Dense` readout."""

    kind = "flatten"
    fan_out = 0

    def __init__(self, in_shape):
        self.in_shape = _require_shape("in_shape", in_shape)
        self.out_shape = (self.n_in,)

    def parameters(self) -> list[Parameter]:
        return []

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._check_input(x)
        return x.reshape(x.shape[:2] + (self.n_in,))

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        return grad.reshape(grad.shape[:2] + self.in_shape) if input_grad else None
