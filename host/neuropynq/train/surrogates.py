"""Surrogate derivatives of the spike function H(x), x = u − θ (STBP, Wu et al. 2018).

The forward pass spikes with the Heaviside step H(x) = [x ≥ 0]; the backward pass
replaces its derivative (a Dirac pulse) by a smooth pulse `grad(x)`. Each surrogate
also gives `primitive(x)`, the smooth step whose exact derivative is `grad(x)`:
a network that spikes with `primitive` is differentiable, so its hand-derived
backward pass can be checked against finite differences.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError


class Surrogate:
    """A smooth pulse standing in for dH/dx; `scale` sets its width (larger = sharper).
    Subclasses define `grad(x)` and `primitive(x)`."""

    name = ""

    def __init__(self, scale: float):
        if not np.isfinite(scale) or scale <= 0:
            raise ModelError(f"{self.name} surrogate scale must be finite and > 0, got {scale!r}")
        self.scale = float(scale)

    def describe(self) -> dict:
        return {"name": self.name, "scale": self.scale}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.scale:g})"


class Rectangular(Surrogate):
    """Box of height `scale` and width 1/`scale` centred on the threshold."""

    name = "rectangular"

    def grad(self, x):
        return np.where(np.abs(x) < 0.5 / self.scale, self.scale, 0.0)

    def primitive(self, x):
        return np.clip(self.scale * x + 0.5, 0.0, 1.0)


class Sigmoid(Surrogate):
    """Derivative of σ(scale·x)."""

    name = "sigmoid"

    def grad(self, x):
        s = self.primitive(x)
        return self.scale * s * (1.0 - s)

    def primitive(self, x):
        return 0.5 * (1.0 + np.tanh(0.5 * self.scale * x))   # σ without overflow


class Arctan(Surrogate):
    """Derivative of ½ + arctan(π·scale·x/2)/π (peak scale/2)."""

    name = "arctan"

    def grad(self, x):
        y = (0.5 * np.pi * self.scale) * x
        np.square(y, out=y)           # in place: called on whole (T, batch, n) arrays
        y += 1.0
        return np.divide(0.5 * self.scale, y, out=y)

    def primitive(self, x):
        return 0.5 + np.arctan(0.5 * np.pi * self.scale * x) / np.pi


class Triangle(Surrogate):
    """Triangle of height `scale` and half-width 1/`scale`."""

    name = "triangle"

    def grad(self, x):
        return self.scale * np.maximum(0.0, 1.0 - self.scale * np.abs(x))

    def primitive(self, x):
        y = np.clip(self.scale * x, -1.0, 1.0)
        # ∫ of the triangle: ½(1+y)² below the threshold, 1 − ½(1−y)² above it.
        return np.where(y < 0, 0.5 * (1.0 + y) ** 2, 1.0 - 0.5 * (1.0 - y) ** 2)


SURROGATES = {cls.name: cls for cls in (Rectangular, Sigmoid, Arctan, Triangle)}


def make_surrogate(name: str, scale: float) -> Surrogate:
    """The surrogate called `name` (rectangular, sigmoid, arctan, triangle)."""
    if name not in SURROGATES:
        raise ModelError(f"unknown surrogate {name!r}; choose one of {', '.join(sorted(SURROGATES))}")
    return SURROGATES[name](scale)
