"""What the host must know about a frame before running it on a board: how many
output words to make room for (docs/spec.md §4.4), and how long the kernel may
take over it (the deadline of every wait)."""
from __future__ import annotations

import math

import numpy as np

from ..framing import HEAD_WORDS, MAGIC_BM, MAGIC_BN, OUT_HEAD_WORDS, Op
from ..codegen.sv import SEED_LATENCY
from ..boards import BM_ENGINES
from ..kernels.bm_model import FLAG_RECORD, INFO_PAYLOAD_WORDS as BM_INFO_WORDS, zeta_words
from ..kernels.bn_model import INFO_PAYLOAD_WORDS as BN_INFO_WORDS, RUN_PARAM_WORDS as BN_RUN_PARAMS, \
    frame_layout, run_params_at

BM_RUN_PARAMS = 7


def _bm_run_params(frame: np.ndarray) -> np.ndarray | None:
    """The 7 run-parameter words of a bm RUN or RUN_SPARSE frame (they precede the
    optional initial state, §4.3, §4.3.1), or None if the frame is too short to hold them."""
    n = int(frame[HEAD_WORDS])
    colours = int(frame[HEAD_WORDS + 1]) if frame.size > HEAD_WORDS + 1 else 0
    if int(frame[2]) == Op.RUN_SPARSE:
        slots = int(frame[HEAD_WORDS + 2]) if frame.size > HEAD_WORDS + 2 else 0
        model_words = 3 + n + colours + n + n * slots       # N, C, D, order, ends, b, lists
    else:
        model_words = 2 + n + (n * n + 1) // 2 + n + colours
    at = HEAD_WORDS + model_words + 2 * ((n + 31) // 32)
    return frame[at:at + BM_RUN_PARAMS] if frame.size >= at + BM_RUN_PARAMS else None

# Deadline = FLOOR_S + MARGIN x the frame's cycle estimate at the board's clock.
# The floor covers what is not kernel time: Python, cache flush/invalidate and the
# DMA set-up (milliseconds on a Cortex-A9). The margin covers the gap between the
# cycle model (the twins' schedules, docs/rtl.md) and the HLS kernels, whose loops may
# run at II up to 8 where HLS cannot prove table banks distinct (docs/hls.md).
FLOOR_S = 1.0
MARGIN = 16


def output_capacity(frame: np.ndarray) -> int:
    """Words the output frame will have for a well-formed `frame`; a malformed
    frame gets the 3-word error frame, which always fits."""
    frame = np.asarray(frame, dtype=np.uint32)
    if frame.size < HEAD_WORDS:
        return OUT_HEAD_WORDS
    magic, op = int(frame[0]), int(frame[2])
    if op == Op.INFO:
        return OUT_HEAD_WORDS + (BN_INFO_WORDS if magic == MAGIC_BN else BM_INFO_WORDS)
    is_run = op == Op.RUN or (magic == MAGIC_BM and op == Op.RUN_SPARSE)
    if not is_run or frame.size < HEAD_WORDS + 2:
        return OUT_HEAD_WORDS
    if magic == MAGIC_BN:
        layout = frame_layout(frame)
        cards = layout[0] if layout is not None else []
        return OUT_HEAD_WORDS + 2 * (sum(cards) + 1)
    if magic == MAGIC_BM:
        n, params = int(frame[HEAD_WORDS]), _bm_run_params(frame)
        if params is None:
            return OUT_HEAD_WORDS
        sweeps, flags = int(params[0]), int(params[-1])
        recorded = sweeps * ((n + 31) // 32) if flags & FLAG_RECORD else 0
        return OUT_HEAD_WORDS + recorded + 2 * n + zeta_words(n)
    return OUT_HEAD_WORDS


BN_BATCH = 16             # bn twin: samples per lane and round (hw/rtl/bn_base_pkg.sv BATCH)
BN_LIVE_CYCLES = 6        # bn_poisson: cycles per live sample besides its draws
BN_ROUND_START = 1        # bn_ctrl: the cycle a round starts in (S_ROUND)
BN_UNITS_LAG = 19         # bn_ctrl: a threshold step's first slot to the next one's, beyond
                          # the units' cycles (its 16 slots, starting the units, their busy flag)


def bn_unit_cycles(draws: np.ndarray, lanes: int) -> np.ndarray:
    """Cycles of the slowest lane's Poisson unit in each round of the bn twin: the lane's
    samples in turn, draws + 6 cycles for a live one (window draws min(n + 1, T),
    `neuropynq.reference.bn_sampler.window_draws`), 1 for a silent one (also the empty
    slots of the last round)."""
    draws = np.asarray(draws, dtype=np.int64)
    per_round = lanes * BN_BATCH
    rounds = -(-draws.size // per_round)
    padded = np.zeros(rounds * per_round, dtype=np.int64)
    padded[:draws.size] = draws
    unit = np.where(padded > 0, padded + BN_LIVE_CYCLES, 1).reshape(rounds, lanes, BN_BATCH).sum(axis=2)
    return unit.max(axis=1)


def bn_run_cycles(draws: np.ndarray, lanes: int, n_vars: int) -> int:
    """Cycles of the bn twin's rounds (docs/rtl.md), from the first round's start to
    the start of the last readout pass. The Poisson units run round j's windows beside
    round j + 1's variable loop, and round j + 1's threshold step waits for them: from
    one threshold step to the next is max(BATCH·(V + 1) + 1, the previous round's
    slowest unit + 19) cycles. After the last round: the second-last round's readout
    pass (BATCH·V slots) beside the last round's windows, then the last round's pass."""
    unit = bn_unit_cycles(draws, lanes)
    loop = BN_BATCH * n_vars
    steps = np.maximum(loop + BN_BATCH + BN_ROUND_START, unit[:-1] + BN_UNITS_LAG)
    tail = max(loop if unit.size > 1 else 0, int(unit[-1])) + BN_UNITS_LAG
    return int(BN_ROUND_START + loop + steps.sum() + tail)


# ---------------------------------------------------------------- bm_sampler's schedule
# Cycle by cycle from hw/rtl/bm_frontend.sv and bm_core.sv (docs/rtl.md), with the
# stream at full rate both ways; tests/rtl/bm_sampler checks it against the twin.
BM_THIN_WAIT = 4       # the THIN word waits while sweeps * thin < 2^32 is checked
BM_SCHED_EXTRA = 4     # the schedule builder: N positions through four steps, then done
BM_START = 5           # the output head (3 words), the core's start, its first state
BM_INIT_EXTRA = SEED_LATENCY + 2    # seeding: N requests, the seeder's latency, the turn
BM_LATE_REACH = 4      # a colour start waits until its late neuron is 4 - B stages past A
BM_SWEEP_DRAIN = 7     # a sweep's drain (W, A, T1, T2, R, U) and its bookkeeping
BM_EMPTY_SWEEP = 2     # a sweep without free neurons
BM_RECORD_EXTRA = 1    # a recorded sweep: ceil(N/P) + 1 cycles of on counts, then its words
BM_COUNT_WORD = 4      # an on or spike count out: address, memory read, register, hand-over
BM_FINAL_WORD = 10     # a final-state word: two cycles per ζ byte, then hand-over


def bm_sweep_cycles(n: int, free: int, colours: int, lanes: int) -> int:
    """Cycles of one sweep of bm_sampler: `free` neurons of B = ceil(n/lanes) beats
    each, issued back to back; each of the `colours` colour starts after the first waits
    max(0, 4 - B) cycles for the neuron still in flight; then the drain."""
    if free == 0:
        return BM_EMPTY_SWEEP
    beats = math.ceil(n / lanes)
    return free * beats + (colours - 1) * max(0, BM_LATE_REACH - beats) + BM_SWEEP_DRAIN


def _bm_colours(frame: np.ndarray, n: int, colours: int) -> list[np.ndarray] | None:
    """The free neurons of each colour of a bm RUN frame that has one (in order); None
    if its order is not made of neurons below N (the kernel refuses the frame)."""
    order_at = HEAD_WORDS + 2 + n + (n * n + 1) // 2
    order = frame[order_at:order_at + n].astype(np.int64)
    if np.any(order >= n):
        return None
    ends = frame[order_at + n:order_at + n + colours].astype(np.int64)
    mask_words = frame[order_at + n + colours:order_at + n + colours + (n + 31) // 32]
    k = np.arange(n)
    clamped = ((mask_words[k // 32].astype(np.int64) >> (k % 32)) & 1).astype(bool)
    starts = np.concatenate([[0], ends[:-1]])
    live = [order[a:b][~clamped[order[a:b]]] for a, b in zip(starts, ends)]
    return [c for c in live if c.size]


def _bm_weights(frame: np.ndarray, n: int) -> np.ndarray:
    """W of a bm RUN frame as int16, row-major N x N."""
    words = frame[HEAD_WORDS + 2 + n:HEAD_WORDS + 2 + n + (n * n + 1) // 2].astype(np.uint32)
    halves = np.stack([words & 0xFFFF, words >> 16], axis=1).ravel()[:n * n]
    return halves.astype(np.uint16).view(np.int16).reshape(n, n)


# The field engine (hw/rtl/bm_field_core.sv, boards.txt bm_engine = fields), cycle by
# cycle; tests/rtl/bm_field checks it against the twin.
FIELD_CHECK_WAIT = 10  # C_CHECK: a colour of several neurons, read to verdict after its columns
FIELD_REISSUE = 20     # a neuron's next decide issues >= S_A = 20 cycles after its last
FIELD_DRAIN = 21       # from an op's issue until the pipeline is empty (v_p == 0)
FIELD_COUNT_WORD = 3   # an on or spike count out: address, memory output, hand-over
FIELD_CORR_LANES = 4   # C_CORR: the correction table's weights per position (one a cycle)
FIELD_CORR_DRAIN = 10  # C_CORR: from its last column read to the run's first op
FIELD_INIT_GAP = 4     # bubbles between the INIT ops and the first DECIDE
FIELD_EMPTY_SWEEP = 3  # a sweep of no neurons: its end, its counts, their compares


def bm_field_sweep_cycles(free: int, deferred: int) -> int:
    """Cycles of one sweep of the field engine between pauses (but the first after one,
    which takes its ops alone): one op per free neuron and one more per neuron of a
    deferred colour, one a cycle; a neuron decided again within 20 cycles of its last
    decision waits (N < 20); a sweep of no neurons waits for the counts of the last."""
    return max(free + deferred, FIELD_REISSUE) if free else FIELD_EMPTY_SWEEP


def _field_core_cycles(frame: np.ndarray, params: np.ndarray, n: int,
                       colours: list[np.ndarray]) -> int:
    """bm_field_core from its start to its last output word: seeding, the colour check,
    the correction table (four weights a position), the BIAS and INIT ops, the sweeps
    (one op per cycle; a colour of several connected neurons defers its adds to one APPLY
    op per neuron), the recorded sweeps' words, the counts and the final state."""
    sweeps, burn_in, thin = (int(w) for w in params[:3])
    record = bool(int(params[-1]) & FLAG_RECORD)
    W = _bm_weights(frame, n)
    check = 1 + sum(1 if c.size == 1 else 2 * c.size + FIELD_CHECK_WAIT for c in colours)
    free = sum(c.size for c in colours)
    corr = FIELD_CORR_LANES * free + FIELD_CORR_DRAIN if free else 0
    deferred = sum(c.size for c in colours
                   if c.size > 1 and np.any(W[np.ix_(c, c)][~np.eye(c.size, dtype=bool)]))
    period = bm_field_sweep_cycles(free, deferred)
    first = free + deferred if free else 1      # a sweep after an empty pipeline
    # Sweeps run back to back between pauses: each recorded sweep's words (after the
    # pipeline drains), then the counts (after it drains again).
    total = burn_in + sweeps * thin
    segments = [burn_in + thin] + [thin] * (sweeps - 1) if record else [total]
    # seeding, the colour check, the correction table, the BIAS op, the INIT ops
    t = n + SEED_LATENCY + 2 + check + corr + 1 + n + FIELD_INIT_GAP
    last_op = t - 1 - FIELD_INIT_GAP           # the last INIT op
    for i, s in enumerate(segments):
        span = first + (s - 1) * period
        if free:
            last_op = t + span - 1
        t = max(t + span, last_op + FIELD_DRAIN)    # the cycle the drain is seen
        if record:
            t += 1 + (n + 31) // 32 + 1             # the words, then back to run (or drain)
            if i == len(segments) - 1:
                t += 1                              # the drain finds the pipeline empty
        else:
            t += 1
    return t + 2 * n * FIELD_COUNT_WORD + zeta_words(n) * BM_FINAL_WORD


def _bm_run_cycles(frame: np.ndarray, params: np.ndarray, lanes: int, engine: str) -> int | None:
    """From the first input word of a bm RUN frame to its last output word; None for a
    frame the kernel refuses before it runs."""
    n, n_colours = int(frame[HEAD_WORDS]), int(frame[HEAD_WORDS + 1])
    colours = _bm_colours(frame, n, n_colours)
    if colours is None:
        return None
    weight_words = (n * n + 1) // 2
    # a weight word takes two cycles, one per weight (the padding of an odd N^2 none)
    read = int(frame.size) + weight_words - (n * n) % 2 + BM_THIN_WAIT
    front = read + n + BM_SCHED_EXTRA + BM_START
    if engine == "fields":
        return front + _field_core_cycles(frame, params, n, colours)
    free, live_colours = sum(c.size for c in colours), len(colours)
    sweeps, burn_in, thin = (int(w) for w in params[:3])
    record = int(params[-1]) & FLAG_RECORD
    recorded = (math.ceil(n / lanes) + BM_RECORD_EXTRA
                + ((n + 31) // 32 + 1 if record else 0))
    return (front + n + BM_INIT_EXTRA
            + (burn_in + sweeps * thin) * bm_sweep_cycles(n, free, live_colours, lanes)
            + sweeps * recorded
            + 2 * n * BM_COUNT_WORD + zeta_words(n) * BM_FINAL_WORD)


# The sparse engine (hw/rtl/bm_sparse_core.sv, ENGINE = 2; docs/rtl.md), likewise.
BM_SPARSE_LOOP = 4       # an op's z is read by the ops issued this many cycles after it or
                         # later (written in s17, read in s14): the z loop
BM_SPARSE_FIXED = 25 + SEED_LATENCY  # per run: the head out, the core's start, the seeder's latency past
                         # the init pass's N positions, the turns, the last drain (17 stages)
BM_SPARSE_RECORD_DRAIN = 17  # a recorded sweep but the last: the pipeline drained before its
                             # words (the last one's drain is the run's)
BM_SPARSE_WORD_EXTRA = 6     # an output word: its items asked one a cycle, then three cycles
                             # of read-out pipeline, the word on the bus and taken


def bm_sparse_bubbles(colour_end, units: int, hazard) -> np.ndarray:
    """The bubbles before each colour's first pass in the sweep's steady state (colour
    0's after colour C − 1): its `hazard`'s; at least BM_SPARSE_LOOP − 1 − rows of the
    colour before it (its pass is too short to keep the one before it out of the z
    loop); at least one before a colour of one row (the core reads the tables of the
    colour after it a cycle after its own). None between a deferred colour's passes."""
    ends = np.asarray(colour_end, dtype=np.int64)
    starts = np.concatenate([[0], ends[:-1]])
    rows = (ends - 1) // units - starts // units + 1
    short = np.maximum(BM_SPARSE_LOOP - 1 - np.roll(rows, 1), 0)
    bubbles = np.maximum(np.asarray(hazard, dtype=np.int64), short)
    return np.where(rows == 1, np.maximum(bubbles, 1), bubbles)


def bm_sparse_sweep_cycles(colour_end, units: int, deferred, hazard) -> int:
    """Cycles of one sweep of the sparse engine: every colour's rows of `units` schedule
    positions (a row the colour shares with its neighbour colour counted for each),
    twice for a `deferred` colour (its DECIDE and APPLY passes back to back), and the
    bubbles before each colour (`bm_sparse_bubbles`)."""
    ends = np.asarray(colour_end, dtype=np.int64)
    starts = np.concatenate([[0], ends[:-1]])
    rows = (ends - 1) // units - starts // units + 1
    passes = 1 + np.asarray(deferred, dtype=np.int64)
    return int((rows * passes).sum() + bm_sparse_bubbles(ends, units, hazard).sum())


def bm_sparse_schedule(frame: np.ndarray, units: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(colour_end, deferred, hazard) of a bm RUN_SPARSE frame on `units` units, as
    bm_sparse_frontend finds them: a list slot of non-zero weight joining two neurons of
    one colour makes it deferred; one from a neuron in row i of colour c (from its first
    row) to one in row j from the last of the colour before (C − 1 for colour 0) asks
    for BM_SPARSE_LOOP − 1 − i − j bubbles before c, its hazard the most any slot asks.
    None for a frame the kernel refuses before it runs (order, colour ends or indices
    out of range)."""
    n, colours, slots = (int(w) for w in frame[HEAD_WORDS:HEAD_WORDS + 3])
    at = HEAD_WORDS + 3
    order = frame[at:at + n].astype(np.int64)
    ends = frame[at + n:at + n + colours].astype(np.int64) & 0xFFFF
    lists = frame[at + n + colours + n:at + n + colours + n + n * slots].astype(np.int64)
    if (order.size != n or np.any(order >= n) or np.unique(order).size != n or ends.size != colours
            or lists.size != n * slots or np.any(np.diff(np.concatenate([[0], ends])) <= 0)
            or ends[-1] != n or np.any((lists & 0xFFFF) >= n)):
        return None
    lists = lists.reshape(n, slots)
    reader, slot = np.nonzero((lists >> 16) != 0)                  # the live slots
    deferred, hazard = bm_sparse_hazards(order, ends, reader, lists[reader, slot] & 0xFFFF, units)
    return ends, deferred, hazard


def bm_sparse_hazards(order, colour_end, reader, neighbour, units: int) -> tuple[np.ndarray, np.ndarray]:
    """(deferred, hazard) of the schedule (`order`, `colour_end`) on `units` units when
    neuron reader[e] reads neuron neighbour[e] (the live list slots): a read between
    two neurons of one colour makes it deferred; one from a neuron in row i of colour c
    (from its first row) of one in row j from the last of the colour before (C − 1 for
    colour 0) asks for BM_SPARSE_LOOP − 1 − i − j bubbles before c, its hazard the most
    any read asks (`bm_sparse_schedule`)."""
    order = np.asarray(order, dtype=np.int64)
    ends = np.asarray(colour_end, dtype=np.int64)
    reader = np.asarray(reader, dtype=np.int64)
    neighbour = np.asarray(neighbour, dtype=np.int64)
    colours = ends.size
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    colour_of = np.searchsorted(ends, position, side="right")      # colour of each neuron
    c, nc = colour_of[reader], colour_of[neighbour]
    deferred = np.zeros(colours, dtype=bool)
    deferred[c[nc == c]] = True
    first_row = np.concatenate([[0], ends[:-1]]) // units
    last_row = (ends - 1) // units
    from_first = position[reader] // units - first_row[c]
    to_last = last_row[nc] - position[neighbour] // units
    asks = np.where(nc == (c - 1) % colours, BM_SPARSE_LOOP - 1 - from_first - to_last, 0)
    hazard = np.zeros(colours, dtype=np.int64)
    np.maximum.at(hazard, c, asks)
    return deferred, hazard


def _bm_sparse_run_cycles(frame: np.ndarray, params: np.ndarray, units: int) -> int | None:
    """From the first input word of a bm RUN_SPARSE frame to its last output word on the
    sparse engine with `units` units; None for a frame refused before it runs."""
    schedule = bm_sparse_schedule(frame, units)
    if schedule is None:
        return None
    n = int(frame[HEAD_WORDS])
    sweeps, burn_in, thin = (int(w) for w in params[:3])
    record = int(params[-1]) & FLAG_RECORD
    ends, deferred, hazard = schedule
    sweep = bm_sparse_sweep_cycles(ends, units, deferred, hazard)
    recorded = 0
    if record:      # each recorded sweep: its words of 32 z, a turn; all but the last a drain
        recorded = (sweeps * (1 + ((n + 31) // 32) * (32 + BM_SPARSE_WORD_EXTRA))
                    + (sweeps - 1) * BM_SPARSE_RECORD_DRAIN)
    # the bubbles after the last pass are not waited: the drain follows
    return (int(frame.size) + BM_THIN_WAIT + n + BM_SPARSE_FIXED
            + (burn_in + sweeps * thin) * sweep - int(bm_sparse_bubbles(ends, units, hazard)[0])
            + recorded
            + 2 * n * (1 + BM_SPARSE_WORD_EXTRA) + zeta_words(n) * (4 + BM_SPARSE_WORD_EXTRA))


def frame_cycles(frame: np.ndarray, lanes: int, draws: np.ndarray | None = None, *,
                 bm_engine: str | None = None) -> int:
    """Clock cycles a kernel with `lanes` lanes takes over `frame`, from the twins'
    schedules (`bm_engine`: bm_sampler's sweep engine, boards.txt's bm_engine):
    * bm RUN: cycle by cycle (`_bm_run_cycles`): the frame read (weight words two
      cycles), the schedule, seeding; then the lane engine's burn_in + sweeps * thin
      sweeps of `bm_sweep_cycles`, the recorded sweeps' on counts and words, four
      cycles per count word and ten per final-state word out; or the field engine's
      `_field_core_cycles`;
    * bm RUN_SPARSE: the sparse engine's schedule with `lanes` units (its INFO's P),
      cycle by cycle (`_bm_sparse_run_cycles`): the frame read, the init pass, the
      sweeps of `bm_sparse_sweep_cycles`, the recorded words and the payload;
    * bn RUN: one cycle per streamed word in and out, plus the rounds of
      `bn_run_cycles` for the samples' window `draws` and the last readout pass;
      without them, the most a run can take, every sample drawing all T steps of its
      window.
    Any other frame (INFO, a malformed one, answered at once): one cycle per word."""
    frame = np.asarray(frame, dtype=np.uint32)
    words = int(frame.size) + output_capacity(frame)
    if frame.size > HEAD_WORDS + 2 and int(frame[0]) == MAGIC_BM and int(frame[2]) == Op.RUN_SPARSE:
        params = _bm_run_params(frame)
        cycles = _bm_sparse_run_cycles(frame, params, lanes) if params is not None else None
        return words if cycles is None else cycles
    if frame.size < HEAD_WORDS + 2 or int(frame[2]) != Op.RUN:
        return words
    magic, size = int(frame[0]), int(frame[HEAD_WORDS])
    if magic == MAGIC_BN:
        if run_params_at(frame) != frame.size - BN_RUN_PARAMS:
            return words
        samples, window = (int(w) for w in frame[-BN_RUN_PARAMS:][:2])
        if draws is None:   # every round as long as its units when every sample draws T
            rounds = math.ceil(samples / (lanes * BN_BATCH))
            unit = BN_BATCH * (window + BN_LIVE_CYCLES) + BN_UNITS_LAG
            step = max(BN_BATCH * (size + 1) + BN_ROUND_START, unit)
            return words + rounds * step + 2 * BN_BATCH * size + unit
        return words + bn_run_cycles(draws, lanes, size) + BN_BATCH * size
    params = _bm_run_params(frame) if magic == MAGIC_BM else None
    if magic == MAGIC_BM and bm_engine not in BM_ENGINES:
        raise ValueError(f"a bm frame's cycles need bm_engine, one of {', '.join(BM_ENGINES)}; "
                         f"got {bm_engine!r}")
    if bm_engine == "sparse":       # the sparse overlay answers a RUN frame LIMIT at its N word
        return words
    cycles = _bm_run_cycles(frame, params, lanes, bm_engine) if params is not None else None
    return words if cycles is None else cycles


def frame_seconds(frame: np.ndarray, lanes: int, clock_mhz: float, *,
                  bm_engine: str | None = None) -> float:
    """How long to wait for `frame` before calling the kernel stuck. The field engine's
    HLS kernel adds a column in a loop of N iterations (docs/hls.md), N cycles where the
    twin takes one, so its deadline takes the longer lane schedule at P = 1 (N·N cycles
    a sweep) until Vitis reports that loop unrolled."""
    cycles = frame_cycles(frame, lanes, bm_engine=bm_engine)
    if bm_engine == "fields":
        cycles = max(cycles, frame_cycles(frame, 1, bm_engine="lanes"))
    return FLOOR_S + MARGIN * cycles / (clock_mhz * 1e6)
