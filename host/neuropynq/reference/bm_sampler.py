"""The `bm_sampler` reference kernel, bit-exact to docs/spec.md §3 and §4.

`run_frame` is the whole kernel: it reads and validates a frame (RUN, RUN_SPARSE
or INFO) as the hardware does (§4.5) and answers with the output frame, word for
word what the HLS and SystemVerilog kernels must answer. `sample` runs a host-built
model directly. A RUN_SPARSE frame's lists become the same dense W (duplicate
indices adding up), so both frames of one machine run the same chain.

Validation details the spec leaves to the implementation, fixed here so the
other implementations can match them:
* each word's value is checked before its TLAST (a bad magic with TLAST is BAD_MAGIC);
* bits [31:16] of b, order and colour_end words are ignored, as are mask bits past
  N, clamp values of unclamped neurons, flag bits other than RECORD and INIT, and the
  initial-state bytes of clamped neurons and past N;
* colour_end word c is BAD_MODEL when it is not above the previous end (0 before
  colour 0, so every colour is non-empty), when it exceeds N, or when it is the
  last one and not N;
* an order word is BAD_MODEL when it is ≥ N or repeats an earlier one;
* a RUN_SPARSE list word is BAD_MODEL when its index (bits [15:0]) is ≥ N, whatever
  its weight;
* sweeps·thin < 2^32 is checked at the thin word,
  the recorded-words limit at the flags word;
* an initial-state word is BAD_PARAMS when a free neuron's byte in it exceeds τ.

Speed: every free neuron draws once per sweep, so the draws of a block of sweeps
come from one `Streams.next()` per sweep. Schedules with small colours (dense
machines: one neuron per colour) run a scalar loop over Python ints that keeps
each neuron's potential up to date as neighbours flip; schedules with large
colours (sparse or bipartite machines) update a colour with numpy.
"""
from __future__ import annotations

import numpy as np

from ..errors import KernelError
from ..framing import MAGIC_BM, SPEC_VERSION, Op, Status, output_frame
from ..kernels.bm_model import (COUNT_WORD_LIMIT, FLAG_INIT, FLAG_RECORD, RECORD_WORDS_LIMIT,
                                SEED_LIMIT, ZETAS_PER_WORD, BMCounts, BMKernelModel, info_payload,
                                pack_bits, pack_zeta, state_words, unpack_bits, zeta_words)
from ..limits import SPEC_BM_LIMITS, BMLimits, require
from ..luts import LNTAU_LUT, SIGMOID_LUT
from ..rng import Streams

SIGMOID_INDEX_SHIFT = 4                    # v >> 4: 1/64 steps of a Q.10 value
SIGMOID_INDEX_MAX = SIGMOID_LUT.size - 1
SIGMOID_INDEX_MID = SIGMOID_LUT.size // 2
BLOCK_DRAWS = 1 << 16                      # draws generated per block (memory bound)
VECTOR_COLOUR_SIZE = 8                     # mean colour size from which numpy beats Python ints


class LutRule:
    """The spike rule of §3.2: fire iff (r >> 8) < SIGMOID_LUT[clamp(((u − LNTAU[τ]) >> 4) + 512)]."""

    draw_shift = 8

    def __init__(self, tau: int) -> None:
        self.threshold = int(LNTAU_LUT[tau])
        self.table = SIGMOID_LUT.tolist()

    def level(self, u: int) -> int:
        """The value r >> 8 must stay below for neuron with potential u (a Python int) to fire."""
        i = ((u - self.threshold) >> SIGMOID_INDEX_SHIFT) + SIGMOID_INDEX_MID
        return self.table[0 if i < 0 else (SIGMOID_INDEX_MAX if i > SIGMOID_INDEX_MAX else i)]

    def levels(self, u: np.ndarray) -> np.ndarray:
        """`level` for an array of (integer-valued) potentials."""
        v = u.astype(np.int64) - self.threshold
        return SIGMOID_LUT[np.clip((v >> SIGMOID_INDEX_SHIFT) + SIGMOID_INDEX_MID, 0, SIGMOID_INDEX_MAX)]


def sample(model: BMKernelModel, sweeps: int, burn_in: int, thin: int, tau: int, seed: int,
           record: bool, init=None) -> BMCounts:
    """Run `model` as the kernel would (same counts and states as `run_frame`) from the
    initial state `init` (None: every free neuron off; see `BMKernelModel.check_init`)."""
    model.check_run(sweeps, burn_in, thin, tau, record)
    require(isinstance(seed, (int, np.integer)) and 0 <= seed < SEED_LIMIT,
            f"seed must be a 64-bit unsigned integer, got {seed!r}")
    return simulate(model, sweeps, burn_in, thin, tau, int(seed), record,
                    init=model.check_init(init, tau))


def simulate(model: BMKernelModel, sweeps: int, burn_in: int, thin: int, tau: int, seed: int,
             record: bool, vector: bool | None = None, init: np.ndarray | None = None) -> BMCounts:
    """The run of §3.3 on already-validated parameters. `vector` forces the numpy
    (True) or the scalar (False) engine; both give identical results."""
    return run_chain(model.W_q, model.b_q, model.order, model.colour_end, model.clamp_mask,
                     model.clamp_value, LutRule(tau), sweeps, burn_in, thin, tau, seed, record,
                     vector, init)


def run_chain(W, b, order, colour_end, clamp_mask, clamp_value, rule, sweeps: int, burn_in: int,
              thin: int, tau: int, seed: int, record: bool, vector: bool | None = None,
              init: np.ndarray | None = None) -> BMCounts:
    """Refractory neural sampling (§3.2–3.3) with the spike rule `rule` (`LutRule`, or the
    float twin's): W, b integer (Q5.10, exact arithmetic) or float. `init`: the initial ζ
    of every neuron (None: 0); clamped neurons start, stay and end at their value."""
    free = np.flatnonzero(~clamp_mask)
    zeta0 = np.where(clamp_mask, clamp_value,
                     0 if init is None else np.asarray(init, dtype=np.int64)).astype(np.int64)
    colours = _schedule(order, colour_end, clamp_mask)
    if vector is None:
        vector = free.size >= VECTOR_COLOUR_SIZE * len(colours)
    engine = (_VectorEngine if vector else _ScalarEngine)(W, b, colours, free, zeta0, rule, tau)
    streams = Streams(seed, free)
    for _ in engine.advance(streams, burn_in, thin=0):
        pass    # burn-in records nothing
    engine.spikes_since_burn_in()
    on_counts = np.zeros(W.shape[0], dtype=np.int64)
    kept = []
    for states in engine.advance(streams, sweeps * thin, thin=thin):
        on_counts += states.sum(axis=0, dtype=np.int64)
        if record:
            kept.append(states)
    states = np.concatenate(kept) if record else None
    final = zeta0.copy()
    final[free] = engine.free_zeta()
    return BMCounts(on_counts=on_counts, spike_counts=engine.spike_counts(), states=states,
                    final_state=final.astype(np.uint8))


def _schedule(order, colour_end, clamp_mask) -> list[np.ndarray]:
    """The free neurons of each colour, in order (clamped neurons are skipped)."""
    bounds = np.concatenate(([0], colour_end))
    colours = [np.asarray(order[a:e]) for a, e in zip(bounds[:-1], bounds[1:])]
    return [c[~clamp_mask[c]] for c in colours if not clamp_mask[c].all()]


def _draw_blocks(streams: Streams, count: int, shift: int):
    """Yield (rows, n_free) arrays of r >> shift, one row per sweep, `count` rows in all."""
    rows_per_block = max(1, BLOCK_DRAWS // max(1, len(streams)))
    while count > 0:
        rows = min(rows_per_block, count)
        block = np.empty((rows, len(streams)), dtype=np.uint32)
        for i in range(rows):
            block[i] = streams.next()
        yield block >> np.uint32(shift)
        count -= rows


class _Engine:
    """What both engines share: the size, the spike rule, τ, and each free neuron's
    position in a sweep's row of draws (−1 for clamped neurons)."""

    def __init__(self, W, free, rule, tau: int) -> None:
        self.n = W.shape[0]
        self.rule = rule
        self.tau = tau
        self.position = np.full(self.n, -1, dtype=np.int64)
        self.position[free] = np.arange(free.size)


class _ScalarEngine(_Engine):
    """State in Python scalars: ζ, and each free neuron's potential u, kept up to date as
    neighbours flip (exact for integer W)."""

    def __init__(self, W, b, colours, free, zeta0, rule, tau: int) -> None:
        super().__init__(W, free, rule, tau)
        z0 = (zeta0 > 0).astype(W.dtype)
        # Neurons as positions 0…F−1 in the draw row; a colour is a tuple of positions.
        self.colours = [tuple(self.position[c].tolist()) for c in colours]
        self.neuron = free.tolist()
        self.u = (b[free] + W[free] @ z0).tolist()
        # Neuron k turning on (off) adds (subtracts) W[j, k] to u_j; only free j matter.
        columns = W[free][:, free]
        self.fan_on = [list(zip(np.flatnonzero(col).tolist(), col[col != 0].tolist()))
                       for col in columns.T]
        self.fan_off = [[(p, -w) for p, w in fan] for fan in self.fan_on]
        self.zeta = zeta0[free].tolist()
        self.spikes = [0] * free.size
        self.mask = sum(1 << k for k in np.flatnonzero(z0).tolist())
        self.mask_bytes = -(-self.n // 8)

    def spikes_since_burn_in(self) -> None:
        self.spikes = [0] * len(self.spikes)

    def free_zeta(self) -> list[int]:
        return self.zeta

    def spike_counts(self) -> np.ndarray:
        counts = np.zeros(self.n, dtype=np.int64)
        counts[self.neuron] = self.spikes
        return counts

    def advance(self, streams: Streams, count: int, thin: int):
        """Run `count` sweeps, yielding per block of draws the states after every
        `thin`-th sweep (none if thin = 0) as (M, N) uint8."""
        tau, level = self.tau, self.rule.level
        colours, neuron = self.colours, self.neuron
        fan_on, fan_off = self.fan_on, self.fan_off
        u, zeta, spikes = self.u, self.zeta, self.spikes
        mask, countdown = self.mask, thin
        for block in _draw_blocks(streams, count, self.rule.draw_shift):
            recorded = []
            for draw in block.tolist():
                for colour in colours:
                    # Jacobi: every neuron of the colour decides on u from before the colour,
                    # then the potentials take in the colour's flips.
                    flips = []
                    for p in colour:
                        old = zeta[p]
                        if old > 1:     # refractory: z stays 1, the draw is discarded
                            zeta[p] = old - 1
                        elif draw[p] < level(u[p]):
                            zeta[p] = tau
                            spikes[p] += 1
                            if not old:
                                flips.append(p)
                        elif old:
                            zeta[p] = 0
                            flips.append(p)
                    for p in flips:
                        mask ^= 1 << neuron[p]
                        for q, w in (fan_on[p] if zeta[p] else fan_off[p]):
                            u[q] += w
                if thin:
                    countdown -= 1
                    if countdown == 0:
                        recorded.append(mask)
                        countdown = thin
            yield self._unpack(recorded)
        self.mask = mask

    def _unpack(self, masks: list[int]) -> np.ndarray:
        raw = b"".join(m.to_bytes(self.mask_bytes, "little") for m in masks)
        bits = np.frombuffer(raw, dtype=np.uint8).reshape(len(masks), self.mask_bytes)
        return np.unpackbits(bits, axis=1, bitorder="little")[:, :self.n]


class _VectorEngine(_Engine):
    """State in numpy arrays; a colour's potentials are recomputed from its rows of W
    (in float64, exact for Q5.10 integers: |u| < 2^26)."""

    def __init__(self, W, b, colours, free, zeta0, rule, tau: int) -> None:
        super().__init__(W, free, rule, tau)
        self.colours = [(c, self.position[c], W[c].astype(np.float64), b[c].astype(np.float64))
                        for c in colours]
        self.free = free
        self.z = (zeta0 > 0).astype(np.float64)
        self.zeta = zeta0.copy()
        self.spikes = np.zeros(self.n, dtype=np.int64)

    def spikes_since_burn_in(self) -> None:
        self.spikes[:] = 0

    def free_zeta(self) -> np.ndarray:
        return self.zeta[self.free]

    def spike_counts(self) -> np.ndarray:
        return self.spikes.copy()

    def advance(self, streams: Streams, count: int, thin: int):
        """As `_ScalarEngine.advance`."""
        z, zeta, spikes, tau, levels = self.z, self.zeta, self.spikes, self.tau, self.rule.levels
        sweep = 0
        for block in _draw_blocks(streams, count, self.rule.draw_shift):
            recorded = []
            for draw in block:
                for idx, pos, rows, bias in self.colours:
                    old = zeta[idx]
                    may_fire = old <= 1
                    fire = may_fire & (draw[pos] < levels(bias + rows @ z))
                    new = np.where(may_fire, np.where(fire, tau, 0), old - 1)
                    spikes[idx] += fire
                    zeta[idx] = new
                    z[idx] = new > 0
                sweep += 1
                if thin and sweep % thin == 0:
                    recorded.append(z.astype(np.uint8))
            yield np.array(recorded, dtype=np.uint8).reshape(len(recorded), self.n)


class _Reject(Exception):
    """The frame fails a check; the kernel answers with `status` and an empty payload."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.name)
        self.status = status


class _FrameReader:
    """Reads a frame field by field as the kernel does: a field's values are checked
    before its TLAST, and TLAST must sit on the frame's last word and nowhere else."""

    def __init__(self, words: np.ndarray) -> None:
        self.words = words
        self.pos = 0

    def _take(self, count: int) -> np.ndarray:
        chunk = self.words[self.pos:self.pos + count]
        self.pos += chunk.size
        return chunk

    def _check_end(self, complete: bool, final: bool) -> None:
        tlast = self.pos == self.words.size     # the stream's only TLAST is on its last word
        if not complete or (tlast and not final):
            raise _Reject(Status.SHORT_FRAME)
        if final and not tlast:
            raise _Reject(Status.LONG_FRAME)

    def field(self, count: int, bad=None, status: Status = Status.OK, final=False) -> np.ndarray:
        """The next `count` words; `bad(words)` true (for the words up to TLAST) → `status`;
        `final`: the frame must end with this field."""
        chunk = self._take(count)
        if bad is not None and bad(chunk):
            raise _Reject(status)
        self._check_end(chunk.size == count, final=final)
        return chunk

    def word(self, bad=None, status: Status = Status.OK, final=False) -> int:
        """The next word; `bad(value)` true → `status`. `final` (a bool, or a predicate of
        the value) says whether the frame must end on this word."""
        value = int(self._take(1)[0])   # never past the end: the previous word had no TLAST
        if bad is not None and bad(value):
            raise _Reject(status)
        self._check_end(True, final(value) if callable(final) else final)
        return value


def _stream(words, last) -> np.ndarray:
    """The words of one frame; the TLAST flags must mark exactly its final word."""
    words = np.asarray(words, dtype=np.uint32).ravel()
    if last is None:
        last = np.zeros(words.size, dtype=bool)
        last[-1:] = True
    last = np.asarray(last, dtype=bool).ravel()
    if last.shape != words.shape:
        raise KernelError(f"TLAST flags ({last.size}) and words ({words.size}) differ in number")
    ends = np.flatnonzero(last)
    if ends.size == 0:
        raise KernelError("the input has no TLAST: a kernel would wait for more words")
    if ends[0] != words.size - 1:
        raise KernelError(f"words follow the TLAST at word {ends[0]}: pass one frame per call")
    return words


def _low_half_signed(words: np.ndarray) -> np.ndarray:
    return (words & np.uint32(0xFFFF)).astype(np.uint16).view(np.int16).astype(np.int64)


def _first_order_error(n: int):
    def bad(chunk: np.ndarray) -> bool:
        values = (chunk & np.uint32(0xFFFF)).astype(np.int64)
        return bool(np.any(values >= n) or np.unique(values).size != values.size)
    return bad


def _colour_end_error(n: int, colours: int):
    def bad(chunk: np.ndarray) -> bool:
        ends = (chunk & np.uint32(0xFFFF)).astype(np.int64)
        previous = np.concatenate(([0], ends[:-1]))
        last_wrong = ends.size == colours and ends[-1] != n
        return bool(np.any(ends <= previous) or np.any(ends > n) or last_wrong)
    return bad


def _read_run(reader: _FrameReader, limits: BMLimits):
    """A RUN frame after its head (§4.3)."""
    n = reader.word(lambda v: v == 0 or v > limits.n_max, Status.LIMIT)
    colours = reader.word(lambda v: v == 0 or v > n, Status.LIMIT)
    b_q = _low_half_signed(reader.field(n))
    w_words = reader.field(-(-n * n // 2))
    halves = np.empty(2 * w_words.size, dtype=np.uint32)
    halves[0::2] = w_words
    halves[1::2] = w_words >> np.uint32(16)
    W_q = _low_half_signed(halves[:n * n]).reshape(n, n)
    order, colour_end = _read_schedule(reader, n, colours)
    return _read_tail(reader, limits, n, W_q, b_q, order, colour_end)


def _read_run_sparse(reader: _FrameReader, limits: BMLimits):
    """A RUN_SPARSE frame after its head (§4.3.1): the lists become a dense W."""
    n = reader.word(lambda v: v == 0 or v > limits.sparse_n_max, Status.LIMIT)
    colours = reader.word(lambda v: v == 0 or v > n, Status.LIMIT)
    slots = reader.word(lambda v: v == 0 or v > limits.d_max, Status.LIMIT)
    order, colour_end = _read_schedule(reader, n, colours)
    b_q = _low_half_signed(reader.field(n))
    lists = reader.field(n * slots, lambda chunk: bool(np.any((chunk & np.uint32(0xFFFF)) >= n)),
                         Status.BAD_MODEL)
    index = (lists & np.uint32(0xFFFF)).astype(np.int64)
    weight = _low_half_signed(lists >> np.uint32(16))
    W_q = np.zeros((n, n), dtype=np.int64)
    np.add.at(W_q, (np.arange(n).repeat(slots), index), weight)
    return _read_tail(reader, limits, n, W_q, b_q, order, colour_end)


def _read_schedule(reader: _FrameReader, n: int, colours: int):
    order = (reader.field(n, _first_order_error(n), Status.BAD_MODEL) & 0xFFFF).astype(np.int64)
    colour_end = (reader.field(colours, _colour_end_error(n, colours), Status.BAD_MODEL)
                  & 0xFFFF).astype(np.int64)
    return order, colour_end


def _read_tail(reader: _FrameReader, limits: BMLimits, n: int, W_q, b_q, order, colour_end):
    """What RUN and RUN_SPARSE share after the model: clamps, run parameters, initial state."""
    mask = unpack_bits(reader.field(state_words(n)), n).astype(bool)
    value = unpack_bits(reader.field(state_words(n)), n) & mask
    model = BMKernelModel(n, W_q, b_q, order, colour_end, mask, value)
    # Initial-state bytes of clamped neurons and past N are ignored.
    free_bytes = np.concatenate([~mask, np.zeros(zeta_words(n) * ZETAS_PER_WORD - n, dtype=bool)])

    sweeps = reader.word(lambda v: v == 0, Status.BAD_PARAMS)
    burn_in = reader.word()
    thin = reader.word(lambda v: v == 0 or sweeps * v >= COUNT_WORD_LIMIT, Status.BAD_PARAMS)
    tau = reader.word(lambda v: v == 0 or v > limits.tau_max, Status.BAD_PARAMS)
    seed = reader.word() | (reader.word() << 32)
    flags = reader.word(lambda v: bool(v & FLAG_RECORD)
                        and sweeps * state_words(n) >= RECORD_WORDS_LIMIT,
                        Status.BAD_PARAMS, final=lambda v: not v & FLAG_INIT)
    init = None
    if flags & FLAG_INIT:
        def too_high(chunk: np.ndarray) -> bool:
            zeta = np.ascontiguousarray(chunk, dtype="<u4").view(np.uint8)
            return bool(np.any(free_bytes[:zeta.size] & (zeta > tau)))
        words = reader.field(zeta_words(n), too_high, Status.BAD_PARAMS, final=True)
        init = np.where(mask, 0, np.ascontiguousarray(words, dtype="<u4").view(np.uint8)[:n])
    return model, sweeps, burn_in, thin, tau, seed, bool(flags & FLAG_RECORD), init


def run_frame(words, last=None, lanes: int = 1, limits: BMLimits = SPEC_BM_LIMITS) -> np.ndarray:
    """The kernel: one input frame (uint32 words; `last` the TLAST flags, by default on
    the final word) in, one output frame out, exactly as spec §4. `lanes` and `limits`
    are the build's P and limits, reported by INFO."""
    reader = _FrameReader(_stream(words, last))
    try:
        reader.word(lambda v: v != MAGIC_BM, Status.BAD_MAGIC)
        reader.word(lambda v: v != SPEC_VERSION, Status.BAD_VERSION)
        op = reader.word(lambda v: v not in (Op.RUN, Op.INFO, Op.RUN_SPARSE), Status.BAD_OPCODE,
                         final=lambda v: v == Op.INFO)
        if op == Op.INFO:
            return output_frame(Status.OK, info_payload(limits, lanes))
        read = _read_run if op == Op.RUN else _read_run_sparse
        model, sweeps, burn_in, thin, tau, seed, record, init = read(reader, limits)
    except _Reject as reject:
        return output_frame(reject.status)
    counts = simulate(model, sweeps, burn_in, thin, tau, seed, record, init=init)
    parts = [pack_bits(counts.states).ravel()] if record else []
    parts += [counts.on_counts, counts.spike_counts, pack_zeta(counts.final_state)]
    # Counts leave the kernel as 32-bit words (§4.4).
    payload = np.concatenate([np.asarray(p, dtype=np.int64) for p in parts]) & 0xFFFFFFFF
    return output_frame(Status.OK, payload)
