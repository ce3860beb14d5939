"""Discrete-time leaky integrate-and-fire neurons, plain and adaptive (STBP form).

One step t of a population (arrays of shape (batch, n)):

    a[t] = ρ·a[t−1] + s[t−1]                 adaptation trace (adaptive only)
    θ[t] = θ0 + κ·a[t]                        threshold (κ = 0: plain LIF)
    u[t] = β·h[t−1] + I[t]                    membrane before the spike
    s[t] = H(u[t] − θ[t])                     spike (or the surrogate's primitive)
    h[t] = u[t] − θ[t]·s[t]   (reset by subtraction)
    h[t] = u[t]·(1 − s[t])    (reset to zero)

`backward_step` is the exact adjoint of `step` with dH/dx replaced by the
surrogate's pulse; the reset path is differentiated too (not detached), so with
`smooth=True` (spikes are the surrogate's primitive) the gradients equal those of
the smooth network and can be checked by finite differences.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .surrogates import Arctan, Surrogate, make_surrogate

RESETS = ("subtract", "zero")


def _require_unit_interval(name: str, value: float) -> float:
    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
        raise ModelError(f"{name} must be in [0, 1], got {value!r}")
    return float(value)


class LIF:
    """Leaky integrate-and-fire: decay `beta` per step, threshold `threshold`,
    `reset` "subtract" or "zero", surrogate pulse for the backward pass."""

    kind = "lif"

    def __init__(self, beta: float = 0.9, threshold: float = 1.0, reset: str = "subtract",
                 surrogate: Surrogate | None = None, smooth: bool = False):
        self.beta = _require_unit_interval("beta", beta)
        if not (np.isfinite(threshold) and threshold > 0):
            raise ModelError(f"threshold must be finite and > 0, got {threshold!r}")
        if reset not in RESETS:
            raise ModelError(f"reset must be one of {RESETS}, got {reset!r}")
        self.threshold = float(threshold)
        self.reset = reset
        self.surrogate = surrogate if surrogate is not None else Arctan(2.0)
        self.smooth = smooth
        self.rho = 0.0
        self.kappa = 0.0

    @property
    def adaptive(self) -> bool:
        return self.kappa != 0.0

    def describe(self) -> dict:
        """Plain parameters (JSON-ready) from which `neuron_from_description` rebuilds this neuron."""
        return {"kind": self.kind, "beta": self.beta, "threshold": self.threshold, "reset": self.reset,
                "surrogate": self.surrogate.describe(), "rho": self.rho, "kappa": self.kappa}

    def initial_state(self, batch: int, n: int) -> tuple:
        zeros = np.zeros((batch, n))
        return zeros, zeros, zeros      # h, a, s of step −1

    def step(self, current: np.ndarray, state: tuple) -> tuple[np.ndarray, tuple, tuple]:
        """(s[t], state after t, record of t for `backward_step`) from I[t]."""
        h, a, s_prev = state
        if self.adaptive:
            a = self.rho * a + s_prev
            theta = self.threshold + self.kappa * a
        else:
            theta = self.threshold
        # In-place updates where an array is fresh: these elementwise steps, not the
        # BLAS products, dominate a small layer's time (np.heaviside is ~2× slower
        # than the comparison).
        u = self.beta * h
        u += current
        margin = u - theta
        s = self.surrogate.primitive(margin) if self.smooth else (margin >= 0).astype(np.float64)
        if self.reset == "subtract":
            h = theta * s
            np.subtract(u, h, out=h)
        else:
            h = 1.0 - s
            h *= u
        return s, (h, a, s), (u, theta, s, margin)

    def pulses(self, records: list[tuple]) -> np.ndarray:
        """The surrogate pulses f'(u[t] − θ[t]) of all steps, (T, batch, n), in one
        vectorised call (cheaper than one call per step)."""
        return self.surrogate.grad(np.stack([record[3] for record in records]))

    def backward_step(self, record: tuple, pulse: np.ndarray, grad_s: np.ndarray,
                      adjoint: tuple) -> tuple[np.ndarray, tuple]:
        """dL/dI[t] and the adjoint for step t−1, given the step's surrogate pulse,
        dL/ds[t] from outside the neuron (later layers, recurrent synapses) and the
        adjoint (dL/du[t+1], dL/da[t+1])."""
        u, theta, s, _ = record
        grad_u_next, grad_a_next = adjoint
        grad_h = self.beta * grad_u_next            # u[t+1] = β·h[t] + I[t+1]
        if self.adaptive:
            grad_s = grad_s + grad_a_next           # a[t+1] = ρ·a[t] + s[t]
        if self.reset == "subtract":
            grad_spike = grad_s - theta * grad_h
            grad_u = grad_spike * pulse
            grad_u += grad_h
        else:
            grad_spike = grad_s - u * grad_h
            grad_u = grad_spike * pulse
            grad_u += grad_h * (1.0 - s)
        if self.adaptive:
            grad_theta = -grad_spike * pulse - (s * grad_h if self.reset == "subtract" else 0.0)
            grad_a = self.kappa * grad_theta + self.rho * grad_a_next
        else:
            grad_a = 0.0
        return grad_u, (grad_u, grad_a)


class AdaptiveLIF(LIF):
    """LIF whose threshold rises by `kappa` per spike and relaxes with factor `rho`
    per step (Bellec et al. 2018)."""

    kind = "alif"

    def __init__(self, beta: float = 0.9, threshold: float = 1.0, reset: str = "subtract",
                 surrogate: Surrogate | None = None, smooth: bool = False, rho: float = 0.9,
                 kappa: float = 0.2):
        super().__init__(beta, threshold, reset, surrogate, smooth)
        self.rho = _require_unit_interval("rho", rho)
        if not (np.isfinite(kappa) and kappa > 0):
            raise ModelError(f"kappa (threshold increase per spike) must be finite and > 0, got {kappa!r}")
        self.kappa = float(kappa)


def neuron_from_description(d: dict) -> LIF:
    """Inverse of `LIF.describe`."""
    try:
        surrogate = make_surrogate(d["surrogate"]["name"], d["surrogate"]["scale"])
        common = dict(beta=d["beta"], threshold=d["threshold"], reset=d["reset"], surrogate=surrogate)
        if d["kind"] == LIF.kind:
            return LIF(**common)
        if d["kind"] == AdaptiveLIF.kind:
            return AdaptiveLIF(**common, rho=d["rho"], kappa=d["kappa"])
    except (KeyError, TypeError) as exc:
        raise ModelError(f"incomplete neuron description {d!r}: missing {exc}") from None
    raise ModelError(f"unknown neuron kind {d['kind']!r}; expected 'lif' or 'alif'")
