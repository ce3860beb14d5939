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

    def _fire(self, margin: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Spikes into `out`: the Heaviside of the margin, or its smooth primitive (the
        surrogate's integral) when gradient checks need differentiable spikes."""
        if self.smooth:
            out[...] = self.surrogate.primitive(margin)
            return out
        return np.greater_equal(margin, 0.0, out=out)

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
        s = self._fire(margin, run.spikes[t])
        if self.reset == "subtract":
            h = theta * s
            np.subtract(u, h, out=h)
        else:
            h = 1.0 - s
            h *= u
        return h, a, s

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

    def forward_through_time(self, currents: np.ndarray, run: "Trajectory") -> None:
        """All T steps when every input current I[t] is known up front (a feed-forward
        layer) and the neuron is not adaptive: writes the margins and spikes of `run`.
        Same dynamics as `step`, five in-place passes per step on (batch, n) slices;
        the carry q = β·(h[t] − θ) (subtract) or β·h[t] (zero) folds the constant θ
        terms into one offset, subtracted a cache-sized block of steps at a time."""
        if self.adaptive:
            raise ModelError("forward_through_time needs a non-adaptive neuron; use step")
        beta, theta = self.beta, self.threshold
        # margin[t] = β·h[t−1] + I[t] − θ = I[t] − offset + q[t−1], with h[−1] = 0.
        if self.reset == "subtract":
            carry = np.full(currents.shape[1:], -beta * theta, dtype=currents.dtype)
            offset = theta * (1.0 - beta)
        else:
            carry = np.zeros(currents.shape[1:], dtype=currents.dtype)
            offset = theta
        scratch = np.empty_like(carry)
        for start, stop in _step_blocks(currents.shape):
            np.subtract(currents[start:stop], offset, out=run.margin[start:stop])
            for t in range(start, stop):
                margin = run.margin[t]
                margin += carry
                s = self._fire(margin, run.spikes[t])
                if self.reset == "subtract":
                    np.multiply(s, -theta, out=carry)        # h − θ = u − θ·s − θ = margin − θ·s
                    carry += margin
                else:
                    np.add(margin, theta, out=carry)         # h = u·(1 − s)
                    np.multiply(carry, s, out=scratch)
                    carry -= scratch
                carry *= beta

    def pulses(self, run: "Trajectory") -> np.ndarray:
        """The surrogate pulses f'(u[t] − θ[t]) of all steps, (T, batch, n), in one
        vectorised call (cheaper than one call per step)."""
        return self.surrogate.grad(run.margin)

    def backward_through_time(self, run: "Trajectory", grad_spikes: np.ndarray) -> np.ndarray:
        """dL/dI[t] for all steps when every dL/ds[t] is known up front (a feed-forward
        layer) and the neuron is not adaptive. `backward_step` then collapses to the
        linear recurrence dL/du[t] = f'[t]·dL/ds[t] + c[t]·dL/du[t+1] with
        c = β(1 − θf') (subtract) or β(1 − s − u·f') (zero). Pulses and coefficients
        are computed a cache-sized block of steps at a time (whole-run temporaries
        fall out of cache); two passes per step remain."""
        if self.adaptive:
            raise ModelError("backward_through_time needs a non-adaptive neuron; use backward_step")
        beta, theta = self.beta, self.threshold
        grad = np.empty_like(grad_spikes)
        scratch = np.empty(grad_spikes.shape[1:], dtype=grad_spikes.dtype)
        later = None                                   # dL/du[t+1]; nothing after the last step
        for start, stop in reversed(_step_blocks(grad_spikes.shape)):
            pulses = self.surrogate.grad(run.margin[start:stop])
            np.multiply(grad_spikes[start:stop], pulses, out=grad[start:stop])
            if self.reset == "subtract":
                carry = pulses
                carry *= -beta * theta
                carry += beta
            else:
                carry = np.add(run.margin[start:stop], theta)       # u
                carry *= pulses
                carry += run.spikes[start:stop]
                np.subtract(1.0, carry, out=carry)
                carry *= beta
            for t in range(stop - 1, start - 1, -1):
                if later is not None:
                    np.multiply(carry[t - start], later, out=scratch)
                    grad[t] += scratch
                later = grad[t]
        return grad


def _step_blocks(shape: tuple) -> list[tuple[int, int]]:
    """[start, stop) ranges over axis 0 of a (T, batch, n) run, each about
    _BLOCK_ELEMENTS elements so that a block's few temporaries stay in cache."""
    per_step = int(np.prod(shape[1:]))
    size = max(1, _BLOCK_ELEMENTS // per_step)
    return [(start, min(start + size, shape[0])) for start in range(0, shape[0], size)]


# 2^15 float64 = 256 KiB per array; a block touches about five such arrays.
_BLOCK_ELEMENTS = 1 << 15


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
