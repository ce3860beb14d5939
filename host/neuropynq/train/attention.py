"""Temporal-channel joint attention by self-attention (STCA-SNN, Wu X. et al.,
Front. Neurosci. 2023), trained end to end with the spiking layers around it.

For spike maps X of shape (T, batch, C, H, W) (or (T, batch, C)), per sample:

    Z = mean of X over H, W                           (T, C): what each channel did at each step,
        standardised over the T steps per channel   (which steps stand out, whatever the rate)
    A_t = softmax(Z W_q (Z W_k)ᵀ / √d)                 (T, T): time steps as tokens
    A_c = softmax(Zᵀ U_q (Zᵀ U_k)ᵀ / √d)               (C, C): channels as tokens
    P = Z + A_t Z A_cᵀ   (joint)   Z + A_t Z   (temporal)   Z + Z A_cᵀ   (channel)
    M = 2 σ(γ ⊙ P + β)                                (T, C), γ, β per channel
    Y = M ⊙ X                                          (broadcast over H, W)

The joint map weighs every (step, channel) pair by its correlation with all other
steps and channels at once ("when" and "what"). `2σ` makes the layer the identity
at γ = β = 0 (the start), so attention changes a network only as far as it is
learned. The backward pass is derived by hand (softmax: dS = A ⊙ (dA − rowsum(dA ⊙ A)))
and checked by finite differences.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .layers import _require_size
from .parameter import Parameter

MODES = ("joint", "temporal", "channel")
# Added to the variance over T before the square root: a channel that does the
# same at every step is standardised to 0 instead of 0/0.
_VARIANCE_FLOOR = 1e-4


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_backward(a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


class TemporalChannelAttention:
    """Attention over `steps` time steps and the channels of maps of shape
    `in_shape` ((C, H, W) or (C,)); `mode` "joint" (STCA), "temporal" or "channel"
    (the ablations); queries and keys of `key_dim` dimensions, initialised
    N(0, 1/fan_in) from `seed`."""

    kind = "stca"
    fan_out = 0                     # scales spikes; no synapses

    def __init__(self, in_shape, steps: int, mode: str = "joint", key_dim: int = 4, seed: int = 0,
                 gain_lr_scale: float = 1.0):
        self.in_shape = tuple(_require_size("in_shape entry", n) for n in tuple(in_shape))
        if len(self.in_shape) not in (1, 3):
            raise ModelError(f"in_shape must be (C,) or (C, H, W), got {in_shape!r}")
        self.out_shape = self.in_shape
        self.steps = _require_size("steps", steps)
        if mode not in MODES:
            raise ModelError(f"attention mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self.key_dim = _require_size("key_dim", key_dim)
        channels = self.in_shape[0]
        rng = np.random.default_rng(seed)
        self._params = []
        if mode in ("joint", "temporal"):
            self.W_q = Parameter("W_q", rng.standard_normal((channels, key_dim)) / np.sqrt(channels))
            self.W_k = Parameter("W_k", rng.standard_normal((channels, key_dim)) / np.sqrt(channels))
            self._params += [self.W_q, self.W_k]
        if mode in ("joint", "channel"):
            self.U_q = Parameter("U_q", rng.standard_normal((self.steps, key_dim)) / np.sqrt(self.steps))
            self.U_k = Parameter("U_k", rng.standard_normal((self.steps, key_dim)) / np.sqrt(self.steps))
            self._params += [self.U_q, self.U_k]
        self.gamma = Parameter("gamma", np.zeros(channels), lr_scale=gain_lr_scale)
        self.beta = Parameter("beta", np.zeros(channels), lr_scale=gain_lr_scale)
        self._params += [self.gamma, self.beta]
        self._cache = None

    @property
    def n_in(self) -> int:
        return int(np.prod(self.in_shape))

    n_out = n_in

    def parameters(self) -> list[Parameter]:
        return list(self._params)

    def _attend(self, queries: np.ndarray, W_q: Parameter, W_k: Parameter):
        """Self-attention among the rows of `queries` (batch, tokens, features)."""
        q, k = np.matmul(queries, W_q.value), np.matmul(queries, W_k.value)
        return _softmax(np.matmul(q, k.transpose(0, 2, 1)) / np.sqrt(self.key_dim)), q, k

    def weights(self, x: np.ndarray) -> np.ndarray:
        """The attention map M (batch, T, C) for input x; runs `forward`."""
        self.forward(x)
        return self._cache["M"]

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.shape[0] != self.steps or x.shape[2:] != self.in_shape:
            raise ModelError(f"{self.kind} layer expects input of shape ({self.steps}, batch, "
                             f"{', '.join(map(str, self.in_shape))}), got {x.shape}")
        spatial = tuple(range(3, x.ndim))
        raw = (x.mean(axis=spatial) if spatial else x).transpose(1, 0, 2)     # (batch, T, C)
        centred = raw - raw.mean(axis=1, keepdims=True)
        spread = np.sqrt(np.mean(centred ** 2, axis=1, keepdims=True) + _VARIANCE_FLOOR)
        z = centred / spread
        cache = {"x": x, "z": z, "spread": spread}
        mixed = z
        if self.mode in ("joint", "channel"):
            cache["A_c"], cache["q_c"], cache["k_c"] = self._attend(z.transpose(0, 2, 1), self.U_q, self.U_k)
            mixed = np.matmul(z, cache["A_c"].transpose(0, 2, 1))             # Z A_cᵀ
        cache["R"] = mixed
        if self.mode in ("joint", "temporal"):
            cache["A_t"], cache["q_t"], cache["k_t"] = self._attend(z, self.W_q, self.W_k)
            mixed = np.matmul(cache["A_t"], mixed)                             # A_t (Z A_cᵀ)
        # The residual Z: near-uniform attention at the start averages every step
        # alike, so without it the gate would see no step stand out and never learn.
        mixed = mixed + z
        cache["P"] = mixed
        sigma = 0.5 * (1.0 + np.tanh(0.5 * (self.gamma.value * mixed + self.beta.value)))
        cache["sigma"] = sigma
        cache["M"] = 2.0 * sigma
        self._cache = cache
        gate = cache["M"].transpose(1, 0, 2).reshape(x.shape[:3] + (1,) * len(spatial))
        return x * gate

    def _attend_backward(self, grad_a, a, q, k, tokens, W_q: Parameter, W_k: Parameter) -> np.ndarray:
        """Accumulates dL/dW_q, dL/dW_k; returns dL/d(tokens) through queries and keys."""
        grad_s = _softmax_backward(a, grad_a) / np.sqrt(self.key_dim)
        grad_q = np.matmul(grad_s, k)
        grad_k = np.matmul(grad_s.transpose(0, 2, 1), q)
        W_q.grad += np.einsum("bnf,bnd->fd", tokens, grad_q)
        W_k.grad += np.einsum("bnf,bnd->fd", tokens, grad_k)
        return np.matmul(grad_q, W_q.value.T) + np.matmul(grad_k, W_k.value.T)

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        c = self._cache
        if c is None:
            raise ModelError(f"{self.kind} layer: backward called before forward")
        x = c["x"]
        if grad_y.shape != x.shape:
            raise ModelError(f"{self.kind} layer: gradient has shape {grad_y.shape}, expected {x.shape}")
        spatial = tuple(range(3, x.ndim))
        grad_m = np.sum(grad_y * x, axis=spatial).transpose(1, 0, 2) if spatial else (grad_y * x).transpose(1, 0, 2)
        grad_g = grad_m * 2.0 * c["sigma"] * (1.0 - c["sigma"])
        self.gamma.grad += np.sum(grad_g * c["P"], axis=(0, 1))
        self.beta.grad += np.sum(grad_g, axis=(0, 1))
        grad_p = grad_g * self.gamma.value
        z = c["z"]
        grad_z = grad_p.copy()                   # the residual
        grad_r = grad_p
        if self.mode in ("joint", "temporal"):
            grad_at = np.matmul(grad_p, c["R"].transpose(0, 2, 1))
            grad_r = np.matmul(c["A_t"].transpose(0, 2, 1), grad_p)
            grad_z += self._attend_backward(grad_at, c["A_t"], c["q_t"], c["k_t"], z, self.W_q, self.W_k)
        if self.mode in ("joint", "channel"):
            grad_z += np.matmul(grad_r, c["A_c"])
            grad_ac = np.matmul(grad_r.transpose(0, 2, 1), z)
            zc = z.transpose(0, 2, 1)
            grad_z += self._attend_backward(grad_ac, c["A_c"], c["q_c"], c["k_c"], zc,
                                            self.U_q, self.U_k).transpose(0, 2, 1)
        else:
            grad_z += grad_r
        if not input_grad:
            return None
        # Through the standardisation over T: dz_raw = (dz − mean(dz) − z·mean(dz·z)) / spread.
        grad_z = (grad_z - grad_z.mean(axis=1, keepdims=True)
                  - z * np.mean(grad_z * z, axis=1, keepdims=True)) / c["spread"]
        gate = c["M"].transpose(1, 0, 2).reshape(x.shape[:3] + (1,) * len(spatial))
        area = int(np.prod(x.shape[3:])) if spatial else 1
        through_mean = (grad_z.transpose(1, 0, 2) / area).reshape(x.shape[:3] + (1,) * len(spatial))
        return grad_y * gate + through_mean
