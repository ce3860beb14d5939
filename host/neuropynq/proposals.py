"""Importance proposals that know the evidence, encoded in an ordinary kernel model.

Likelihood weighting ("prior") draws every sampled variable from its CPT. EPIS-BN
(Yuan & Druzdzel 2003) draws it from an importance CPT q(x | pa) ∝ p(x | pa)·λ(x),
with λ the evidence messages of loopy belief propagation and an ε-cutoff that keeps
q's tails heavy, and weights each sample by p(x)/q(x)·P(e | x).

The kernel is not changed (so ref, cpu, twin and FPGA stay bit-exact): the host
rewrites the kernel model.

* A variable whose proposal differs from its CPT gets the proposal's thresholds;
  q̂(x | pa) is the mass those integer thresholds realise (every entry with p > 0
  keeps at least one LSB of 2^-16, p = 0 stays 0).
* A weight node right after it (one state, observed, parents pa + [x]) carries the
  factor p(x | pa)/q̂(x | pa) as NL values, so the sample's weight is exactly
  p/q̂·P(e | x) up to the NL quantisation.

The kernel's firing rate is relative to the product of each table's largest factor
(spec §2.2 OFFSET), so a table whose factor ranges widely starves every sample of
spikes. The factors are therefore regrouped with the LBP messages: variable C's
weight node carries p/q̂·λ_C(c) / Π_parents λ_{C→X}(x), and an evidence variable's
own NL table carries P(e | pa) / Π_parents λ_{C→X}(x). Every λ_{C→X} enters once
multiplied (in λ_X, in X's node) and once divided (in C's), so the product over all
tables is exactly Π p/q̂ · Π P(e | pa) whatever the messages are; where the messages
are exact each regrouped factor is constant.

Only the evidence's ancestors (and the evidence) can have a proposal other than the
prior: for every other variable the evidence messages are uniform.
"""
from __future__ import annotations

import numpy as np

from .errors import EvidenceError, ParameterError
from .fixedpoint import CDF_ONE, NL_FRAC_BITS, NL_IMPOSSIBLE, NL_MAX
from .limits import require

PROPOSALS = ("prior", "epis")
DEFAULT_PROPOSAL = "epis"
LBP_ITERATIONS = 50        # sweeps at most (one λ sweep up, one π sweep down)
LBP_TOLERANCE = 1e-7       # ... stopping when no λ message moves more than this
MESSAGE_FLOOR = 1e-9       # messages (max 1) are kept above this: their logs enter the weights
DIFFUSION_SWEEPS = 10      # max-sum diffusion sweeps that tighten the weight bound
WEIGHT_SUFFIX = "#weight"  # name of a weight node: the variable's name + this


def epsilon_cutoff(card: int) -> float:
    """The ε of EPIS-BN's cutoff heuristic, by number of states (Yuan & Druzdzel 2003):
    proposal entries below it are raised to it, so q's tails stay heavier than the
    posterior's and no sample's weight p/q explodes."""
    return 0.006 if card < 5 else 0.001 if card <= 8 else 0.0005


def check_proposal(proposal: str) -> str:
    if proposal not in PROPOSALS:
        raise ParameterError(f"unknown proposal {proposal!r}: choose one of {', '.join(PROPOSALS)}")
    return proposal


def weight_name(variable: str, taken) -> str:
    name = variable + WEIGHT_SUFFIX
    while name in taken:
        name += "#"
    return name


def _normalised(m: np.ndarray) -> np.ndarray:
    """m / max m, floored at MESSAGE_FLOOR; all ones if m is all zero (impossible evidence)."""
    top = m.max()
    if not top > 0:
        return np.ones_like(m)
    return np.maximum(m / top, MESSAGE_FLOOR)


def _contract(tensor: np.ndarray, vectors: list[np.ndarray], keep: int) -> np.ndarray:
    """Σ over every axis but `keep` of tensor · Π_j vectors[j] along axis j."""
    axes = list(range(tensor.ndim))
    operands = [tensor, axes]
    for j, v in enumerate(vectors):
        if j != keep:
            operands += [v, [j]]
    return np.einsum(*operands, [keep])


class LoopyBeliefPropagation:
    """Pearl's messages on the evidence's ancestral graph (the rest is barren: it
    does not change the posterior of these variables), iterated to a fixed point.
    `lam[C][j]` is λ_{C→parent j}; `lam_of(X)` is λ_X = indicator · Π_children λ_{C→X}."""

    def __init__(self, bn, observed: dict[str, int]):
        self.bn, self.observed = bn, observed
        relevant = bn.ancestors(observed)
        self.order = [v for v in bn.topological_order() if v in relevant]
        self.children: dict[str, list[tuple[str, int]]] = {v: [] for v in self.order}
        for c in self.order:
            for j, p in enumerate(bn.parents[c]):
                self.children[p].append((c, j))
        self.indicator = {}
        for v in self.order:
            ind = np.ones(bn.card(v))
            if v in observed:
                ind[:] = 0
                ind[observed[v]] = 1
            self.indicator[v] = ind
        self.pi_in = {c: [np.ones(bn.card(p)) for p in bn.parents[c]] for c in self.order}
        self.lam = {c: [np.ones(bn.card(p)) for p in bn.parents[c]] for c in self.order}
        self.pi = {v: np.ones(bn.card(v)) for v in self.order}
        self.iterations = 0
        for self.iterations in range(1, LBP_ITERATIONS + 1):
            if self._sweep() < LBP_TOLERANCE:
                break

    def lam_of(self, v: str, skip: tuple[str, int] | None = None) -> np.ndarray:
        out = self.indicator[v].copy()
        for c, j in self.children[v]:
            if (c, j) != skip:
                out = out * self.lam[c][j]
        return out

    def _sweep(self) -> float:
        for c in self.order:                       # π messages, parents first
            cpt = self.bn.cpt[c]
            for j, p in enumerate(self.bn.parents[c]):
                self.pi_in[c][j] = _normalised(self.pi[p] * self.lam_of(p, skip=(c, j)))
            self.pi[c] = _normalised(_contract(cpt, self.pi_in[c], cpt.ndim - 1))
        change = 0.0
        for c in reversed(self.order):             # λ messages, children first
            cpt = self.bn.cpt[c]
            if not self.bn.parents[c]:
                continue
            toward = cpt @ self.lam_of(c)          # Σ_c p(c | pa) λ_C(c), over the parents' axes
            for j in range(len(self.bn.parents[c])):
                new = _normalised(_contract(toward, self.pi_in[c], j))
                change = max(change, float(np.abs(new - self.lam[c][j]).max()))
                self.lam[c][j] = new
        return change


def _log2(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log2(x)


def quantised_masses(q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Integer masses m (summing to 2^16 per row, last axis = states) that the kernel's
    thresholds realise for proposal q: at least one LSB wherever p > 0 (so q̂ > 0 and
    p/q̂ is finite), 0 where p = 0 (never drawn)."""
    m = np.floor(q * CDF_ONE).astype(np.int64)
    m[(p > 0) & (m == 0)] = 1
    m[p == 0] = 0
    top = np.argmax(m, axis=-1)[..., None]
    fix = CDF_ONE - m.sum(axis=-1, keepdims=True)
    np.put_along_axis(m, top, np.take_along_axis(m, top, axis=-1) + fix, axis=-1)
    return m


def epis_cpt(p: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """q(x | pa) ∝ p(x | pa)·λ(x), entries with p > 0 raised to ε(card), rows renormalised."""
    q = p * lam
    q = q / q.sum(axis=-1, keepdims=True)
    q = np.where(p > 0, np.maximum(q, epsilon_cutoff(p.shape[-1])), 0.0)
    return q / q.sum(axis=-1, keepdims=True)


class _WeightTable:
    """log2 of one table's weight factor over its scope (variable names, one axis
    each); -inf where the entry never occurs or is never drawn."""

    def __init__(self, scope: list[str], log_weight: np.ndarray):
        self.scope, self.log_weight = scope, log_weight

    def max_marginal(self, axis: int) -> np.ndarray:
        others = tuple(a for a in range(self.log_weight.ndim) if a != axis)
        return self.log_weight.max(axis=others) if others else self.log_weight

    def nl(self) -> np.ndarray:
        """NL values (spec §2.1), flat in row order, scaled so the largest is NL 0: the
        kernel's OFFSET then takes this table's bound as 1. Never-occurring entries
        are NL_IMPOSSIBLE."""
        possible = np.isfinite(self.log_weight)
        out = np.full(self.log_weight.shape, NL_IMPOSSIBLE, dtype=np.int64)
        scaled = np.rint(-(self.log_weight[possible] - self.log_weight[possible].max()) * (1 << NL_FRAC_BITS))
        out[possible] = np.clip(scaled, 0, NL_MAX).astype(np.int64)
        return out.reshape(-1)


def tighten(weight_tables: list[_WeightTable], sweeps: int = DIFFUSION_SWEEPS) -> None:
    """Max-sum diffusion: move functions of one variable between the tables that share
    it so that they agree on its max-marginals. Each move adds g(x) to one table and
    subtracts it from others, so every sample's total weight is unchanged, while the
    sum of the tables' maxima — the log of the kernel's weight bound, whose distance
    from a typical sample's weight sets how seldom it fires — only falls."""
    sharing: dict[str, list[tuple[_WeightTable, int]]] = {}
    for t in weight_tables:
        for axis, v in enumerate(t.scope):
            sharing.setdefault(v, []).append((t, axis))
    shared = {v: ts for v, ts in sharing.items() if len(ts) > 1}
    for _ in range(sweeps):
        for v, ts in shared.items():
            marginals = [t.max_marginal(axis) for t, axis in ts]
            stacked = np.stack(marginals)
            finite = np.isfinite(stacked).all(axis=0)      # an impossible state stays as it is
            mean = np.where(finite, stacked.mean(axis=0, where=np.isfinite(stacked)), 0.0)
            for (t, axis), m in zip(ts, marginals):
                shift = np.where(finite, mean - np.where(finite, m, 0.0), 0.0)
                shape = [1] * t.log_weight.ndim
                shape[axis] = -1
                t.log_weight = t.log_weight + shift.reshape(shape)


def _hint(proposal: str) -> str:
    return (f" with --proposal {proposal} (one weight node per variable the proposal changes); "
            "use --backend cpu, or --proposal prior")


def proposal_model(tables, observed: dict[str, int], proposal: str = DEFAULT_PROPOSAL):
    """The kernel model of `tables`' network with evidence `observed` ({variable:
    state index}) whose samples are drawn from `proposal`: the plain model for
    "prior" (likelihood weighting) or no evidence; otherwise the model rewritten as
    the module docstring says, its weight nodes named `weight_name(variable)`."""
    from .kernels.bn_model import BNKernelModel

    check_proposal(proposal)
    if proposal == "prior" or not observed:
        return tables.model(observed)
    bn, limits = tables.bn, tables.limits
    plain = tables.model(observed)          # the checks of the plain model (impossible evidence, sizes)
    lbp = LoopyBeliefPropagation(bn, observed)
    relevant = set(lbp.order)
    taken = set(bn.variables)
    order, states, cards, parents, evidence_state, chunks = [], [], [], [], [], []
    weights: dict[int, _WeightTable] = {}   # chunk index -> weight factor, NL computed at the end
    new_index: dict[int, int] = {}
    ends = np.append(plain.base[1:], plain.table.size)
    for i, v in enumerate(tables.order):
        new_index[i] = len(order)
        pars = [new_index[j] for j in tables.parents[i]]
        e = int(plain.evidence_state[i])
        order.append(v), states.append(plain.states[i]), cards.append(int(plain.cards[i]))
        parents.append(pars), evidence_state.append(e)
        if v not in relevant:
            chunks.append(plain.table[plain.base[i]:ends[i]])
            continue
        p = np.asarray(bn.cpt[v], dtype=np.float64)
        # Σ over the sampled parents of log2 λ_{v→parent}, broadcast over the table's
        # axes; -inf on rows where an observed parent is not in its observed state.
        divide = np.zeros(p.shape[:-1] + (1,))
        for j, u in enumerate(bn.parents[v]):
            shape = [1] * p.ndim
            shape[j] = -1
            if u in observed:
                divide = divide + np.where(np.arange(bn.card(u)) == observed[u], 0, np.inf).reshape(shape)
            else:
                divide = divide + _log2(lbp.lam[v][j]).reshape(shape)
        scope = list(bn.parents[v])
        if e >= 0:
            weights[len(chunks)] = _WeightTable(scope, (_log2(p[..., e:e + 1]) - divide)[..., 0])
            chunks.append(None)
            continue
        lam = lbp.lam_of(v)
        masses = quantised_masses(epis_cpt(p, lam), p)
        chunks.append(np.cumsum(masses, axis=-1)[..., :-1].reshape(-1))
        with np.errstate(invalid="ignore"):   # p = q̂ = 0: never drawn
            log_weight = _log2(p) - _log2(masses / CDF_ONE) + _log2(lam) - divide
        weights[len(chunks)] = _WeightTable(scope + [v], np.where(masses > 0, log_weight, -np.inf))
        chunks.append(None)
        name = weight_name(v, taken)
        taken.add(name)
        order.append(name), states.append(["weight"]), cards.append(1)
        parents.append(pars + [new_index[i]]), evidence_state.append(0)
    tighten(list(weights.values()))
    for at, table in weights.items():
        chunks[at] = table.nl()
    sizes = np.array([c.size for c in chunks], dtype=np.int64)
    used = int(sizes.sum())
    hint = _hint(proposal)
    require(len(order) <= limits.v_max,
            f"the kernel model has {len(order)} variables{hint}; this kernel build allows at most {limits.v_max}")
    widest = max(len(ps) for ps in parents)
    require(widest <= limits.parents_max,
            f"a weight node has {widest} parents{hint}; this kernel build allows at most {limits.parents_max}")
    require(used <= limits.table_max,
            f"the quantised tables need {used} words{hint}; this kernel build allows at most {limits.table_max}")
    return BNKernelModel(order, states, cards, parents, evidence_state,
                         np.concatenate([[0], np.cumsum(sizes)[:-1]]),
                         np.concatenate(chunks).astype(np.uint32))
