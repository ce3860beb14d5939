"""Exact distributions of small Boltzmann machines by enumerating all 2^N states.

State index convention (used by every function here): state s has z_i = bit i of
s, i.e. s = Σ z_i 2^i. This is the yardstick for `bm_sampler` (docs/spec.md §3).
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ..errors import EvidenceError, LimitError, ModelError
from ..models.boltzmann import BoltzmannMachine

ENUMERATION_MAX = 20
NORMALISATION_ATOL = 1e-9


def _require_enumerable(n: int) -> None:
    if n > ENUMERATION_MAX:
        raise LimitError(f"exact enumeration needs N <= {ENUMERATION_MAX} neurons, got N = {n}")


def all_states(n) -> np.ndarray:
    """All 2^n binary states as a (2^n, n) uint8 array; row s has z_i = bit i of s."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ModelError(f"n must be a non-negative integer, got {n!r}")
    _require_enumerable(n)
    index = np.arange(1 << n, dtype=np.uint32)
    states = np.empty((1 << n, n), dtype=np.uint8)
    for i in range(n):
        states[:, i] = (index >> i) & 1
    return states


def _log_weights(bm: BoltzmannMachine) -> np.ndarray:
    """log of the unnormalised probability bᵀz + ½ zᵀWz for every state index.

    Built by doubling: the states with neuron k on are the states of neurons
    0…k−1 shifted by 2^k, and turning k on adds b_k + Σ_{i<k} W[k,i] z_i. Cost
    O(2^N) and no (2^N, N) temporaries, so N = 20 stays cheap.
    """
    log_w = np.zeros(1)
    for k in range(bm.n):
        coupling = np.zeros(1)
        for i in range(k):
            coupling = np.concatenate((coupling, coupling + bm.W[k, i]))
        log_w = np.concatenate((log_w, log_w + bm.b[k] + coupling))
    return log_w


def _check_clamp(clamp: dict | None, n: int) -> dict[int, int]:
    if clamp is None:
        return {}
    if not isinstance(clamp, dict):
        raise EvidenceError(f"clamp must be a dict {{neuron: 0 or 1}}, got {type(clamp).__name__}")
    checked = {}
    for neuron, value in clamp.items():
        if not isinstance(neuron, (int, np.integer)) or isinstance(neuron, bool) or not 0 <= neuron < n:
            raise EvidenceError(f"clamped neuron {neuron!r} is not an index in 0..{n - 1}")
        if not isinstance(value, (int, np.integer)) or value not in (0, 1):
            raise EvidenceError(f"neuron {neuron} is clamped to {value!r}; a clamp value must be 0 or 1")
        checked[int(neuron)] = int(value)
    return checked


def joint(bm: BoltzmannMachine, clamp: dict[int, int] | None = None) -> np.ndarray:
    """p(z) for every state index, shape (2^N,). With `clamp` {neuron: value}, the
    distribution conditioned on those neurons (probability 0 for every other state)."""
    _require_enumerable(bm.n)
    fixed = _check_clamp(clamp, bm.n)
    log_w = _log_weights(bm)
    if fixed:
        index = np.arange(1 << bm.n, dtype=np.uint32)
        consistent = np.ones(index.size, dtype=bool)
        for neuron, value in fixed.items():
            consistent &= ((index >> neuron) & 1) == value
        log_w = np.where(consistent, log_w, -np.inf)
    return np.exp(log_w - logsumexp(log_w))


def marginals(bm: BoltzmannMachine, clamp: dict[int, int] | None = None) -> np.ndarray:
    """P(z_k = 1) for each neuron k (under the clamp, if any; clamped neurons give 0 or 1)."""
    p = joint(bm, clamp)
    # Viewed as (2^(N−1−k), 2, 2^k), the middle axis is bit k of the state index.
    return np.array([p.reshape(-1, 2, 1 << k)[:, 1, :].sum() for k in range(bm.n)])


def _check_distribution(p, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ModelError(f"{name} must be a non-empty 1-d distribution, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ModelError(f"{name} has negative or non-finite entries")
    if abs(p.sum() - 1.0) > NORMALISATION_ATOL:
        raise ModelError(f"{name} sums to {p.sum()!r}, not 1")
    return p


def kl_divergence(p_empirical, q_exact) -> float:
    """KL(p‖q) in nats, with 0·log 0 = 0; +inf if q = 0 where p > 0.
    Both are distributions over the same states, each summing to 1 (within 1e-9)."""
    p = _check_distribution(p_empirical, "p_empirical")
    q = _check_distribution(q_exact, "q_exact")
    if p.shape != q.shape:
        raise ModelError(f"distributions differ in length: {p.size} vs {q.size}")
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    kl = float(np.sum(p[support] * (np.log(p[support]) - np.log(q[support]))))
    # Rounding can leave a tiny negative value for p = q; KL itself is never negative.
    return max(kl, 0.0)


def histogram_to_distribution(states: np.ndarray) -> np.ndarray:
    """Empirical distribution over the 2^N state indices of a (samples, N) 0/1 array."""
    states = np.asarray(states)
    if states.ndim != 2 or states.shape[0] == 0:
        raise ModelError(f"states must be a (samples, N) array with samples >= 1, got shape {states.shape}")
    _require_enumerable(states.shape[1])
    if not np.all((states == 0) | (states == 1)):
        raise ModelError("states must be binary (0/1)")
    index = states.astype(np.int64) @ (np.int64(1) << np.arange(states.shape[1], dtype=np.int64))
    counts = np.bincount(index, minlength=1 << states.shape[1])
    return counts / states.shape[0]
