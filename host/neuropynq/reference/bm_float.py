"""The float twin of `bm_sampler` (docs/spec.md §6): the same chain, schedule and
draws as the reference kernel, but unquantised weights and a float64 sigmoid.
A neuron that may fire spikes iff r / 2^32 < σ(u − ln τ). Not bit-exact to anything:
it is the "what the maths says" baseline that shows what quantisation costs.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from ..colouring import greedy_colouring
from ..kernels.bm_model import BMCounts, clamp_arrays
from ..limits import require
from .bm_sampler import run_chain

DRAW_SCALE = float(1 << 32)   # r / 2^32 < p  ⇔  r < p · 2^32 (compared exactly)


class SigmoidRule:
    """Fire iff r < 2^32 · σ(u − ln τ), with full 32-bit draws."""

    draw_shift = 0

    def __init__(self, tau: int) -> None:
        self.ln_tau = math.log(tau)

    def level(self, u: float) -> float:
        x = u - self.ln_tau
        if x >= 0:
            return DRAW_SCALE / (1.0 + math.exp(-x))
        e = math.exp(x)     # this form cannot overflow for very negative x
        return DRAW_SCALE * e / (1.0 + e)

    def levels(self, u: np.ndarray) -> np.ndarray:
        return DRAW_SCALE * expit(u - self.ln_tau)


def _require_count(name: str, value, low: int) -> int:
    require(isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low,
            f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def sample(bm, sweeps: int, burn_in: int, thin: int, tau: int, seed: int,
           clamp: dict[int, int] | None = None, record: bool = True) -> BMCounts:
    """Float-arithmetic neural sampling of `bm` with the reference kernel's draws: the
    colouring of the non-zero pattern of W, stream k for neuron k, clamped neurons drawing nothing."""
    sweeps = _require_count("sweeps", sweeps, 1)
    burn_in = _require_count("burn_in", burn_in, 0)
    thin = _require_count("thin", thin, 1)
    tau = _require_count("tau", tau, 1)
    seed = _require_count("seed", seed, 0)
    require(seed < 1 << 64, f"seed must be a 64-bit unsigned integer, got {seed}")
    mask, value = clamp_arrays(bm.n, clamp)
    order, colour_end = greedy_colouring(bm.W)
    W = np.asarray(bm.W, dtype=np.float64)
    b = np.asarray(bm.b, dtype=np.float64)
    return run_chain(W, b, order, colour_end, mask, value, SigmoidRule(tau), sweeps, burn_in,
                     thin, tau, seed, record)
