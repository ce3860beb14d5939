"""Gradient-descent optimisers over `Parameter`s; each step ends by clipping every
parameter to its range (delays to [0, max_delay])."""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .parameter import Parameter


def _require_rate(lr: float) -> float:
    if not (np.isfinite(lr) and lr > 0):
        raise ModelError(f"learning rate must be finite and > 0, got {lr!r}")
    return float(lr)


class SGD:
    """p ← p − lr·lr_scale·(grad + momentum buffer)."""

    def __init__(self, parameters: list[Parameter], lr: float = 0.1, momentum: float = 0.0):
        self.parameters = list(parameters)
        self.lr = _require_rate(lr)
        self.momentum = float(momentum)
        self._velocity = [np.zeros_like(p.value) for p in self.parameters]

    def step(self) -> None:
        for p, v in zip(self.parameters, self._velocity):
            v *= self.momentum
            v += p.grad
            p.value -= self.lr * p.lr_scale * v
            p.clip()


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction."""

    def __init__(self, parameters: list[Parameter], lr: float = 1e-2, betas=(0.9, 0.999), eps: float = 1e-8):
        self.parameters = list(parameters)
        self.lr = _require_rate(lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self._m = [np.zeros_like(p.value) for p in self.parameters]
        self._v = [np.zeros_like(p.value) for p in self.parameters]
        self._t = 0

    def step(self) -> None:
        self._t += 1
        correction1 = 1.0 - self.beta1 ** self._t
        correction2 = 1.0 - self.beta2 ** self._t
        for p, m, v in zip(self.parameters, self._m, self._v):
            m *= self.beta1
            m += (1.0 - self.beta1) * p.grad
            v *= self.beta2
            v += (1.0 - self.beta2) * p.grad ** 2
            p.value -= self.lr * p.lr_scale * (m / correction1) / (np.sqrt(v / correction2) + self.eps)
            p.clip()
