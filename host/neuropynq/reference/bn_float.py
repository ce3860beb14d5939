"""The float twin of the `bn_sampler` reference (docs/spec.md §6).

Same kernel order, same streams and the same draws as the bit-exact kernel, but
no quantisation: inverse CDF of r / 2^32 against float cumulative sums, exact
likelihood weights, and a Poisson window of mean T · f with f = rate · w / w_max
(exponential intervals: Σ −ln(r / 2^32) against T · f). It measures what the fixed-point formats cost; it is not
bit-exact to anything.
"""
from __future__ import annotations

import numpy as np

from ..errors import EvidenceError
from ..kernels.bn_model import BNCounts
from ..reference.bn_sampler import poisson_window, tally
from ..rng import Streams

CHUNK = 1 << 16
TWO32 = float(1 << 32)


class _FloatModel:
    """Kernel order, parents as kernel indices, float CPT rows (rows, card) and their cumulative sums."""

    def __init__(self, bn, evidence):
        self.order = list(bn.topological_order())
        index = {v: i for i, v in enumerate(self.order)}
        observed = bn.parse_evidence(evidence or {})
        self.cards = np.array([bn.card(v) for v in self.order], dtype=np.int64)
        self.parents = [[index[p] for p in bn.parents[v]] for v in self.order]
        self.strides = [[int(np.prod(self.cards[ps[j + 1:]])) for j in range(len(ps))] for ps in self.parents]
        self.evidence_state = [observed.get(v, -1) for v in self.order]
        self.probs = [np.asarray(bn.cpt[v], dtype=np.float64).reshape(-1, bn.card(v)) for v in self.order]
        self.cumulative = [np.cumsum(probs, axis=1)[:, :-1] for probs in self.probs]
        w_max = 1.0
        for probs, e, v in zip(self.probs, self.evidence_state, self.order):
            if e >= 0:
                if probs[:, e].max() == 0:
                    raise EvidenceError(
                        f"evidence {v}={bn.states[v][e]!r} is impossible under every parent configuration")
                w_max *= probs[:, e].max()
        self.w_max = w_max

    def ancestral(self, streams: Streams, rate: float) -> tuple[np.ndarray, np.ndarray]:
        """States x (V, n) and per-step firing probabilities rate · w / w_max (n,)."""
        n = len(streams)
        x = np.empty((len(self.order), n), dtype=np.int64)
        w = np.ones(n, dtype=np.float64)
        for i, (probs, e) in enumerate(zip(self.probs, self.evidence_state)):
            row = 0
            for p, stride in zip(self.parents[i], self.strides[i]):
                row = row + x[p] * stride
            if e >= 0:
                x[i] = e
                w *= probs[row, e]
                continue
            u = streams.next() / TWO32
            cum = np.atleast_2d(self.cumulative[i][row])
            x[i] = (u[:, None] >= cum).sum(axis=1)
        return x, rate * w / self.w_max


def _neg_ln(r: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -np.log(r / TWO32)


def _check(samples: int, window: int, rate: float) -> None:
    for name, value in (("samples", samples), ("window", window)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0 < rate <= 1:
        raise ValueError(f"rate must be in (0, 1], got {rate!r}")


def _chunks(samples: int):
    for start in range(0, samples, CHUNK):
        yield np.arange(start, min(samples, start + CHUNK), dtype=np.uint64)


def run(bn, evidence, samples: int, window: int, seed: int, rate: float) -> BNCounts:
    """Spike-weighted counts per variable (BN state order) and their total."""
    _check(samples, window, rate)
    model = _FloatModel(bn, evidence)
    counts = np.zeros(int(model.cards.sum()), dtype=np.int64)
    total = 0
    for ids in _chunks(samples):
        streams = Streams(seed, ids)
        x, fire = model.ancestral(streams, rate)
        # Exponential intervals: Σ -ln(r / 2^32) against T·f (r = 0 ends the window).
        n, _ = poisson_window(streams, fire > 0, window * fire, window, _neg_ln)
        counts += tally(x, n, model.cards)
        total += int(n.sum())
    ends = np.cumsum(model.cards)
    return BNCounts(counts={v: counts[end - c:end] for v, c, end in zip(model.order, model.cards, ends)},
                    total=total)


def posterior(bn, evidence, samples: int, window: int, seed: int, rate: float) -> dict[str, np.ndarray]:
    """P̂(X = k | e) for every variable (evidence variables: all mass on the observed state)."""
    return run(bn, evidence, samples, window, seed, rate).posterior()


def draws(bn, evidence, samples: int, seed: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """States (S, V) in kernel order and per-step firing probabilities (S,), for
    `neuropynq.reference.bn_sampler.standard_error`."""
    _check(samples, 1, rate)
    model = _FloatModel(bn, evidence)
    xs, fs = [], []
    for ids in _chunks(samples):
        x, fire = model.ancestral(Streams(seed, ids), rate)
        xs.append(x.T)
        fs.append(fire)
    return np.concatenate(xs), np.concatenate(fs)
