"""Importance proposals that know the evidence, encoded in an ordinary kernel model.

Likelihood weighting ("prior") draws every sampled variable from its CPT. EPIS-BN
(Yuan & Druzdzel 2003) draws it from an importance CPT q(x | pa) ∝ p(x | pa)·λ(x),
with λ the evidence messages of loopy belief propagation and an ε-cutoff that keeps
q's tails heavy, and weights each sample by p(x)/q(x)·P(e | x). "auto" runs whichever
of the two a short pilot on the host predicts the smaller error for.

The kernel is not changed (so ref, cpu, twin and FPGA stay bit-exact): the host
rewrites the kernel model.

* A variable whose proposal differs from its CPT gets the proposal's thresholds;
  q̂(x | pa) is the mass those integer thresholds realise (every entry with p > 0
  keeps at least one LSB of 2^-16, p = 0 stays 0).
* A weight node right after it (one state, observed, parents = the proposal table's
  parents + [x]) carries the factor p(x | pa)/q̂(x | ...) as NL values, so the sample's
  weight is exactly p/q̂·P(e | x) up to the NL quantisation.

The kernel fires a sample at a rate relative to the product of every table's largest
factor (spec §2.2 OFFSET), so tables whose factors range widely starve every sample of
spikes (and past 2^-24 kill it). Three things keep that bound near a typical sample's
weight; none changes any sample's total weight:

* The factors are regrouped with the messages: C's weight node carries
  p/q̂·λ_C(c) / Π_parents μ_{C→X}, an evidence variable's own NL table
  P(e | pa) / Π_parents μ_{C→X}. Each message μ enters once multiplied (in λ_X, in X's
  node) and once divided (in C's), so the product over all tables is unchanged
  whatever the messages are; where they are exact each regrouped factor is constant.
* A family's messages to its sampled parents are conditioned on the earlier of them
  (`_Family`), so the proposal draws a parent knowing its co-parents (explaining away)
  and the family's factor stays near constant; the extra proposal-table parents are
  bounded by CONDITIONED_TABLE_MAX and the build's PARENTS_MAX.
* Max-sum diffusion (`tighten`) moves functions of shared variables between tables
  to lower the sum of their maxima.

Only the evidence's ancestors (and the evidence) can have a proposal other than the
prior: for every other variable the evidence messages are uniform. Where a pilot finds
rewriting all of them poor, only the nearest generations are rewritten (`epis_model`). A state that a
message rules out exactly (0) is never drawn, and table entries only such states reach
leave the bound: zeros of belief propagation are sound (the evidence is impossible
with that state), so no sample of positive weight is lost.
"""
from __future__ import annotations

import math

import numpy as np

from .errors import EvidenceError, LimitError, ParameterError
from .fixedpoint import CDF_ONE, NL_FRAC_BITS, NL_IMPOSSIBLE, NL_MAX
from .limits import require
from .rng import shifted_seed

PROPOSALS = ("auto", "prior", "epis")
DEFAULT_PROPOSAL = "auto"
PILOT_SAMPLES = 1024       # host draws per candidate when "auto" chooses
PILOT_FIRST_STREAM = 1 << 32   # the pilot's streams: past every run's (S < 2^32)
# "auto" keeps the prior without building EPIS when the prior's pilot already predicts
# this share of its samples effective: EPIS could at best halve the variance.
PRIOR_ENOUGH = 0.5
# EPIS over every ancestor of the evidence predicting less than this share effective
# also tries rewriting only the nearest generations (`epis_model`). Below it the full
# rewrite is clearly failing; above it the shallower ones seldom win by more than the
# pilot's noise, and trying them would slow batches of ordinary queries.
SHALLOW_TRY = 1 / 8
# ... and runs one only if its pilot predicts this many times the count: closer, the
# pilots' noise would decide.
SHALLOW_GAIN = 2.0
LBP_ITERATIONS = 50        # sweeps at most (one λ sweep up, one π sweep down)
LBP_TOLERANCE = 1e-7       # ... stopping when no λ message moves more than this
MESSAGE_FLOOR = 1e-9       # messages (max 1) are kept above this: their logs enter the weights
CONDITIONED_TABLE_MAX = 1 << 16   # entries of a proposal table conditioned on co-parents, at most
DIFFUSION_SWEEPS = 4       # max-sum diffusion sweeps that tighten the weight bound, at most
DIFFUSION_TOLERANCE = 0.01 # ... stopping when no table moves by more than this (log2 units)
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
    """m / max m with positive entries floored at MESSAGE_FLOOR and zeros kept; all
    ones if m is all zero (impossible evidence). A zero of belief propagation is sound
    (that state cannot go with the evidence), so the proposal never draws it."""
    top = m.max()
    if not top > 0:
        return np.ones_like(m)
    m = m / top
    return np.where(m > 0, np.maximum(m, MESSAGE_FLOOR), 0.0)


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


def quantised_masses(q: np.ndarray) -> np.ndarray:
    """Integer masses m (summing to 2^16 per row, last axis = states) that the kernel's
    thresholds realise for proposal q: at least one LSB wherever q > 0 (so q̂ > 0 and
    p/q̂ is finite), 0 where q = 0 (never drawn)."""
    m = np.floor(q * CDF_ONE).astype(np.int64)
    m[(q > 0) & (m == 0)] = 1
    top = np.argmax(m, axis=-1)[..., None]
    fix = CDF_ONE - m.sum(axis=-1, keepdims=True)
    np.put_along_axis(m, top, np.take_along_axis(m, top, axis=-1) + fix, axis=-1)
    return m


def epis_cpt(p: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """q(x | pa) ∝ p(x | pa)·λ(x), its non-zero entries raised to ε(card), rows renormalised."""
    q = p * lam
    total = q.sum(axis=-1, keepdims=True)
    q = np.where(total > 0, q / np.where(total > 0, total, 1), p)   # no state left on the row: the prior
    q = np.where(q > 0, np.maximum(q, epsilon_cutoff(p.shape[-1])), 0.0)
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
    """Max-sum diffusion over the variables two tables share: move a function of those
    variables between the tables that contain them so that they agree on its
    max-marginals. Each move adds g to one table and subtracts it from others, so
    every sample's total weight is unchanged, while the sum of the tables' maxima —
    the log of the kernel's weight bound, whose distance from a typical sample's weight
    sets how seldom it fires — only falls."""
    holding: dict[str, set[int]] = {}          # variable -> the tables whose scope has it
    scopes = [set(t.scope) for t in weight_tables]
    for a, scope in enumerate(scopes):
        for v in scope:
            holding.setdefault(v, set()).add(a)
    regions: set[tuple[str, ...]] = set()
    for a, scope in enumerate(scopes):
        for b in set().union(*(holding[v] for v in scope)):
            if b > a:
                regions.add(tuple(sorted(scope & scopes[b])))
    views = []
    for region in sorted(regions):
        members = set.intersection(*(holding[v] for v in region))
        views.append([_RegionView(weight_tables[a], region) for a in sorted(members)])
    for _ in range(sweeps):
        moved = 0.0
        for group in views:
            stacked = np.stack([view.max_marginal() for view in group])
            finite = np.isfinite(stacked).all(axis=0)      # an impossible entry stays as it is
            mean = np.where(finite, stacked, 0.0).mean(axis=0)
            for view, m in zip(group, stacked):
                shift = np.where(finite, mean - np.where(finite, m, 0.0), 0.0)
                moved = max(moved, float(np.abs(shift).max()))
                view.add(shift)
        if moved < DIFFUSION_TOLERANCE:
            break


class _RegionView:
    """A table seen through a region (some of its variables, in the region's order)."""

    def __init__(self, table: _WeightTable, region: tuple[str, ...]):
        self.table = table
        axes = [table.scope.index(v) for v in region]
        self.others = tuple(a for a in range(len(table.scope)) if a not in axes)
        # max over `others` leaves the region's axes in the table's order: to the region's and back
        self.to_region = list(np.argsort(np.argsort(axes)))
        self.to_table = list(np.argsort(axes))
        self.shape = [table.log_weight.shape[a] if a in axes else 1 for a in range(len(table.scope))]

    def max_marginal(self) -> np.ndarray:
        m = self.table.log_weight.max(axis=self.others) if self.others else self.table.log_weight
        return np.transpose(m, self.to_region)

    def add(self, g: np.ndarray) -> None:
        self.table.log_weight = self.table.log_weight + np.transpose(g, self.to_table).reshape(self.shape)


def _expand(scope: list[str], tensor: np.ndarray, axes: list[str]) -> np.ndarray:
    """`tensor` (one axis per variable of `scope`) arranged to broadcast over `axes`."""
    order = sorted(range(len(scope)), key=lambda k: axes.index(scope[k]))
    shape = [1] * len(axes)
    for k in order:
        shape[axes.index(scope[k])] = tensor.shape[k]
    return np.transpose(tensor, order).reshape(shape)


class _Message:
    """log2 of an evidence message from a family to one of its sampled parents, over
    `scope` (that parent's earlier sampled co-parents, then the parent)."""

    def __init__(self, scope: list[str], log2: np.ndarray):
        self.scope, self.log2 = scope, log2


class _Family:
    """The evidence messages of one family (child C and its sampled parents s_1..s_k in
    kernel order). Let Z(s) = Σ_c p(c | pa)·λ_C(c), evidence parents at their states.
    Plain: μ_j(s_j) is LBP's λ_{C→s_j}. Conditioned: M_k = Z, M_{j-1} = Σ_{s_j} M_j·π_j(s_j),
    μ_j(s_1..s_j) = M_j / M_{j-1}: s_j is drawn knowing its earlier co-parents, so
    explaining away between causes of the same evidence is in the proposal, and
    Π_j μ_j = Z / M_0 leaves the family's own weight factor constant."""

    def __init__(self, lbp, child: str, observed: dict[str, int], position: dict[str, int]):
        bn = lbp.bn
        self.child = child
        pars = list(bn.parents[child])
        sampled = [j for j, u in enumerate(pars) if u not in observed]
        self.sampled = [pars[j] for j in sorted(sampled, key=lambda j: position[pars[j]])]
        self._bif_index = {pars[j]: j for j in sampled}
        self._lbp = lbp
        toward = bn.cpt[child] @ lbp.lam_of(child)
        index = tuple(observed[u] if u in observed else slice(None) for u in pars)
        z = toward[index]                           # sampled parents' axes, BIF order
        bif_order = [pars[j] for j in sampled]
        self._z = np.transpose(z, [bif_order.index(u) for u in self.sampled]) if z.ndim else z
        self.conditioned = False

    def messages(self) -> dict[str, _Message]:
        lbp, child = self._lbp, self.child
        if not self.conditioned:
            return {u: _Message([u], _log2(lbp.lam[child][self._bif_index[u]])) for u in self.sampled}
        m = _normalised(self._z)
        out = {}
        for j in range(len(self.sampled) - 1, -1, -1):
            u = self.sampled[j]
            pi = lbp.pi_in[child][self._bif_index[u]]
            below = np.tensordot(m, pi / pi.sum(), axes=([j], [0]))
            # 0 where M_j = 0 (or M_(j-1) = 0: that prefix is never drawn either)
            possible = (m > 0) & (below[..., None] > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[u] = _Message(self.sampled[:j + 1], np.where(possible, _log2(m) - _log2(below)[..., None],
                                                                 -np.inf))
            m = below
        return out


def _choose_conditioned(families: list[_Family], bn, tables_rows_max: int, parents_max: int) -> None:
    """Condition families, in kernel order, while every parent's proposal table stays
    within `tables_rows_max` entries and `parents_max` parents (weight node included)."""
    extras: dict[str, set[str]] = {}
    for family in families:
        if len(family.sampled) < 2:
            continue
        trial = {u: extras.get(u, set()) | set(family.sampled[:j]) for j, u in enumerate(family.sampled)}
        scopes = {u: set(bn.parents[u]) | e for u, e in trial.items()}
        if all(math.prod(bn.card(w) for w in scope) * bn.card(u) <= tables_rows_max
               and len(scope) + 1 <= parents_max for u, scope in scopes.items()):
            family.conditioned = True
            extras.update(trial)


def proposal_model(tables, observed: dict[str, int], proposal: str = DEFAULT_PROPOSAL,
                   window: int = 256, rmax: int = 0xFFFF, seed: int = 0):
    """(kernel model, proposal used) for `tables`' network with evidence `observed`
    ({variable: state index}), its samples drawn from `proposal`:

    * "prior": likelihood weighting, the plain model;
    * "epis": the model rewritten as the module docstring says, its weight nodes
      named `weight_name(variable)` (`epis_model`: over every ancestor of the
      evidence, or only the nearest generations where a pilot predicts more);
    * "auto": whichever of the two a pilot run predicts the smaller error for
      (`predicted_count`; the prior alone if its pilot predicts PRIOR_ENOUGH of its
      samples effective), epis only where it fits the build's limits.

    Without evidence every proposal is the prior. `window`, `rmax` and `seed` are
    the run's; the pilots use them."""
    check_proposal(proposal)
    if proposal == "prior" or not observed:
        return tables.model(observed), "prior"
    pilot_seed = shifted_seed(seed, PILOT_FIRST_STREAM)
    if proposal == "epis":
        return epis_model(tables, observed, proposal, window, rmax, pilot_seed)[0], "epis"
    prior = tables.model(observed)
    prior_count = predicted_count(prior, window, rmax, pilot_seed)
    if prior_count >= PRIOR_ENOUGH * PILOT_SAMPLES:
        return prior, "prior"
    try:
        epis, epis_count = epis_model(tables, observed, proposal, window, rmax, pilot_seed)
    except LimitError:
        return prior, "prior"
    if epis_count > prior_count:
        return epis, "epis"
    return prior, "prior"


def epis_model(tables, observed: dict[str, int], proposal: str, window: int, rmax: int, pilot_seed: int):
    """(EPIS model, its pilot's predicted count). Over every ancestor of the evidence
    first; while the best pilot predicts fewer than SHALLOW_TRY of its samples
    effective, also over the ancestors at most 1, 2, 4, ... generations above the
    evidence (the rest drawn from the prior), deeper while the count rises; the best
    (a shallower one by SHALLOW_GAIN).

    Why (measured on diabetes, docs/bn_accuracy.md): on a loopy near-deterministic
    network the messages' zeros are sound but incomplete, like arc consistency, so
    many draws reach a weight node whose messages rule out every state (weight 0), and
    each of hundreds of weight tables adds its own slack to the kernel's weight bound
    (Σ of the tables' maxima): the whole rewrite left its best pilot draws 16-27 bits
    below the bound. The evidence's parents alone keep it within a bit or two and
    still avoid what the evidence rules out directly."""
    lbp = LoopyBeliefPropagation(tables.bn, observed)
    model = _epis_model(tables, observed, proposal, lbp=lbp)
    count = predicted_count(model, window, rmax, pilot_seed)
    depth, previous = 1, -1.0
    while count < SHALLOW_TRY * PILOT_SAMPLES:
        shallow = _epis_model(tables, observed, proposal, depth, lbp)
        if shallow is None:                     # as deep as the whole rewrite
            break
        shallow_count = predicted_count(shallow, window, rmax, pilot_seed)
        if shallow_count > SHALLOW_GAIN * count:
            model, count = shallow, shallow_count
        if shallow_count <= previous:
            break
        depth, previous = 2 * depth, shallow_count
    return model, count


def predicted_count(model, window: int, rmax: int, seed: int) -> float:
    """The effective number of samples of a run, per PILOT_SAMPLES samples, predicted
    from PILOT_SAMPLES host draws (the reference's ancestral half, no spikes):
    (Σ E[n_s])² / Σ E[n_s²], with n_s ~ Poisson(T·f_s) the spikes of sample s (spec
    §2.2 step 4). It falls with the spread of the importance weights and with the
    spike noise of samples that fire seldom (spec §2.3's standard error, the p-terms
    left out)."""
    from .reference.bn_sampler import draws

    _, fire = draws(model, PILOT_SAMPLES, seed, rmax)
    m1 = window * fire
    m2 = m1 + m1 ** 2
    return float(m1.sum() ** 2 / m2.sum()) if m2.sum() > 0 else 0.0


def _within(bn, observed, order, depth):
    """The variables of `order` at most `depth` generations above the evidence (all
    of them if depth is None). The messages of families whose child is outside are
    left out, and so are those to parents outside: each message still enters one
    table multiplied and one divided, so every sample's weight stays exact."""
    if depth is None:
        return set(order)
    level = set(observed)
    found = set(level)
    for _ in range(depth):
        level = {u for v in level for u in bn.parents[v]} - found
        found |= level
    return found


def _epis_model(tables, observed: dict[str, int], proposal: str, depth: int | None = None, lbp=None):
    """The rewritten model over the evidence's ancestors at most `depth` generations
    above it (None: all of them), or None if that is all of them anyway. `lbp`: the
    evidence's LoopyBeliefPropagation if already run."""
    from .kernels.bn_model import BNKernelModel

    bn, limits = tables.bn, tables.limits
    plain = tables.model(observed)          # the checks of the plain model (impossible evidence, sizes)
    lbp = lbp if lbp is not None else LoopyBeliefPropagation(bn, observed)
    position = {v: i for i, v in enumerate(tables.order)}
    relevant = _within(bn, observed, lbp.order, depth)
    if depth is not None and len(relevant) == len(lbp.order):
        return None
    families = [_Family(lbp, c, observed, position) for c in lbp.order
                if c in relevant and any(u not in observed for u in bn.parents[c])]
    _choose_conditioned([f for f in families if set(f.sampled) <= relevant], bn, CONDITIONED_TABLE_MAX,
                        min(limits.parents_max, 1 << 16))
    incoming: dict[str, list[_Message]] = {}    # messages into each sampled variable
    outgoing: dict[str, list[_Message]] = {}    # messages out of each family
    extras: dict[str, set[str]] = {}
    for family in families:
        messages = {u: m for u, m in family.messages().items() if u in relevant}
        outgoing[family.child] = list(messages.values())
        for u, message in messages.items():
            incoming.setdefault(u, []).append(message)
            extras.setdefault(u, set()).update(w for w in message.scope if w != u)
    taken = set(bn.variables)
    order, states, cards, parents, evidence_state, chunks = [], [], [], [], [], []
    weights: dict[int, _WeightTable] = {}   # chunk index -> weight factor, NL computed at the end
    placed: dict[str, int] = {}              # variable -> index in the rewritten model
    ends = np.append(plain.base[1:], plain.table.size)
    for i, v in enumerate(tables.order):
        pa = list(bn.parents[v])
        extra = sorted(extras.get(v, set()) - set(pa), key=position.get)
        e = int(plain.evidence_state[i])
        order.append(v), states.append(plain.states[i]), cards.append(int(plain.cards[i]))
        placed[v] = len(order) - 1
        parents.append([placed[u] for u in pa + extra]), evidence_state.append(e)
        if v not in relevant:
            chunks.append(plain.table[plain.base[i]:ends[i]])
            continue
        axes = pa + extra + [v]
        # log2 of the weight factor over `axes`, minus every outgoing message. Entries
        # never occur where an observed parent is not in its observed state, or where an
        # outgoing message is 0 (that parent state is never drawn).
        log_weight = np.zeros([1] * len(axes))
        occurs = np.ones([1] * len(axes), dtype=bool)
        for j, u in enumerate(pa):
            if u in observed:
                occurs = occurs & _expand([u], np.arange(bn.card(u)) == observed[u], axes)
        for message in outgoing.get(v, []):
            log_message = _expand(message.scope, message.log2, axes)
            occurs = occurs & np.isfinite(log_message)
            log_weight = log_weight - np.where(np.isfinite(log_message), log_message, 0.0)
        full = [bn.card(u) for u in axes]
        p = np.broadcast_to(_expand(pa + [v], np.asarray(bn.cpt[v], dtype=np.float64), axes), full)
        if e >= 0:
            log_pe = _log2(p[..., e]) + log_weight[..., 0]
            weights[len(chunks)] = _WeightTable(pa + extra, np.where(occurs[..., 0] & (p[..., e] > 0), log_pe,
                                                                     -np.inf))
            chunks.append(None)
            continue
        log_lam = np.zeros([1] * len(axes))
        for message in incoming.get(v, []):
            log_lam = log_lam + _expand(message.scope, message.log2, axes)
        log_lam = np.broadcast_to(log_lam, full)
        top = log_lam.max(axis=-1, keepdims=True)
        lam = np.exp2(log_lam - np.where(np.isfinite(top), top, 0.0))   # 0 where a message is
        masses = quantised_masses(epis_cpt(p, lam))
        chunks.append(np.cumsum(masses, axis=-1)[..., :-1].reshape(-1))
        with np.errstate(divide="ignore", invalid="ignore"):   # q̂ = 0: never drawn
            log_weight = _log2(p) - _log2(masses / CDF_ONE) + log_lam + log_weight
        # a row with λ = 0 everywhere draws from the prior, its weight 0 (the evidence rules it out)
        weights[len(chunks)] = _WeightTable(axes, np.where((masses > 0) & occurs & np.isfinite(log_lam),
                                                           log_weight, -np.inf))
        chunks.append(None)
        name = weight_name(v, taken)
        taken.add(name)
        order.append(name), states.append(["weight"]), cards.append(1)
        parents.append([placed[u] for u in axes]), evidence_state.append(0)
    for table in weights.values():
        if not np.isfinite(table.log_weight).any():   # P(e | pa) = 0 on every row that can occur
            given = ", ".join(f"{u}={bn.states[u][k]}" for u, k in observed.items())
            raise EvidenceError(f"evidence has probability zero: {given}")
    tighten(list(weights.values()))
    for at, table in weights.items():
        chunks[at] = table.nl()
    sizes = np.array([c.size for c in chunks], dtype=np.int64)
    used = int(sizes.sum())
    what = f" with --proposal {proposal} (it adds a weight node per variable whose proposal differs)"
    way_round = "; use --backend cpu (any size) or --proposal prior"
    require(len(order) <= limits.v_max, f"the kernel model has {len(order)} variables{what}; "
                                        f"this kernel build allows at most {limits.v_max}{way_round}")
    widest = max(len(ps) for ps in parents)
    require(widest <= limits.parents_max, f"a weight node has {widest} parents{what}; "
                                          f"this kernel build allows at most {limits.parents_max}{way_round}")
    require(used <= limits.table_max, f"the quantised tables need {used} words{what}; "
                                      f"this kernel build allows at most {limits.table_max}{way_round}")
    return BNKernelModel(order, states, cards, parents, evidence_state,
                         np.concatenate([[0], np.cumsum(sizes)[:-1]]),
                         np.concatenate(chunks).astype(np.uint32))
