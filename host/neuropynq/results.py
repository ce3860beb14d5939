"""What the `Sampler` returns: a posterior over Bayesian-network variables, and
the samples of a Boltzmann machine."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import LimitError


@dataclass
class Posterior:
    """P̂(X | e) for the query variables, with the spike counts it was read from.

    `marginals[v][k]` = `counts[v][k] / total` (docs/spec.md §2.3).
    """

    marginals: dict[str, np.ndarray]
    states: dict[str, list[str]]
    counts: dict[str, np.ndarray]
    total: int
    samples: int
    window: int
    seed: int
    backend: str
    seconds: float
    evidence: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, var: str) -> dict[str, float]:
        if var not in self.marginals:
            raise KeyError(f"{var!r} is not a query variable of this posterior "
                           f"(query: {', '.join(self.marginals)})")
        return {s: float(p) for s, p in zip(self.states[var], self.marginals[var])}

    def to_dict(self) -> dict[str, dict[str, float]]:
        """{VAR: {STATE: p}}, the CLI's JSON shape."""
        return {v: self[v] for v in self.marginals}

    def __repr__(self) -> str:
        given = ", ".join(f"{v}={s}" for v, s in self.evidence.items()) or "no evidence"
        lines = [f"Posterior given {given} ({self.backend} backend, S={self.samples}, "
                 f"T={self.window}, seed={self.seed}, {self.total} spikes, {self.seconds:.3f} s)"]
        for v in self.marginals:
            cells = "  ".join(f"{s}={p:.4f}" for s, p in self[v].items())
            lines.append(f"  {v}: {cells}")
        return "\n".join(lines)


@dataclass
class BMSamples:
    """A Boltzmann-machine run: per-neuron counts and, if recorded, every state."""

    on_counts: np.ndarray
    spike_counts: np.ndarray
    states: np.ndarray | None   # (sweeps, N) uint8, or None when not recorded
    sweeps: int
    backend: str
    seconds: float

    @property
    def n(self) -> int:
        return int(self.on_counts.size)

    @property
    def marginals(self) -> np.ndarray:
        """P̂(z_k = 1): the fraction of recorded states with neuron k on."""
        return self.on_counts / self.sweeps

    def distribution(self) -> np.ndarray:
        """Empirical distribution over the 2^N states, index Σ z_i 2^i."""
        from .exact.enumeration import ENUMERATION_MAX, histogram_to_distribution
        self._require_states("distribution()")
        if self.n > ENUMERATION_MAX:
            raise LimitError(f"distribution() needs N <= {ENUMERATION_MAX}; this machine has N = {self.n}")
        return histogram_to_distribution(self.states)

    def histogram(self) -> dict[str, int]:
        """{"0101…": count} over the recorded states, character i = neuron i, sorted by key."""
        self._require_states("histogram()")
        packed = np.packbits(self.states.astype(np.uint8), axis=1, bitorder="little")
        rows, counts = np.unique(packed, axis=0, return_counts=True)
        bits = np.unpackbits(rows, axis=1, count=self.n, bitorder="little")
        keys = ["".join("1" if b else "0" for b in row) for row in bits]
        return dict(sorted(zip(keys, (int(c) for c in counts))))

    def _require_states(self, what: str) -> None:
        if self.states is None:
            raise ValueError(f"{what} needs the recorded states: sample with record=True")

    def __repr__(self) -> str:
        marg = np.array2string(self.marginals, precision=3, max_line_width=100)
        return (f"BMSamples(N={self.n}, sweeps={self.sweeps}, {self.backend} backend, "
                f"{self.seconds:.3f} s, marginals={marg})")
