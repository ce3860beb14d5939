"""Discrete Bayesian network: structure, validated CPTs, evidence parsing.

`cpt[v]` has shape `tuple(card(p) for p in parents[v]) + (card(v),)`: one axis
per parent in the order of `parents[v]` (the BIF `|` list), the states of v last.
The arrays are stored read-only so a validated network stays valid.
"""
from __future__ import annotations

import heapq
from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import EvidenceError, ModelError
from . import bif

ROW_SUM_TOLERANCE = 1e-6


class BayesNet:
    def __init__(self, variables: list[str], states: dict[str, list[str]], parents: dict[str, list[str]],
                 cpts: dict[str, np.ndarray], name: str = "unknown", normalise: bool = False):
        self.name = str(name)
        self.variables = list(variables)
        self._check_variables(states)
        self.states = {v: list(states[v]) for v in self.variables}
        self._index = {v: {s: k for k, s in enumerate(self.states[v])} for v in self.variables}
        self.parents = self._check_parents(parents)
        for v in cpts:
            if v not in self._index:
                raise ModelError(f"CPT given for unknown variable {v!r}")
        self.cpt = {v: self._check_cpt(v, cpts, normalise) for v in self.variables}
        self._order = self._kahn_order()

    # ----------------------------------------------------------------- validation
    def _check_variables(self, states: dict[str, list[str]]) -> None:
        seen: set[str] = set()
        for v in self.variables:
            if not isinstance(v, str) or not v:
                raise ModelError(f"variable names must be non-empty strings, got {v!r}")
            if v in seen:
                raise ModelError(f"duplicate variable {v!r}")
            seen.add(v)
            if v not in states:
                raise ModelError(f"variable {v!r} has no list of states")
            names = list(states[v])
            if not names:
                raise ModelError(f"variable {v!r} has no states")
            for s in names:
                if not isinstance(s, str) or not s:
                    raise ModelError(f"states of {v!r} must be non-empty strings, got {s!r}")
            duplicates = sorted(s for s, n in Counter(names).items() if n > 1)   # linear: lists may be long
            if duplicates:
                raise ModelError(f"variable {v!r} has duplicate states: {', '.join(duplicates)}")
        for v in states:
            if v not in seen:
                raise ModelError(f"states given for unknown variable {v!r}")

    def _check_parents(self, parents: dict[str, list[str]]) -> dict[str, list[str]]:
        for v in parents:
            if v not in self._index:
                raise ModelError(f"parents given for unknown variable {v!r}")
        checked = {}
        for v in self.variables:
            ps = list(parents.get(v, []))
            for p in ps:
                if p not in self._index:
                    raise ModelError(f"parent {p!r} of {v!r} is not a variable of the network")
                if p == v:
                    raise ModelError(f"variable {v!r} is its own parent")
            if len(set(ps)) != len(ps):
                raise ModelError(f"variable {v!r} lists a parent twice: {', '.join(ps)}")
            checked[v] = ps
        return checked

    def _row_name(self, v: str, index: tuple[int, ...]) -> str:
        if not self.parents[v]:
            return f"the table of {v!r}"
        config = ", ".join(f"{p}={self.states[p][i]}" for p, i in zip(self.parents[v], index))
        return f"row ({config}) of {v!r}"

    def _check_cpt(self, v: str, cpts: dict[str, np.ndarray], normalise: bool) -> np.ndarray:
        if v not in cpts:
            raise ModelError(f"variable {v!r} has no CPT")
        try:
            cpt = np.array(cpts[v], dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ModelError(f"CPT of {v!r} is not an array of numbers: {error}") from None
        shape = tuple(self.card(p) for p in self.parents[v]) + (self.card(v),)
        if cpt.shape != shape:
            axes = ", ".join([*self.parents[v], v])
            raise ModelError(f"CPT of {v!r} has shape {cpt.shape}, expected {shape} (axes {axes})")
        # Vectorised checks; the loop only runs to name the first offending row.
        totals = cpt.sum(axis=-1)
        problems = [
            (~np.isfinite(cpt).all(axis=-1), "has a non-finite entry"),
            ((cpt < 0).any(axis=-1), "has a negative entry"),
        ]
        if normalise:
            problems.append((totals == 0, "is all zeros and cannot be normalised"))
        else:
            problems.append((np.abs(totals - 1.0) > ROW_SUM_TOLERANCE,
                             f"does not sum to 1 (tolerance {ROW_SUM_TOLERANCE}; "
                             f"pass normalise=True to rescale)"))
        for bad, problem in problems:
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ModelError(f"{self._row_name(v, index)} {problem}: {cpt[index].tolist()}, "
                                 f"sum {float(totals[index])!r}")
        if normalise:
            cpt /= totals[..., None]
        cpt.flags.writeable = False
        return cpt

    def _kahn_order(self) -> list[str]:
        position = {v: i for i, v in enumerate(self.variables)}
        waiting = {v: len(self.parents[v]) for v in self.variables}
        children: dict[str, list[str]] = {v: [] for v in self.variables}
        for v in self.variables:
            for p in self.parents[v]:
                children[p].append(v)
        ready = [position[v] for v in self.variables if waiting[v] == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            v = self.variables[heapq.heappop(ready)]
            order.append(v)
            for c in children[v]:
                waiting[c] -= 1
                if waiting[c] == 0:
                    heapq.heappush(ready, position[c])
        if len(order) < len(self.variables):
            raise ModelError(f"the network has a cycle: {' -> '.join(self._find_cycle(set(order)))}")
        return order

    def _find_cycle(self, placed: set[str]) -> list[str]:
        """Every unplaced variable has an unplaced parent; following those must repeat."""
        v = next(v for v in self.variables if v not in placed)
        path: list[str] = []
        while v not in path:
            path.append(v)
            v = next(p for p in self.parents[v] if p not in placed)
        cycle = path[path.index(v):]
        cycle.reverse()   # parent -> child direction
        return cycle + [cycle[0]]

    # ----------------------------------------------------------------- queries
    def card(self, v: str) -> int:
        if v not in self._index:
            raise ModelError(f"unknown variable {v!r}")
        return len(self.states[v])

    def topological_order(self) -> list[str]:
        """Kahn's algorithm taking, among ready variables, the earliest in `variables` (spec §2.1)."""
        return list(self._order)

    def ancestors(self, variables) -> set[str]:
        """The given variables and all their ancestors."""
        found: set[str] = set()
        stack = list(variables)
        while stack:
            v = stack.pop()
            if v not in found:
                found.add(v)
                stack.extend(self.parents[v])
        return found

    def state_index(self, v: str, state: str | int) -> int:
        if v not in self._index:
            raise EvidenceError(f"unknown variable {v!r}")
        if isinstance(state, str):
            if state not in self._index[v]:
                raise EvidenceError(f"{state!r} is not a state of {v!r} (states: {', '.join(self.states[v])})")
            return self._index[v][state]
        if isinstance(state, (int, np.integer)) and not isinstance(state, (bool, np.bool_)):
            if not 0 <= state < self.card(v):
                raise EvidenceError(f"state index {int(state)} of {v!r} is out of range 0..{self.card(v) - 1}")
            return int(state)
        raise EvidenceError(f"state of {v!r} must be a state name or an integer index, got {state!r}")

    def parse_evidence(self, evidence: dict | None) -> dict[str, int]:
        """Evidence {variable: state name or index} as {variable: state index}."""
        if evidence is None:
            return {}
        if not isinstance(evidence, dict):
            raise EvidenceError(f"evidence must be a dict of variable -> state, got {type(evidence).__name__}")
        return {v: self.state_index(v, s) for v, s in evidence.items()}

    def n_parameters(self) -> int:
        """Number of free parameters: Σ_v rows(v)·(card(v) − 1)."""
        return sum(int(np.prod(self.cpt[v].shape[:-1], dtype=np.int64)) * (self.card(v) - 1)
                   for v in self.variables)

    # ----------------------------------------------------------------- BIF
    @classmethod
    def from_bif(cls, path_or_text, normalise: bool = False) -> "BayesNet":
        """Read a BIF file (str or Path) or BIF text (a str containing '{')."""
        if isinstance(path_or_text, str) and "{" in path_or_text:
            text = path_or_text
        else:
            text = bif.read_bif_file(Path(path_or_text))
        content = bif.parse_bif(text)
        return cls(content.variables, content.states, content.parents, content.cpts,
                   name=content.name, normalise=normalise)

    def to_bif(self) -> str:
        return bif.format_bif(self)

    def save_bif(self, path) -> None:
        Path(path).write_text(self.to_bif())

    def __repr__(self) -> str:
        edges = sum(len(ps) for ps in self.parents.values())
        return f"BayesNet({self.name!r}, {len(self.variables)} variables, {edges} edges)"
