"""The `bn_sampler` reference kernel, bit-exact to docs/spec.md §2 and §4.

`run_frame` is the whole kernel (frame in, frame out) and the oracle the HLS and
SystemVerilog implementations are compared with word for word. `sample` runs a
`BNKernelModel` directly. Sample neurons are processed in chunks, all samples of
a chunk at once; the counts do not depend on the chunking because every sample
neuron has its own random stream (§1.2).
"""
from __future__ import annotations

import numpy as np

from ..fixedpoint import FIRE_BITS, NL_IMPOSSIBLE, firing_threshold, neg_log2, poisson_bound
from ..framing import MAGIC_BN, SPEC_VERSION, Op, Status, output_frame
from ..kernels.bn_model import (CARD_FIELD_MAX, EVIDENCE_FLAG, RMAX_MAX, BNKernelModel, info_payload,
                                run_payload, table_rows, table_size)
from ..limits import SPEC_BN_LIMITS, BNLimits
from ..rng import Streams

CHUNK = 1 << 16           # sample neurons drawn together, at most
CHUNK_STATES = 1 << 23    # ... and at most this many states (V per sample) held at once
THRESHOLD_MASK = 0x1FFFF  # table word bits [16:0]
NL_MASK = 0xFFFF          # table word bits [15:0]


class _VariableTable:
    """One variable's slice of the table, decoded: thresholds (rows, card-1) or NL (rows,)."""

    def __init__(self, card: int, parents: list[int], cards, evidence_state: int, base: int, table):
        self.card = card
        self.parents = parents
        self.evidence_state = evidence_state
        # Row strides: the last parent varies fastest (§2.1).
        self.strides = [int(np.prod([int(cards[q]) for q in parents[j + 1:]], dtype=np.int64))
                        for j in range(len(parents))]
        rows = table_rows(cards, parents)
        words = np.asarray(table[base:base + table_size(card, rows, evidence_state >= 0)], dtype=np.int64)
        if evidence_state >= 0:
            self.nl = words & NL_MASK
        else:
            self.thresholds = (words & THRESHOLD_MASK).reshape(-1, card - 1) if card > 1 else None

    def rows_of(self, x: np.ndarray) -> np.ndarray | int:
        row = 0
        for p, stride in zip(self.parents, self.strides):
            row = row + x[p] * stride
        return row


def _tables(cards, parents, evidence_state, base, table) -> list[_VariableTable]:
    return [_VariableTable(int(cards[i]), list(parents[i]), cards, int(evidence_state[i]), int(base[i]), table)
            for i in range(len(cards))]


def _offset(tables: list[_VariableTable]) -> int:
    """OFFSET = Σ_evidence min_r NL[r] (§2.2 step 3)."""
    return sum(int(t.nl.min()) for t in tables if t.evidence_state >= 0)


def _ancestral(tables, offset: int, rmax: int, streams: Streams) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-3 of §2.2 for every stream: states x (V, n) and firing thresholds F (n,)."""
    n = len(streams)
    x = np.empty((len(tables), n), dtype=np.int64)
    nlw = np.zeros(n, dtype=np.int64)
    dead = np.zeros(n, dtype=bool)
    for i, t in enumerate(tables):
        row = t.rows_of(x)
        if t.evidence_state >= 0:
            x[i] = t.evidence_state
            nl = t.nl[row]
            dead |= nl == NL_IMPOSSIBLE
            nlw += nl
            continue
        u = (streams.next() >> np.uint32(16)).astype(np.int64)
        x[i] = 0
        if t.thresholds is not None:
            c = t.thresholds[row] if np.ndim(row) else np.broadcast_to(t.thresholds[0], (n, t.card - 1))
            for k in range(t.card - 1):
                x[i] += u >= c[:, k]
    fire = firing_threshold(nlw - offset, rmax)
    fire[dead] = 0
    return x, fire


def poisson_window(streams: Streams, live: np.ndarray, lam: np.ndarray, window: int,
                   neglog) -> tuple[np.ndarray, np.ndarray]:
    """The event-driven spike window (§2.2 step 4) of every `live` stream: it draws,
    adds neglog(r) to its sum and stops when the sum reaches lam, else counts a spike,
    up to `window` spikes. Returns the spike counts n and the draws made, min(n + 1, T)
    (0 for a stream that is not live: it never draws).

    Streams are per sample neuron, so leaving the stopped ones undrawn changes nothing.
    """
    counts = np.zeros(len(streams), dtype=np.int64)
    draws = np.zeros(len(streams), dtype=np.int64)
    idx = np.flatnonzero(live)
    sub = streams.select(live)
    lam = lam[idx]
    acc = np.zeros(idx.size, dtype=lam.dtype)
    n = np.zeros(idx.size, dtype=np.int64)
    while idx.size:
        acc = acc + neglog(sub.next())
        draws[idx] += 1
        stop = acc >= lam
        n += ~stop
        stop |= n == window
        counts[idx] = n
        if stop.any():
            keep = ~stop
            idx, lam, acc, n = idx[keep], lam[keep], acc[keep], n[keep]
            sub = sub.select(keep)
    return counts, draws


def spike_counts(streams: Streams, fire: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """n_s of §2.2 step 4 for firing thresholds F (and the draws each window made):
    Λ = (F·T·LOG2E_Q16) >> 24, acc += NEGLOG2(r) until acc ≥ Λ."""
    return poisson_window(streams, fire > 0, poisson_bound(fire, window), window, neg_log2)


def tally(x: np.ndarray, n: np.ndarray, cards: np.ndarray) -> np.ndarray:
    """count[i][k] = Σ_s n_s·[x_s[i] = k], flat over (i, k) (§2.3)."""
    offsets = np.concatenate([[0], np.cumsum(cards)[:-1]])
    flat = (x + offsets[:, None]).reshape(-1)
    weights = np.broadcast_to(n, x.shape).reshape(-1)
    # float64 sums are exact here: a chunk sums at most 2^16 · 2^20 < 2^53.
    return np.rint(np.bincount(flat, weights=weights, minlength=int(cards.sum()))).astype(np.int64)


def _chunks(samples: int, n_vars: int):
    # Fewer samples per chunk for large networks: the chunk's states (V, n) stay in memory.
    size = max(1, min(CHUNK, CHUNK_STATES // max(1, n_vars)))
    for start in range(0, samples, size):
        yield np.arange(start, min(samples, start + size), dtype=np.uint64)


def _run(tables, cards, samples: int, window: int, seed: int, rmax: int) -> tuple[np.ndarray, int]:
    offset = _offset(tables)
    counts = np.zeros(int(cards.sum()), dtype=np.int64)
    total = 0
    for ids in _chunks(samples, len(tables)):
        streams = Streams(seed, ids)
        x, fire = _ancestral(tables, offset, rmax, streams)
        n, _ = spike_counts(streams, fire, window)
        counts += tally(x, n, cards)
        total += int(n.sum())
    return counts, total


def _model_tables(model: BNKernelModel):
    return _tables(model.cards, model.parents, model.evidence_state, model.base, model.table)


def sample(model: BNKernelModel, samples: int, window: int, seed: int, rmax: int) -> tuple[np.ndarray, int]:
    """Run the kernel on `model`: flat counts (Σcard,) int64 in kernel order, and the total."""
    model.check_run(samples, window, rmax)
    return _run(_model_tables(model), model.cards, samples, window, seed, rmax)


def draws(model: BNKernelModel, samples: int, seed: int, rmax: int) -> tuple[np.ndarray, np.ndarray]:
    """The ancestral half of every sample neuron, no spikes: states (S, V) in kernel
    order and per-step firing probabilities F / 2^24 (S,). For `standard_error`."""
    model.check_run(samples, 1, rmax)
    tables = _model_tables(model)
    offset = _offset(tables)
    xs, fs = [], []
    for ids in _chunks(samples, len(tables)):
        x, fire = _ancestral(tables, offset, rmax, Streams(seed, ids))
        xs.append(x.T)
        fs.append(fire / float(1 << FIRE_BITS))
    return np.concatenate(xs), np.concatenate(fs)


def window_draws(model: BNKernelModel, samples: int, window: int, seed: int, rmax: int) -> np.ndarray:
    """Draws of every sample's spike window, min(n + 1, T) (0 for a silent one): what
    the hardware's Poisson units spend per sample (`board.frames.bn_run_cycles`)."""
    model.check_run(samples, window, rmax)
    tables = _model_tables(model)
    offset = _offset(tables)
    out = []
    for ids in _chunks(samples, len(tables)):
        streams = Streams(seed, ids)
        _, fire = _ancestral(tables, offset, rmax, streams)
        out.append(spike_counts(streams, fire, window)[1])
    return np.concatenate(out)


def standard_error(states: np.ndarray, fire: np.ndarray, cards, window: int, p=None) -> np.ndarray:
    """Standard error of every P̂(X_i = k | e), flat over (i, k), from the drawn samples (§2.3).

    `states` (S, V) and `fire` (S,) are the samples' values and per-step firing
    probabilities f_s (from `draws`, or the float twin's). With E[n_s] = T·f_s and
    E[n_s²] = T·f_s + (T·f_s)² (n_s is Poisson(T·f_s), §2.2 step 4), the ratio estimate's delta-method error is

        SE_ik = sqrt(Σ_s E[n_s²]·(1[x_s[i] = k] − p_ik)² + max_s E[n_s²]) / Σ_s E[n_s]

    with p the marginals (default: the spike-free weighted estimate Σ_s f_s·1[x_s[i]=k] / Σ_s f_s).
    The term max_s E[n_s²] is the variance of one sample of the largest weight: a state
    that no drawn sample visited still gets the resolution of one sample instead of an
    error bound that shrinks with its own (unseen) probability.
    """
    cards = np.asarray(cards, dtype=np.int64)
    f = np.asarray(fire, dtype=np.float64)
    m1 = window * f
    m2 = m1 + m1 ** 2
    if m1.sum() == 0:
        raise ValueError("no sample can fire: the standard error is undefined")
    onehot = _onehot(np.asarray(states), cards)       # (S, Σcard)
    if p is None:
        p = (f @ onehot) / f.sum()
    p = np.asarray(p, dtype=np.float64)
    # Σ_s m2 (a - p)^2 = Σ m2 a - 2 p Σ m2 a + p^2 Σ m2, since a ∈ {0, 1}
    m2a = m2 @ onehot
    var = m2a * (1 - 2 * p) + p ** 2 * m2.sum() + m2.max()
    return np.sqrt(np.maximum(var, 0)) / m1.sum()


def _onehot(states: np.ndarray, cards: np.ndarray) -> np.ndarray:
    offsets = np.concatenate([[0], np.cumsum(cards)[:-1]])
    out = np.zeros((states.shape[0], int(cards.sum())), dtype=np.float64)
    rows = np.arange(states.shape[0])[:, None]
    out[rows, states + offsets] = 1.0
    return out


class _Reject(Exception):
    def __init__(self, status: Status):
        self.status = status


class _Reader:
    """Reads an input frame word by word. Each word's content is checked by the caller
    before `end_word` checks its TLAST: SHORT_FRAME if TLAST comes before the frame's
    last word, LONG_FRAME if the last word has none."""

    def __init__(self, words: np.ndarray, last: np.ndarray):
        self.words, self.last, self.pos = words, last, -1

    def read(self) -> int:
        self.pos += 1
        if self.pos >= self.words.size:
            raise ValueError("the input ends without TLAST: a real kernel would wait for more words")
        return int(self.words[self.pos])

    def end_word(self, final: bool = False) -> None:
        tlast = bool(self.last[self.pos])
        if tlast and not final:
            raise _Reject(Status.SHORT_FRAME)
        if final and not tlast:
            raise _Reject(Status.LONG_FRAME)

    def word(self, bad_status: Status | None = None, is_bad=None, final: bool = False) -> int:
        """Read one word, reject it with `bad_status` if `is_bad(word)`, then check TLAST."""
        w = self.read()
        if is_bad is not None and is_bad(w):
            raise _Reject(bad_status)
        self.end_word(final)
        return w


def run_frame(words, last=None, lanes: int = 1, limits: BNLimits = SPEC_BN_LIMITS) -> np.ndarray:
    """The whole kernel: one input frame in, one output frame (uint32) out.

    `last[i]` is TLAST on word i (default: only on the final word). Validation runs in
    frame order (§4.5): each word's content is checked when it is read, then its TLAST;
    a descriptor's table-slice check belongs to its last word (its last parent, or its
    base without parents). Unused descriptor bits and the reserved run word are ignored;
    RMAX must be 1 ... 65535. The first
    failure gives an error frame (L = 0); the words after it up to TLAST are discarded.
    """
    words = np.asarray(words, dtype=np.uint32).reshape(-1)
    if last is None:
        last = np.zeros(words.size, dtype=bool)
        if words.size:
            last[-1] = True
    last = np.asarray(last, dtype=bool).reshape(-1)
    if last.size != words.size:
        raise ValueError(f"last has {last.size} flags for {words.size} words")
    try:
        return output_frame(Status.OK, _serve(_Reader(words, last), lanes, limits))
    except _Reject as reject:
        return output_frame(reject.status)


def _serve(rd: _Reader, lanes: int, limits: BNLimits) -> np.ndarray:
    rd.word(Status.BAD_MAGIC, lambda w: w != MAGIC_BN)
    rd.word(Status.BAD_VERSION, lambda w: w != SPEC_VERSION)
    op = rd.read()
    if op not in (Op.RUN, Op.INFO):
        raise _Reject(Status.BAD_OPCODE)
    rd.end_word(final=op == Op.INFO)
    if op == Op.INFO:
        return info_payload(limits, lanes)

    n_vars = rd.word(Status.LIMIT, lambda w: not 1 <= w <= limits.v_max)
    tw = rd.word(Status.LIMIT, lambda w: not 1 <= w <= limits.table_max)
    cards = np.zeros(n_vars, dtype=np.int64)
    parents, evidence_state, base = [], np.full(n_vars, -1, dtype=np.int64), np.zeros(n_vars, dtype=np.int64)
    for i in range(n_vars):
        # Word 0: card and n_parents; word 1: evidence and its state; word 2: base; then
        # one word per parent. The table-slice check belongs to the descriptor's last word.
        d0 = rd.read()
        card, n_par = d0 & CARD_FIELD_MAX, d0 >> 16
        if not 1 <= card <= limits.card_max or n_par > limits.parents_max:
            raise _Reject(Status.BAD_MODEL)
        rd.end_word()
        cards[i] = card
        d1 = rd.word(Status.BAD_MODEL, lambda w: bool(w & EVIDENCE_FLAG) and (w & CARD_FIELD_MAX) >= card)
        is_ev = bool(d1 & EVIDENCE_FLAG)
        evidence_state[i] = d1 & CARD_FIELD_MAX if is_ev else -1
        pars = []

        def slice_bad() -> bool:
            return base[i] + table_size(card, table_rows(cards, pars), is_ev) > tw

        base[i] = rd.read()
        if n_par == 0 and slice_bad():
            raise _Reject(Status.BAD_MODEL)
        rd.end_word()
        for j in range(n_par):
            p = rd.read()
            if p >= i:
                raise _Reject(Status.BAD_MODEL)
            pars.append(p)
            if j == n_par - 1 and slice_bad():
                raise _Reject(Status.BAD_MODEL)
            rd.end_word()
        parents.append(pars)
    table = np.array([rd.word() for _ in range(tw)], dtype=np.uint32)

    samples = rd.word(Status.BAD_PARAMS, lambda w: not 1 <= w <= limits.s_max)
    window = rd.word(Status.BAD_PARAMS,
                     lambda w: not 1 <= w <= limits.t_max or samples * w > limits.st_max)
    seed = rd.word() | (rd.word() << 32)
    rmax = rd.word(Status.BAD_PARAMS, lambda w: not 1 <= w <= RMAX_MAX)
    rd.word(final=True)

    tables = _tables(cards, parents, evidence_state, base, table)
    counts, total = _run(tables, cards, samples, window, seed, rmax)
    return run_payload(counts, total)
