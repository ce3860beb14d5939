"""The `bn_sampler` kernel model: a Bayesian network plus evidence, quantised and
laid out as the kernel sees it (docs/spec.md §2.1), and the stream frames that
carry it (§4.1, §4.2, §4.4)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import EvidenceError, KernelError, ParameterError
from ..fixedpoint import CDF_ONE, NL_IMPOSSIBLE, cdf_thresholds, neg_log2_weight
from ..framing import HEAD_WORDS, MAGIC_BN, SPEC_VERSION, Op, head, join_u64, split_u64
from ..limits import SPEC_BN_LIMITS, UNBOUNDED, BNLimits, require

DESCRIPTOR_HEAD_WORDS = 3   # card | n_parents, evidence | state, base; then one word per parent
RUN_PARAM_WORDS = 6
INFO_PAYLOAD_WORDS = 7
CARD_FIELD_MAX = 0xFFFF     # descriptor word 0, bits [15:0]
PARENTS_FIELD_MAX = 0xFFFF  # descriptor word 0, bits [31:16]
WORD_MAX = 0xFFFFFFFF       # V, TW, base and parent indices are whole words
EVIDENCE_FLAG = 1 << 31     # descriptor word 1
RMAX_MAX = 0xFFFF           # RMAX is UQ0.16: 1 ... 65535
# A limit error on a build with limits of its own (a board's) points to the backends without.
CPU_HINT = "; the cpu and ref backends take any size (--backend cpu)"


@dataclass
class BNCounts:
    """Spike-weighted counts of one run (§2.3)."""
    counts: dict[str, np.ndarray]   # per variable name: int64 count per state, BN state order
    total: int                      # Σ_s n_s

    def posterior(self) -> dict[str, np.ndarray]:
        """P̂(X = k | e) = count[k] / total for every variable."""
        if self.total == 0:
            raise KernelError("no spikes: raise samples, window or rate")
        return {name: c / self.total for name, c in self.counts.items()}


def table_rows(cards: np.ndarray, parents: list[int]) -> int:
    """Rows of a CPT table: the product of the parents' cardinalities (1 without parents)."""
    return math.prod(int(cards[p]) for p in parents)


def table_size(card: int, rows: int, evidence: bool) -> int:
    """Table words of one variable: one NL per row for evidence, card-1 thresholds per row otherwise."""
    return rows if evidence else rows * (card - 1)


class BNKernelModel:
    """A Bayesian network with evidence in kernel form.

    `order[i]` is the name of kernel variable i (spec Kahn order); `parents[i]`
    lists kernel indices in BIF order; `evidence_state[i]` is the observed state
    or -1; `table[base[i]:]` holds variable i's thresholds or NL values.
    """

    def __init__(self, order, states, cards, parents, evidence_state, base, table):
        self.order: list[str] = list(order)
        self.states: list[list[str]] = [list(s) for s in states]
        self.cards = np.asarray(cards, dtype=np.int64)
        self.parents: list[list[int]] = [list(p) for p in parents]
        self.evidence_state = np.asarray(evidence_state, dtype=np.int64)
        self.base = np.asarray(base, dtype=np.int64)
        self.table = np.asarray(table, dtype=np.uint32)

    @classmethod
    def build(cls, bn, evidence: dict | None = None,
              limits: BNLimits = SPEC_BN_LIMITS) -> "BNKernelModel":
        return BNTables(bn, limits).model(evidence)

    @property
    def n_vars(self) -> int:
        return len(self.order)

    @staticmethod
    def check_run(samples: int, window: int, rmax: int, limits: BNLimits = SPEC_BN_LIMITS) -> None:
        """Raise ParameterError (or LimitError past the build's limits) naming a bad run parameter."""
        for name, value in (("samples", samples), ("window", window), ("rmax", rmax)):
            if int(value) != value or value < 1:
                raise ParameterError(f"{name} must be a positive integer, got {value!r}")
        require(samples <= limits.s_max,
                f"samples = {samples}; this kernel build allows at most {limits.s_max}")
        require(window <= limits.t_max,
                f"window = {window}; this kernel build allows at most {limits.t_max}")
        require(samples * window <= limits.st_max,
                f"samples * window = {samples * window}; this kernel build allows at most {limits.st_max}")
        if rmax > RMAX_MAX:
            raise ParameterError(f"rmax must be at most {RMAX_MAX} (UQ0.16), got {rmax}")

    @staticmethod
    def check_seed(seed: int) -> None:
        if int(seed) != seed or not 0 <= seed < 1 << 64:
            raise ParameterError(f"seed must be a 64-bit unsigned integer, got {seed!r}")

    def descriptors(self) -> np.ndarray:
        """The descriptor words (§4.2), 3 + n_parents per variable, variable 0 first."""
        words = []
        for i in range(self.n_vars):
            e = int(self.evidence_state[i])
            words += [int(self.cards[i]) | (len(self.parents[i]) << 16),
                      EVIDENCE_FLAG | e if e >= 0 else 0,
                      int(self.base[i]), *self.parents[i]]
        return np.array(words, dtype=np.uint32)

    def run_frame(self, samples: int, window: int, seed: int, rmax: int) -> np.ndarray:
        """The uint32 RUN frame (§4.1, §4.2) for these run parameters."""
        self.check_run(samples, window, rmax)
        self.check_seed(seed)
        params = [samples, window, seed & 0xFFFFFFFF, seed >> 32, rmax, 0]
        return np.concatenate([
            np.array(head(MAGIC_BN, Op.RUN) + [self.n_vars, self.table.size], dtype=np.uint32),
            self.descriptors(), self.table, np.array(params, dtype=np.uint32)])

    def unpack(self, payload) -> BNCounts:
        """The counts of a RUN output payload (§4.4)."""
        payload = np.asarray(payload, dtype=np.uint32)
        expected = 2 * (int(self.cards.sum()) + 1)
        if payload.size != expected:
            raise KernelError(f"bn RUN payload has {payload.size} words; this model needs {expected}")
        values = join_u64(payload).astype(np.int64)
        ends = np.cumsum(self.cards)
        counts = {name: values[end - card:end]
                  for name, card, end in zip(self.order, self.cards, ends)}
        return BNCounts(counts=counts, total=int(values[-1]))


class BNTables:
    """The part of a kernel model that does not depend on the evidence, computed once:
    the kernel order, the limit checks, and every variable's quantised table, as CDF
    thresholds and (on first use) as NL values for each observed state. `model(e)`
    then assembles the kernel model for evidence e from them."""

    def __init__(self, bn, limits: BNLimits = SPEC_BN_LIMITS):
        self.bn, self.limits = bn, limits
        self.order = list(bn.topological_order())
        index = {name: i for i, name in enumerate(self.order)}
        require(len(self.order) <= min(limits.v_max, WORD_MAX),
                f"the network has {len(self.order)} variables; {self._allows(limits.v_max, WORD_MAX)}")
        self.cards = np.array([bn.card(v) for v in self.order], dtype=np.int64)
        self.parents: list[list[int]] = []
        self._probs: list[np.ndarray] = []
        self._thresholds: list[np.ndarray] = []
        for v in self.order:
            card, pars = bn.card(v), list(bn.parents[v])
            require(card <= min(limits.card_max, CARD_FIELD_MAX),
                    f"variable {v!r} has {card} states; {self._allows(limits.card_max, CARD_FIELD_MAX)}")
            require(len(pars) <= min(limits.parents_max, PARENTS_FIELD_MAX),
                    f"variable {v!r} has {len(pars)} parents; "
                    f"{self._allows(limits.parents_max, PARENTS_FIELD_MAX)}")
            self.parents.append([index[p] for p in pars])
            self._probs.append(np.asarray(bn.cpt[v], dtype=np.float64).reshape(-1, card))
            self._thresholds.append(cdf_thresholds(self._probs[-1]).reshape(-1))
        self._nl: dict[tuple[int, int], np.ndarray] = {}

    @staticmethod
    def _allows(limit: int, field_max: int) -> str:
        """The end of a limit error: the build's own limit (with the way round it), or the frame field's."""
        if limit < min(field_max, UNBOUNDED):
            return f"this kernel build allows at most {limit}{CPU_HINT}"
        return f"the spec's frame field allows at most {field_max}"

    def _nl_table(self, i: int, state: int) -> np.ndarray:
        """NL per row of variable i observed in `state`."""
        if (i, state) not in self._nl:
            chunk = neg_log2_weight(self._probs[i][:, state])
            if np.all(chunk == NL_IMPOSSIBLE):
                v = self.order[i]
                raise EvidenceError(
                    f"evidence {v}={self.bn.states[v][state]!r} is impossible under every parent configuration")
            self._nl[i, state] = chunk
        return self._nl[i, state]

    def model(self, evidence: dict | None = None) -> BNKernelModel:
        """The kernel model for `evidence` ({variable: state name or index})."""
        observed = self.bn.parse_evidence(evidence or {})
        evidence_state = [observed.get(v, -1) for v in self.order]
        chunks = [self._thresholds[i] if e < 0 else self._nl_table(i, e) for i, e in enumerate(evidence_state)]
        sizes = np.array([c.size for c in chunks], dtype=np.int64)
        base = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        used = int(sizes.sum())
        require(used <= min(self.limits.table_max, WORD_MAX),
                f"the quantised tables need {used} words; {self._allows(self.limits.table_max, WORD_MAX)}")
        require(used > 0, "the quantised tables are empty (every sampled variable has one state); "
                          "the kernel needs at least one table word")
        table = np.concatenate(chunks).astype(np.uint32)
        return BNKernelModel(self.order, [self.bn.states[v] for v in self.order], self.cards, self.parents,
                             evidence_state, base, table)


def frame_layout(words) -> tuple[list[int], int] | None:
    """The cardinalities of a bn RUN frame's descriptors and where its run parameters
    start, walked through V, each descriptor's n_parents and TW; None if the
    descriptors run past the frame."""
    words = np.asarray(words, dtype=np.uint32)
    at = HEAD_WORDS + 2
    if words.size < at:
        return None
    n_vars, table_words = int(words[HEAD_WORDS]), int(words[HEAD_WORDS + 1])
    cards = []
    for _ in range(n_vars):
        if at >= words.size:
            return None
        cards.append(int(words[at]) & CARD_FIELD_MAX)
        at += DESCRIPTOR_HEAD_WORDS + (int(words[at]) >> 16)
    return cards, at + table_words


def run_params_at(words) -> int | None:
    """Where the run parameters of the bn RUN frame `words` start (None: see frame_layout)."""
    layout = frame_layout(words)
    return None if layout is None else layout[1]


def info_frame() -> np.ndarray:
    """The 3-word INFO frame."""
    return np.array(head(MAGIC_BN, Op.INFO), dtype=np.uint32)


def info_payload(limits: BNLimits, lanes: int) -> np.ndarray:
    """INFO payload (§4.4): version, P, V_MAX, CARD_MAX, PARENTS_MAX, TABLE_MAX, T_MAX."""
    return np.array([SPEC_VERSION, lanes, limits.v_max, limits.card_max, limits.parents_max,
                     limits.table_max, limits.t_max], dtype=np.uint32)


def parse_info(payload) -> tuple[BNLimits, int]:
    """(limits, lanes P) from an INFO payload."""
    words = [int(w) for w in np.asarray(payload, dtype=np.uint32)]
    if len(words) != INFO_PAYLOAD_WORDS:
        raise KernelError(f"bn INFO payload has {len(words)} words, expected {INFO_PAYLOAD_WORDS}")
    version, lanes, v_max, card_max, parents_max, table_max, t_max = words
    if version != SPEC_VERSION:
        raise KernelError(f"the kernel implements spec version {version}, the host {SPEC_VERSION}")
    return BNLimits(v_max=v_max, card_max=card_max, parents_max=parents_max,
                    table_max=table_max, t_max=t_max), lanes


def rate_to_rmax(rate: float) -> int:
    """RMAX for a maximum per-step firing probability `rate` (0 < rate ≤ 1)."""
    if not 0 < rate <= 1:
        raise ParameterError(f"rate must be in (0, 1], got {rate!r}")
    return int(np.clip(np.rint(rate * CDF_ONE), 1, RMAX_MAX))


def run_payload(flat_counts: np.ndarray, total: int) -> np.ndarray:
    """The RUN output payload (§4.4) for flat counts (Σcard,) and total."""
    return split_u64(np.append(np.asarray(flat_counts, dtype=np.uint64), np.uint64(total)))
