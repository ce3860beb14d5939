"""Exact inference on Bayesian networks by variable elimination.

For each query the network is first cut down to what can matter:
* barren nodes go — only ancestors of the query and evidence variables enter;
* evidence is instantiated, i.e. each CPT is sliced at the observed states, so
  evidence variables leave every factor;
* for a posterior, only the factors connected to the query variable (through
  shared non-evidence variables) are kept; the rest is a constant that the
  normalisation removes. `P(e)` is computed once, over all ancestors of the
  evidence, so that zero-probability evidence is always detected.
Variables are then summed out in greedy min-fill order (ties: smallest product
of cardinalities, then network order). Each intermediate factor is rescaled to
max 1 and the scale kept as a log, so `P(e)` does not underflow.
Products of many factors (a node with dozens of observed children) are contracted
in groups, since numpy's einsum takes a bounded number of operands; a factor
beyond FACTOR_ENTRIES_MAX entries is refused before it is built.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import EvidenceError, LimitError
from ..models.bayesnet import BayesNet

_Factor = tuple[tuple[str, ...], np.ndarray]   # (scope, table with one axis per scope variable)

EINSUM_OPERANDS_MAX = 16        # numpy allows 32 (1.x) or 64 (2.x) einsum operands
FACTOR_ENTRIES_MAX = 1 << 25    # 256 MiB of float64


def _normalised_cpts(bn: BayesNet) -> dict[str, np.ndarray]:
    """CPTs with rows rescaled to sum to exactly 1.

    BIF rows may be off by up to 1e-6; without this, dropping a barren node
    (which assumes its rows sum to 1) would shift answers by that much, so the
    result would depend on the pruning. With it, the answer is exact for the
    distribution the network defines once its rows are made proper.
    """
    return {v: bn.cpt[v] / bn.cpt[v].sum(axis=-1, keepdims=True) for v in bn.variables}


def _evidence_factors(bn: BayesNet, cpts: dict[str, np.ndarray], variables: set[str],
                      evidence: dict[str, int]) -> list[_Factor]:
    """CPTs of `variables`, sliced at the evidence states."""
    factors = []
    for v in bn.variables:
        if v not in variables:
            continue
        scope = (*bn.parents[v], v)
        index = tuple(evidence.get(u, slice(None)) for u in scope)
        factors.append((tuple(u for u in scope if u not in evidence), cpts[v][index]))
    return factors


def _component(factors: list[_Factor], start: str) -> list[_Factor]:
    """The factors linked to `start` through shared variables."""
    reached, frontier, kept = {start}, [start], []
    remaining = list(factors)
    while frontier:
        frontier = []
        rest = []
        for scope, table in remaining:
            if reached.intersection(scope):
                kept.append((scope, table))
                frontier.extend(u for u in scope if u not in reached)
                reached.update(scope)
            else:
                rest.append((scope, table))
        remaining = rest
    return kept


def _min_fill_order(factors: list[_Factor], eliminate: set[str], bn: BayesNet) -> list[str]:
    neighbours: dict[str, set[str]] = {}
    for scope, _ in factors:
        for u in scope:
            neighbours.setdefault(u, set()).update(w for w in scope if w != u)
    position = {v: i for i, v in enumerate(bn.variables)}

    def score(v: str) -> tuple[int, int, int]:
        near = list(neighbours[v])
        fill = sum(1 for i, a in enumerate(near) for b in near[i + 1:] if b not in neighbours[a])
        weight = math.prod(bn.card(u) for u in near)
        return fill, weight, position[v]

    scores = {v: score(v) for v in eliminate if v in neighbours}
    order = []
    while scores:
        v = min(scores, key=scores.__getitem__)
        del scores[v]
        order.append(v)
        near = neighbours.pop(v)
        for a in near:
            neighbours[a].discard(v)
            neighbours[a].update(b for b in near if b != a)
        # Fill counts change only for v's neighbours and the nodes next to them.
        touched = set(near).union(*(neighbours[a] for a in near))
        for u in touched:
            if u in scores:
                scores[u] = score(u)
    return order


def _contract(factors: list[_Factor], scope: tuple[str, ...]) -> np.ndarray:
    """The product of `factors`, summed down to `scope`. Beyond EINSUM_OPERANDS_MAX
    factors, groups are first multiplied into their joint scopes (a subset of the
    summed variables and `scope`)."""
    while len(factors) > EINSUM_OPERANDS_MAX:
        group, factors = factors[:EINSUM_OPERANDS_MAX], factors[EINSUM_OPERANDS_MAX:]
        joint = tuple(dict.fromkeys(u for s, _ in group for u in s))
        factors.append((joint, _contract(group, joint)))
    size = {u: n for s, table in factors for u, n in zip(s, table.shape)}
    entries = math.prod(size[u] for u in scope)
    if entries > FACTOR_ENTRIES_MAX:
        raise LimitError(f"exact inference would build a table of {entries} entries over "
                         f"{len(scope)} variables; at most {FACTOR_ENTRIES_MAX} are supported")
    axis = {u: i for i, u in enumerate(size)}
    operands = []
    for s, table in factors:
        operands += [table, [axis[u] for u in s]]
    return np.einsum(*operands, [axis[u] for u in scope])


def _eliminate(factors: list[_Factor], order: list[str]) -> tuple[list[_Factor], float]:
    """Sum out `order` one variable at a time; returns the remaining factors and a log scale."""
    log_scale = 0.0
    for v in order:
        bucket = [f for f in factors if v in f[0]]
        factors = [f for f in factors if v not in f[0]]
        scope = tuple(dict.fromkeys(u for s, _ in bucket for u in s if u != v))
        table = _contract(bucket, scope)
        peak = table.max()
        if peak > 0:
            table = table / peak
            log_scale += math.log(peak)
        factors.append((scope, table))
    return factors, log_scale


def _log_probability_of_evidence(bn: BayesNet, cpts: dict[str, np.ndarray], evidence: dict[str, int]) -> float:
    if not evidence:
        return 0.0
    factors = _evidence_factors(bn, cpts, bn.ancestors(evidence), evidence)
    free = {u for scope, _ in factors for u in scope}
    remaining, log_scale = _eliminate(factors, _min_fill_order(factors, free, bn))
    # Summed as logs: a product of many small constants would underflow to a false zero.
    values = [float(table) for _, table in remaining]
    if min(values, default=1.0) == 0.0:
        return -math.inf
    return log_scale + sum(math.log(value) for value in values)


def _describe(bn: BayesNet, evidence: dict[str, int]) -> str:
    return ", ".join(f"{v}={bn.states[v][k]}" for v, k in evidence.items())


def probability_of_evidence(bn: BayesNet, evidence) -> float:
    """P(e) for evidence {variable: state name or index}; 1.0 for no evidence."""
    return math.exp(_log_probability_of_evidence(bn, _normalised_cpts(bn), bn.parse_evidence(evidence)))


def posterior_marginals(bn: BayesNet, evidence: dict | None = None,
                        query: list[str] | None = None) -> dict[str, np.ndarray]:
    """P(X | e) for each query variable (default: every non-evidence variable, network order).

    An evidence variable in `query` gets all its mass on the observed state.
    Raises EvidenceError when P(e) = 0.
    """
    evidence = bn.parse_evidence(evidence)
    if query is None:
        query = [v for v in bn.variables if v not in evidence]
    for q in query:
        if q not in bn.states:
            raise EvidenceError(f"unknown query variable {q!r}")
    cpts = _normalised_cpts(bn)
    if _log_probability_of_evidence(bn, cpts, evidence) == -math.inf:
        raise EvidenceError(f"evidence has probability zero: {_describe(bn, evidence)}")
    marginals = {}
    for q in query:
        if q in evidence:
            marginals[q] = np.eye(bn.card(q))[evidence[q]]
            continue
        factors = _component(_evidence_factors(bn, cpts, bn.ancestors([q, *evidence]), evidence), q)
        free = {u for scope, _ in factors for u in scope} - {q}
        remaining, _ = _eliminate(factors, _min_fill_order(factors, free, bn))
        unnormalised = _contract(remaining, (q,))
        marginals[q] = unnormalised / unnormalised.sum()
    return marginals
