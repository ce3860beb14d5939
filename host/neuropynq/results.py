"""What the `Sampler` returns: a posterior over Bayesian-network variables, and
the samples of a Boltzmann machine."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import LimitError
from .tables import html_table, text_table

TEXT_NEURONS = 12   # neurons a BMSamples repr lists


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
    proposal: str = "prior"   # where the samples came from (neuropynq.proposals)

    def __getitem__(self, var: str) -> dict[str, float]:
        if var not in self.marginals:
            raise KeyError(f"{var!r} is not a query variable of this posterior "
                           f"(query: {', '.join(self.marginals)})")
        return {s: float(p) for s, p in zip(self.states[var], self.marginals[var])}

    def to_dict(self) -> dict[str, dict[str, float]]:
        """{VAR: {STATE: p}}, the CLI's JSON shape."""
        return {v: self[v] for v in self.marginals}

    # Shown as a table: aligned text in a terminal (at most ROWS_TEXT rows), HTML in Jupyter.
    def _caption(self) -> str:
        given = ", ".join(f"{v}={s}" for v, s in self.evidence.items()) or "no evidence"
        return (f"Posterior given {given} ({self.backend} backend, S={self.samples}, "
                f"T={self.window}, seed={self.seed}, {self.total} spikes, {self.seconds:.3f} s)")

    def _rows(self) -> list[list]:
        return [[v if k == 0 else "", s, float(p), int(self.counts[v][k])]
                for v in self.marginals for k, (s, p) in enumerate(zip(self.states[v], self.marginals[v]))]

    _HEADER = ["variable", "state", "P", "spikes"]

    def __repr__(self) -> str:
        return self._caption() + "\n" + text_table(self._HEADER, self._rows(), indent="  ")

    def _repr_html_(self) -> str:
        return html_table(self._HEADER, self._rows(), self._caption(), bars={2: 1.0})


@dataclass
class BMSamples:
    """A Boltzmann-machine run: per-neuron counts, the chain's final state and, if
    recorded, every state."""

    on_counts: np.ndarray
    spike_counts: np.ndarray
    states: np.ndarray | None   # (sweeps, N) uint8, or None when not recorded
    sweeps: int
    backend: str
    seconds: float
    # (N,) uint8 refractory counters ζ at the end of the run (z_k = ζ_k >= 1; a clamped
    # neuron: its value): `Sampler.sample(..., init=final_state)` continues the chain.
    final_state: np.ndarray | None = None

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

    TOP_STATES = 8   # most frequent states a table shows (N <= 20)

    def _caption(self) -> str:
        return (f"Boltzmann machine samples: N={self.n}, {self.sweeps} sweeps, {self.backend} backend, "
                f"{self.seconds:.3f} s")

    def _neuron_rows(self) -> list[list]:
        return [[k, float(m), int(s)] for k, (m, s) in enumerate(zip(self.marginals, self.spike_counts))]

    def _state_rows(self) -> list[list]:
        """The most frequent recorded states (none when not recorded or N > 20)."""
        from .exact.enumeration import ENUMERATION_MAX
        if self.states is None or self.n > ENUMERATION_MAX:
            return []
        top = sorted(self.histogram().items(), key=lambda kv: -kv[1])[:self.TOP_STATES]
        return [[state, count / self.sweeps] for state, count in top]

    def __repr__(self) -> str:
        text = self._caption() + "\n" + text_table(["neuron", "P(z=1)", "spikes"], self._neuron_rows(),
                                                   limit=TEXT_NEURONS, indent="  ")
        states = self._state_rows()
        if states:
            text += "\n  most frequent states (character i = neuron i):\n" + \
                text_table(["state", "frequency"], states, indent="  ")
        return text

    def _repr_html_(self) -> str:
        out = html_table(["neuron", "P(z=1)", "spikes"], self._neuron_rows(), self._caption(), bars={1: 1.0})
        states = self._state_rows()
        if states:
            out += html_table(["state (character i = neuron i)", "frequency"], states,
                              "most frequent states", bars={1: 1.0})
        return out
