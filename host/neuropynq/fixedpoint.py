"""Fixed-point formats of docs/spec.md (§2.1, §3.1) and the integer arithmetic
that uses them. Quantisers take float arrays and return the integers the
kernels see; rounding is round-half-even everywhere (numpy's `rint`).
"""
from __future__ import annotations

import numpy as np

from .luts import EXP2_LUT, LNTAU_LUT, LOG2M_LUT, SIGMOID_LUT

CDF_ONE = 1 << 16          # thresholds are UQ0.16 with 65536 representable (17 bits)
NL_FRAC_BITS = 10          # negative log2-weights: UQ6.10
NL_IMPOSSIBLE = 0xFFFF     # P(e | row) = 0
NL_MAX = 0xFFFE
WEIGHT_FRAC_BITS = 10      # Boltzmann weights and biases: signed Q5.10 in 16 bits
WEIGHT_MIN, WEIGHT_MAX = -(1 << 15), (1 << 15) - 1
FIRE_BITS = 24             # firing thresholds and sigmoid values: UQ0.24
LOG2E_Q16 = 94548          # round(2^16 * log2(e)): the Poisson window's Λ is T*f in log2 units, Q16


def cdf_thresholds(probs: np.ndarray) -> np.ndarray:
    """Thresholds C[..., k] = round(65536 * cumsum(p)[k]) for k < card-1 (§2.1).

    `probs` has the states on its last axis; returns int64 of shape (..., card-1).
    """
    probs = np.asarray(probs, dtype=np.float64)
    cum = np.cumsum(probs, axis=-1)[..., :-1]
    return np.clip(np.rint(cum * CDF_ONE), 0, CDF_ONE).astype(np.int64)


def neg_log2_weight(p: np.ndarray) -> np.ndarray:
    """NL = round(-1024 * log2 p), saturated at 65534; 65535 for p = 0 (§2.1)."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, NL_IMPOSSIBLE, dtype=np.int64)
    pos = p > 0
    with np.errstate(divide="ignore"):
        nl = np.rint(-np.log2(p[pos]) * (1 << NL_FRAC_BITS))
    out[pos] = np.clip(nl, 0, NL_MAX).astype(np.int64)
    return out


def firing_threshold(d: np.ndarray, rmax: int) -> np.ndarray:
    """F = (RMAX * EXP2_LUT[d & 1023]) >> (15 + (d >> 10)), 0 when d >> 10 >= 24 (§2.2)."""
    d = np.asarray(d, dtype=np.int64)
    shift = d >> NL_FRAC_BITS
    frac = d & ((1 << NL_FRAC_BITS) - 1)
    live = shift < FIRE_BITS
    prod = np.int64(rmax) * EXP2_LUT[frac]
    f = prod >> (15 + np.minimum(shift, FIRE_BITS))
    return np.where(live, f, 0).astype(np.int64)


def poisson_bound(fire: np.ndarray, window: int) -> np.ndarray:
    """Λ = (F * T * LOG2E_Q16) >> 24, the Q16 log2-unit mean spike count T*f*log2(e) (§2.2 step 4)."""
    f = np.asarray(fire, dtype=np.int64)
    # F < 2^24 and T * LOG2E_Q16 < 2^37: split F so every product stays within int64.
    tk = np.int64(window) * LOG2E_Q16
    return ((f >> 12) * tk + (((f & 0xFFF) * tk) >> 12)) >> 12


def neg_log2(r: np.ndarray) -> np.ndarray:
    """NEGLOG2(r) = ((lz + 1) << 16) - LOG2M_LUT[m], Q16 of -log2(r / 2^32) (§2.2 step 4):
    lz the leading zeros of the 32-bit r (32 for r = 0), m bits [31:24] of
    (r << (lz + 1)) mod 2^32 (0 when lz >= 31)."""
    r = np.asarray(r, dtype=np.uint64)
    # frexp's exponent is the bit length, exactly: float64 holds every 32-bit integer.
    lz = 32 - np.frexp(r.astype(np.float64))[1].astype(np.int64)
    shifted = (r << (lz + 1).astype(np.uint64)) & np.uint64(0xFFFFFFFF)
    m = (shifted >> np.uint64(24)).astype(np.int64)
    return ((lz + 1) << 16) - LOG2M_LUT[m]


def quantise_weights(x: np.ndarray) -> np.ndarray:
    """Signed Q5.10: round(1024 * x); raises ValueError naming the first entry out of range."""
    x = np.asarray(x, dtype=np.float64)
    q = np.rint(x * (1 << WEIGHT_FRAC_BITS))
    bad = (q < WEIGHT_MIN) | (q > WEIGHT_MAX)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"value {x[idx]:g} at index {idx} is outside the kernel's Q5.10 range [-32, 32)")
    return q.astype(np.int64)


def spike_probability_index(u: np.ndarray, tau: int) -> np.ndarray:
    """Sigmoid LUT index clamp(((u - LNTAU[tau]) >> 4) + 512, 0, 1023) (§3.2)."""
    v = np.asarray(u, dtype=np.int64) - LNTAU_LUT[tau]
    return np.clip((v >> 4) + 512, 0, SIGMOID_LUT.size - 1)
