"""A trainable array with its gradient, its admissible range and a learning-rate scale."""
from __future__ import annotations

import numpy as np


class Parameter:
    """`value` is updated in place by an optimiser, which then clips it to
    [`low`, `high`] (e.g. axonal delays to [0, max_delay]). `lr_scale` multiplies
    the optimiser's learning rate for this array (delays move in steps, weights in
    fractions of a threshold)."""

    def __init__(self, name: str, value: np.ndarray, low: float = -np.inf, high: float = np.inf,
                 lr_scale: float = 1.0):
        self.name = name
        self.value = np.array(value, dtype=np.float64)
        self.grad = np.zeros_like(self.value)
        self.low = low
        self.high = high
        self.lr_scale = lr_scale

    def clip(self) -> None:
        np.clip(self.value, self.low, self.high, out=self.value)

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, shape={self.value.shape})"
