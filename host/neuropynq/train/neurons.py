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

    def trajectory(self, spikes: np.ndarray, reuse: "Trajectory | None" = None) -> "Trajectory":
        """Buffers for a run whose spikes go into `spikes` (T, batch, n); the other
        buffers are taken from `reuse` when the shape matches."""
        return Trajectory(spikes, self.adaptive, reuse)

    def step(self, t: int, current: np.ndarray, state: tuple, run: "Trajectory") -> tuple:
        """Step t from input current I[t]: writes u − θ, s (and θ) of step t into
        `run` and returns the state after the step."""
        h, a, s_prev = state
        if self.adaptive:
            a = self.rho * a + s_prev
            theta = np.add(self.threshold, self.kappa * a, out=run.theta[t])
        else:
            theta = self.threshold
        # What the backward pass keeps (margin, spikes, θ) is written into preallocated
        # buffers: fresh arrays per step cost more (new memory) than the arithmetic.
        # u itself is not kept: it is margin + θ.
        u = h * self.beta
        u += current
        margin = np.subtract(u, theta, out=run.margin[t])
        if self.smooth:
            s = run.spikes[t]
            s[...] = self.surrogate.primitive(margin)
        else:
            s = np.greater_equal(margin, 0.0, out=run.spikes[t])
        if self.reset == "subtract":
            h = theta * s
            np.subtract(u, h, out=h)
        else:
            h = 1.0 - s
            h *= u
        return h, a, s

    def pulses(self, run: "Trajectory") -> np.ndarray:
        """The surrogate pulses f'(u[t] − θ[t]) of all steps, (T, batch, n), in one
        vectorised call (cheaper than one call per step)."""
        return self.surrogate.grad(run.margin)

    def backward_step(self, t: int, run: "Trajectory", pulse: np.ndarray, grad_s: np.ndarray,
                      adjoint: tuple) -> tuple[np.ndarray, tuple]:
        """dL/dI[t] and the adjoint for step t−1, given the step's surrogate pulse,
        dL/ds[t] from outside the neuron (later layers, recurrent synapses) and the
        adjoint (dL/du[t+1], dL/da[t+1])."""
        s = run.spikes[t]
        theta = run.theta[t] if self.adaptive else self.threshold
        grad_u_next, grad_a_next = adjoint
        grad_h = self.beta * grad_u_next            # u[t+1] = β·h[t] + I[t+1]
        if self.adaptive:
            grad_s = grad_s + grad_a_next           # a[t+1] = ρ·a[t] + s[t]
        if self.reset == "subtract":
            grad_spike = grad_s - theta * grad_h
            grad_u = grad_spike * pulse
            grad_u += grad_h
        else:
            grad_spike = grad_s - (run.margin[t] + theta) * grad_h      # h = u·(1 − s)
            grad_u = grad_spike * pulse
            grad_u += grad_h * (1.0 - s)
        if self.adaptive:
            grad_theta = -grad_spike * pulse - (s * grad_h if self.reset == "subtract" else 0.0)
            grad_a = self.kappa * grad_theta + self.rho * grad_a_next
        else:
            grad_a = 0.0
        return grad_u, (grad_u, grad_a)

    def backward_through_time(self, run: "Trajectory", pulses: np.ndarray, grad_spikes: np.ndarray) -> np.ndarray:
        """dL/dI[t] for all steps when every dL/ds[t] is known up front (a feed-forward
        layer) and the neuron is not adaptive. `backward_step` then collapses to the
        linear recurrence dL/du[t] = c[t]·dL/du[t+1] + dL/ds[t]·f'[t] with
        c = β(1 − θf') (subtract) or β(1 − s − u·f') (zero), whose coefficients are
        computed for all steps at once: two elementwise passes per step remain."""
        if self.adaptive:
            raise ModelError("backward_through_time needs a non-adaptive neuron; use backward_step")
        if self.reset == "subtract":
            carry = pulses * (-self.beta * self.threshold)
            carry += self.beta
        else:
            carry = run.margin + self.threshold          # u
            carry *= pulses
            carry += run.spikes
            np.subtract(1.0, carry, out=carry)
            carry *= self.beta
        grad = grad_spikes * pulses
        scratch = np.empty(grad.shape[1:])
        for t in range(grad.shape[0] - 2, -1, -1):
            np.multiply(carry[t], grad[t + 1], out=scratch)
            grad[t] += scratch
        return grad


class Trajectory:
    """What a run over T steps keeps for the backward pass, each (T, batch, n): the
    margin u − θ, the spikes and (adaptive neurons) the threshold θ."""

    def __init__(self, spikes: np.ndarray, adaptive: bool, reuse: "Trajectory | None" = None):
        self.spikes = spikes
        if reuse is not None and reuse.margin.shape == spikes.shape and (reuse.theta is not None) == adaptive:
            self.margin, self.theta = reuse.margin, reuse.theta
        else:
            self.margin = np.empty_like(spikes)
            self.theta = np.empty_like(spikes) if adaptive else None


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
