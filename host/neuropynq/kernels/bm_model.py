"""A Boltzmann machine as the `bm_sampler` kernel sees it (docs/spec.md §3.1, §4.3):
Q5.10 weights and biases, the greedy colour schedule, clamp masks, the optional
initial state, and the RUN, RUN_SPARSE (§4.3.1) and INFO frames and their payloads.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..colouring import greedy_colouring, loop_order
from ..errors import EvidenceError, KernelError, LimitError, ParameterError
from ..fixedpoint import quantise_weights
from ..framing import MAGIC_BM, SPEC_VERSION, Op, head
from ..limits import SPEC_BM_LIMITS, BMLimits, require

WORD_BITS = 32
ZETA_BITS = 8                   # a refractory counter ζ_k (§3.2) travels as one byte
ZETAS_PER_WORD = WORD_BITS // ZETA_BITS
FLAG_RECORD = 1
FLAG_INIT = 2                   # the RUN frame carries an initial state (§4.3)
RECORD_WORDS_LIMIT = 1 << 31    # sweeps·⌈N/32⌉ with RECORD (§3.4)
COUNT_WORD_LIMIT = 1 << 32      # on/spike counts travel as one 32-bit word each (§4.4)
SEED_LIMIT = 1 << 64
INFO_PAYLOAD_WORDS = 6          # version, P, N_MAX, TAU_MAX, SPARSE_N_MAX, D_MAX


def state_words(n: int) -> int:
    """Words per packed state (and per clamp mask): ⌈N/32⌉."""
    return -(-n // WORD_BITS)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """(..., N) 0/1 array -> (..., ⌈N/32⌉) uint32, bit j of word w = element 32w + j."""
    bits = np.asarray(bits, dtype=np.uint8)
    n = bits.shape[-1]
    padded = np.zeros(bits.shape[:-1] + (state_words(n) * WORD_BITS,), dtype=np.uint8)
    padded[..., :n] = bits
    return np.packbits(padded, axis=-1, bitorder="little").view("<u4").astype(np.uint32)


def zeta_words(n: int) -> int:
    """Words of a packed ζ state (initial or final): ⌈N/4⌉."""
    return -(-n // ZETAS_PER_WORD)


def pack_zeta(zeta: np.ndarray) -> np.ndarray:
    """(N,) counters 0…255 -> ⌈N/4⌉ uint32, bits [8j+7:8j] of word w = neuron 4w + j."""
    zeta = np.asarray(zeta, dtype=np.uint8)
    padded = np.zeros(zeta_words(zeta.size) * ZETAS_PER_WORD, dtype=np.uint8)
    padded[:zeta.size] = zeta
    return padded.view("<u4").astype(np.uint32)


def unpack_zeta(words: np.ndarray, n: int) -> np.ndarray:
    """Inverse of `pack_zeta`: ⌈N/4⌉ words -> (N,) uint8."""
    return np.ascontiguousarray(words, dtype="<u4").view(np.uint8)[:n].copy()


def unpack_bits(words: np.ndarray, n: int) -> np.ndarray:
    """Inverse of `pack_bits`: (..., ⌈N/32⌉) words -> (..., N) uint8."""
    words = np.ascontiguousarray(words, dtype="<u4")
    bits = np.unpackbits(words.view(np.uint8), axis=-1, bitorder="little")
    return bits[..., :n]


def clamp_arrays(n: int, clamp: dict[int, int] | None) -> tuple[np.ndarray, np.ndarray]:
    """(mask, value) arrays of length n from {neuron: 0 or 1}; EvidenceError names a bad entry."""
    mask = np.zeros(n, dtype=bool)
    value = np.zeros(n, dtype=np.uint8)
    if clamp is None:
        return mask, value
    if not isinstance(clamp, dict):
        raise EvidenceError(f"clamp must be a dict {{neuron: 0 or 1}}, got {type(clamp).__name__}")
    for neuron, v in clamp.items():
        if isinstance(neuron, bool) or not isinstance(neuron, (int, np.integer)) or not 0 <= neuron < n:
            raise EvidenceError(f"clamped neuron {neuron!r} is not an index in 0..{n - 1}")
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v not in (0, 1):
            raise EvidenceError(f"neuron {neuron} is clamped to {v!r}; a clamp value must be 0 or 1")
        mask[neuron] = True
        value[neuron] = v
    return mask, value


def _quantise(values: np.ndarray, name: str) -> np.ndarray:
    try:
        return quantise_weights(values)
    except ValueError as exc:   # the message names the entry's index
        raise LimitError(f"{name}: {exc}") from None


def _require_int(name: str, value, low: int, high: int) -> int:
    """`value` as an int in [low, high); LimitError otherwise."""
    require(isinstance(value, (int, np.integer)) and not isinstance(value, bool),
            f"{name} must be an integer, got {value!r}")
    require(low <= value < high, f"{name} = {value} is outside [{low}, {high})")
    return int(value)


@dataclass
class BMCounts:
    on_counts: np.ndarray      # (N,) int64: recorded states with z_k = 1
    spike_counts: np.ndarray   # (N,) int64: spikes after burn-in
    states: np.ndarray | None  # (sweeps, N) uint8 recorded states, None unless record
    final_state: np.ndarray    # (N,) uint8: ζ at the end of the run (a clamped neuron: its value)


@dataclass
class BMKernelModel:
    """Integer model of §3.1. `build` makes it from a BoltzmannMachine; the reference
    kernel also makes one straight from a frame (then W need not be symmetric nor the
    colouring proper)."""

    n: int
    W_q: np.ndarray            # (N, N) int64, Q5.10
    b_q: np.ndarray            # (N,) int64, Q5.10
    order: np.ndarray          # (N,) int64 permutation
    colour_end: np.ndarray     # (C,) int64, strictly increasing, last = N
    clamp_mask: np.ndarray     # (N,) bool
    clamp_value: np.ndarray    # (N,) uint8, 0 where not clamped

    @classmethod
    def build(cls, bm, clamp: dict[int, int] | None = None,
              limits: BMLimits = SPEC_BM_LIMITS) -> "BMKernelModel":
        """The kernel model of `bm`; LimitError naming the limit when the build
        `limits` takes it in neither frame (`frame_kind`)."""
        W_q = _quantise(bm.W, "W")
        b_q = _quantise(bm.b, "b")
        order, colour_end = greedy_colouring(W_q)
        mask, value = clamp_arrays(bm.n, clamp)
        model = cls(bm.n, W_q, b_q, order, colour_end, mask, value)
        model.frame_kind(limits)
        return model

    @property
    def colours(self) -> int:
        return int(self.colour_end.size)

    @property
    def degree(self) -> int:
        """The most non-zero weights in a row of W: the list slots a RUN_SPARSE frame needs."""
        return int(np.count_nonzero(self.W_q, axis=1).max(initial=0))

    def frame_kind(self, limits: BMLimits = SPEC_BM_LIMITS) -> Op:
        """The frame this model travels in to a build with `limits` (§4.3, §4.3.1): RUN
        when N <= N_MAX and the dense frame is not larger than the sparse one, else
        RUN_SPARSE when N <= SPARSE_N_MAX and every row has at most D_MAX non-zeros;
        LimitError naming the limits when neither fits."""
        dense = self.n <= limits.n_max
        sparse = self.n <= limits.sparse_n_max and self.degree <= limits.d_max
        if dense and (not sparse or self.dense_words() <= self.sparse_words()):
            return Op.RUN
        if sparse:
            return Op.RUN_SPARSE
        sparse_reason = ("no sparse engine (SPARSE_N_MAX = 0)" if limits.sparse_n_max == 0 else
                         f"SPARSE_N_MAX = {limits.sparse_n_max}" if self.n > limits.sparse_n_max else
                         f"a row of W has {self.degree} non-zero weights, D_MAX = {limits.d_max}")
        raise LimitError(f"the machine has N = {self.n} neurons; this kernel build runs dense machines "
                         f"of at most N_MAX = {limits.n_max} and sparse ones within its limits "
                         f"({sparse_reason})")

    def choose_build(self, dense: BMLimits, sparse: BMLimits | None,
                     board: str | None = None) -> tuple[bool, BMLimits]:
        """Of a board's bm builds, the one that runs this machine, as (is it the sparse
        one, its limits): the dense overlay when it takes the machine (N <= its N_MAX: a
        RUN frame), else the sparse overlay (`sparse`, None where the board has none: a
        RUN_SPARSE frame) when its limits hold it; LimitError naming both builds'
        limits, or `board`'s missing sparse overlay, otherwise. The fpga backend and
        bench/bench_hw.py choose by it."""
        try:
            self.frame_kind(dense)
            return False, dense
        except LimitError:
            pass
        beyond = (f"the machine has N = {self.n} neurons, more than the dense bm overlay "
                  f"(neuropynq_bm) takes (N_MAX = {dense.n_max})")
        if sparse is None:
            raise LimitError(f"{beyond}, and {f'board {board}' if board else 'the board'} has no sparse bm overlay (neuropynq_bm_sparse; "
                             f"boards.txt bm_units = 0) for RUN_SPARSE frames")
        try:
            self.frame_kind(sparse)
        except LimitError:
            raise LimitError(f"{beyond}, and the sparse bm overlay (neuropynq_bm_sparse) takes N <= "
                             f"SPARSE_N_MAX = {sparse.sparse_n_max} with at most D_MAX = {sparse.d_max} "
                             f"non-zero weights in a row of W (this machine: {self.degree})") from None
        return True, sparse

    def dense_words(self) -> int:
        """Words of W in a RUN frame: ⌈N²/2⌉."""
        return -(-self.n * self.n // 2)

    def sparse_words(self) -> int:
        """Words of the neighbour lists (and the D word) in a RUN_SPARSE frame: N·D + 1."""
        return self.n * max(1, self.degree) + 1

    def neighbour_lists(self, slots: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(index, weight), each (N, D): row k's non-zero weights in column order, padded
        with index k and weight 0 (§4.3.1). D = `slots`, by default the degree (at least 1)."""
        d = max(1, self.degree) if slots is None else slots
        require(self.degree <= d, f"a row of W has {self.degree} non-zero weights, more than "
                                  f"D = {d} list slots")
        index = np.repeat(np.arange(self.n, dtype=np.int64)[:, None], d, axis=1)
        weight = np.zeros((self.n, d), dtype=np.int64)
        rows, cols = np.nonzero(self.W_q)           # row-major: each row's columns ascending
        slot = np.arange(rows.size) - np.searchsorted(rows, rows)
        index[rows, slot] = cols
        weight[rows, slot] = self.W_q[rows, cols]
        return index, weight

    def check_run(self, sweeps, burn_in, thin, tau, record,
                  limits: BMLimits = SPEC_BM_LIMITS) -> None:
        """LimitError naming the run parameter that §3.4 (or the build's τ limit) rejects."""
        sweeps = _require_int("sweeps", sweeps, 1, 1 << 32)
        burn_in = _require_int("burn_in", burn_in, 0, 1 << 32)
        thin = _require_int("thin", thin, 1, 1 << 32)
        _require_int("tau", tau, 1, limits.tau_max + 1)
        # Spike counts are one 32-bit word on the wire; more sweeps could wrap them silently.
        require(sweeps * thin < COUNT_WORD_LIMIT,
                f"sweeps*thin = {sweeps * thin} must be below 2^32 (spike counts are 32-bit words)")
        if record:
            words = sweeps * state_words(self.n)
            require(words < RECORD_WORDS_LIMIT,
                    f"recording {sweeps} states of {self.n} neurons needs {words} words; "
                    f"the limit is 2^31 (record fewer sweeps or switch recording off)")

    def check_init(self, init, tau: int) -> np.ndarray | None:
        """`init` (None, or N refractory counters 0…τ, e.g. a previous run's final state;
        entries of clamped neurons are ignored, as the kernel ignores them) as (N,) uint8;
        ParameterError naming the first bad entry."""
        if init is None:
            return None
        values = np.asarray(init)
        if values.shape != (self.n,) or not (np.issubdtype(values.dtype, np.integer)
                                              or values.dtype == bool):
            raise ParameterError(f"init must be {self.n} integer refractory counters (one per neuron), "
                                 f"got an array of shape {values.shape} and type {values.dtype}")
        bad = np.flatnonzero(~self.clamp_mask & ((values < 0) | (values > tau)))
        if bad.size:
            k = int(bad[0])
            raise ParameterError(f"init[{k}] = {int(values[k])}: an initial refractory counter must be in "
                                 f"0..tau = {tau} (1 = on, 0 = off for Gibbs sampling)")
        return np.where(self.clamp_mask, 0, values).astype(np.uint8)

    def frame(self, limits: BMLimits, sweeps: int, burn_in: int, thin: int, tau: int, seed: int,
              record: bool, init=None) -> np.ndarray:
        """The input frame for a build with `limits`: RUN or RUN_SPARSE (`frame_kind`)."""
        build = self.run_frame if self.frame_kind(limits) == Op.RUN else self.run_sparse_frame
        return build(sweeps, burn_in, thin, tau, seed, record, init)

    def run_frame(self, sweeps: int, burn_in: int, thin: int, tau: int, seed: int,
                  record: bool, init=None) -> np.ndarray:
        """The RUN input frame of §4.3 (uint32); `init` as `check_init` takes it."""
        flat = (self.W_q.ravel() & 0xFFFF).astype(np.uint32)
        if flat.size % 2:
            flat = np.append(flat, np.uint32(0))
        w_words = flat[0::2] | (flat[1::2] << np.uint32(16))
        model = [[self.n, self.colours], self.b_q & 0xFFFF, w_words, self.order, self.colour_end]
        return self._frame(Op.RUN, model, sweeps, burn_in, thin, tau, seed, record, init)

    def run_sparse_frame(self, sweeps: int, burn_in: int, thin: int, tau: int, seed: int,
                         record: bool, init=None, slots: int | None = None) -> np.ndarray:
        """The RUN_SPARSE input frame of §4.3.1 with D = `slots` list slots per neuron
        (default: the degree, at least 1); the same machine and run as `run_frame`, each
        colour's neurons in `loop_order` (what the sparse engine's z loop needs; the
        result is the same for any order within a colour)."""
        index, weight = self.neighbour_lists(slots)
        lists = index | ((weight & 0xFFFF) << 16)
        order = loop_order(self.W_q, self.order, self.colour_end)
        model = [[self.n, self.colours, index.shape[1]], order, self.colour_end,
                 self.b_q & 0xFFFF, lists.ravel()]
        return self._frame(Op.RUN_SPARSE, model, sweeps, burn_in, thin, tau, seed, record, init)

    def _frame(self, op: Op, model: list, sweeps: int, burn_in: int, thin: int, tau: int, seed: int,
               record: bool, init) -> np.ndarray:
        """Head, the frame's model words, then what RUN and RUN_SPARSE share: clamps, run
        parameters and the optional initial state."""
        self.check_run(sweeps, burn_in, thin, tau, record)
        seed = _require_int("seed", seed, 0, SEED_LIMIT)
        init = self.check_init(init, tau)
        flags = (FLAG_RECORD if record else 0) | (FLAG_INIT if init is not None else 0)
        params = [sweeps, burn_in, thin, tau, seed & 0xFFFFFFFF, seed >> 32, flags]
        parts = [head(MAGIC_BM, op), *model,
                 pack_bits(self.clamp_mask), pack_bits(self.clamp_value & self.clamp_mask), params,
                 ] + ([pack_zeta(init)] if init is not None else [])
        return np.concatenate([np.asarray(p, dtype=np.int64).ravel() for p in parts]).astype(np.uint32)

    def payload_words(self, sweeps: int, record: bool) -> int:
        return (sweeps * state_words(self.n) if record else 0) + 2 * self.n + zeta_words(self.n)

    def unpack(self, payload: np.ndarray, sweeps: int, record: bool) -> BMCounts:
        """Counts, final state (and states) from a RUN payload (§4.4); KernelError if its
        length is wrong."""
        payload = np.asarray(payload, dtype=np.uint32)
        expected = self.payload_words(sweeps, record)
        if payload.size != expected:
            raise KernelError(f"bm RUN payload has {payload.size} words, expected {expected} "
                              f"(N = {self.n}, sweeps = {sweeps}, record = {record})")
        states = None
        recorded = expected - 2 * self.n - zeta_words(self.n)
        if record:
            states = unpack_bits(payload[:recorded].reshape(sweeps, state_words(self.n)), self.n)
        counts = payload[recorded:recorded + 2 * self.n].astype(np.int64)
        final = unpack_zeta(payload[recorded + 2 * self.n:], self.n)
        return BMCounts(on_counts=counts[:self.n], spike_counts=counts[self.n:], states=states,
                        final_state=final)


def info_frame() -> np.ndarray:
    """The INFO input frame: just the head."""
    return np.asarray(head(MAGIC_BM, Op.INFO), dtype=np.uint32)


def info_payload(limits: BMLimits, lanes: int) -> np.ndarray:
    """INFO payload of §4.4: version, P, N_MAX, TAU_MAX, SPARSE_N_MAX, D_MAX."""
    return np.asarray([SPEC_VERSION, lanes, limits.n_max, limits.tau_max, limits.sparse_n_max,
                       limits.d_max], dtype=np.uint32)


def parse_info(payload) -> tuple[BMLimits, int]:
    """(limits, lanes) from an INFO payload; KernelError if it is malformed."""
    payload = np.asarray(payload, dtype=np.uint32)
    if payload.size != INFO_PAYLOAD_WORDS:
        raise KernelError(f"bm INFO payload has {payload.size} words, expected {INFO_PAYLOAD_WORDS}")
    version, lanes, n_max, tau_max, sparse_n_max, d_max = (int(w) for w in payload)
    if version != SPEC_VERSION:
        raise KernelError(f"the bm kernel implements spec version {version}, the host {SPEC_VERSION}")
    # A build has a dense engine (N_MAX > 0), a sparse one (SPARSE_N_MAX and D_MAX > 0) or both.
    if lanes < 1 or tau_max < 1 or (n_max < 1 and sparse_n_max < 1) or (sparse_n_max < 1) != (d_max < 1):
        raise KernelError(f"bm INFO reports impossible values: P = {lanes}, N_MAX = {n_max}, "
                          f"TAU_MAX = {tau_max}, SPARSE_N_MAX = {sparse_n_max}, D_MAX = {d_max}")
    return BMLimits(n_max=n_max, tau_max=tau_max, sparse_n_max=sparse_n_max, d_max=d_max), lanes
