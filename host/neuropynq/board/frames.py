"""What the host must know about a frame before running it on a board: how many
output words to make room for (docs/spec.md §4.4), and how long the kernel may
take over it (the deadline of every wait)."""
from __future__ import annotations

import math

import numpy as np

from ..framing import HEAD_WORDS, MAGIC_BM, MAGIC_BN, OUT_HEAD_WORDS, Op
from ..codegen.sv import SEED_LATENCY
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
BN_ROUND_CYCLES = 4       # bn_ctrl: switching rounds, starting and ending the window


def bn_round_cycles(draws: np.ndarray, lanes: int, n_vars: int) -> np.ndarray:
    """Cycles of each round of the bn twin (docs/rtl.md), from every sample's window
    draws (min(n + 1, T), 0 for a silent sample; `neuropynq.reference.bn_sampler.window_draws`):
    BATCH·(V + 1) issue slots (the variable loop and the threshold step), then the
    slowest lane's Poisson unit, which takes its samples in turn: draws + 6 cycles for
    a live one, 1 for a silent one (also the empty slots of the last round)."""
    draws = np.asarray(draws, dtype=np.int64)
    per_round = lanes * BN_BATCH
    rounds = -(-draws.size // per_round)
    padded = np.zeros(rounds * per_round, dtype=np.int64)
    padded[:draws.size] = draws
    unit = np.where(padded > 0, padded + BN_LIVE_CYCLES, 1).reshape(rounds, lanes, BN_BATCH).sum(axis=2)
    return BN_BATCH * (n_vars + 1) + BN_ROUND_CYCLES + unit.max(axis=1)


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


def _bm_schedule(frame: np.ndarray, n: int, colours: int) -> tuple[int, int] | None:
    """(free neurons, colours with a free neuron) of a bm RUN frame; None if its order
    is not made of neurons below N (the kernel refuses the frame)."""
    order_at = HEAD_WORDS + 2 + n + (n * n + 1) // 2
    order = frame[order_at:order_at + n].astype(np.int64)
    if np.any(order >= n):
        return None
    ends = frame[order_at + n:order_at + n + colours].astype(np.int64)
    mask_words = frame[order_at + n + colours:order_at + n + colours + (n + 31) // 32]
    k = np.arange(n)
    clamped = ((mask_words[k // 32].astype(np.int64) >> (k % 32)) & 1).astype(bool)
    free = ~clamped[order]
    starts = np.concatenate([[0], ends[:-1]])
    return int(free.sum()), sum(bool(free[a:b].any()) for a, b in zip(starts, ends))


def _bm_run_cycles(frame: np.ndarray, params: np.ndarray, lanes: int) -> int | None:
    """From the first input word of a bm RUN frame to its last output word; None for a
    frame the kernel refuses before it runs."""
    n, colours = int(frame[HEAD_WORDS]), int(frame[HEAD_WORDS + 1])
    schedule = _bm_schedule(frame, n, colours)
    if schedule is None:
        return None
    free, live_colours = schedule
    sweeps, burn_in, thin = (int(w) for w in params[:3])
    record = int(params[-1]) & FLAG_RECORD
    weight_words = (n * n + 1) // 2
    # a weight word takes two cycles, one per weight (the padding of an odd N^2 none)
    read = int(frame.size) + weight_words - (n * n) % 2 + BM_THIN_WAIT
    recorded = (math.ceil(n / lanes) + BM_RECORD_EXTRA
                + ((n + 31) // 32 + 1 if record else 0))
    return (read + n + BM_SCHED_EXTRA + BM_START + n + BM_INIT_EXTRA
            + (burn_in + sweeps * thin) * bm_sweep_cycles(n, free, live_colours, lanes)
            + sweeps * recorded
            + 2 * n * BM_COUNT_WORD + zeta_words(n) * BM_FINAL_WORD)


def frame_cycles(frame: np.ndarray, lanes: int, draws: np.ndarray | None = None) -> int:
    """Clock cycles a kernel with `lanes` lanes takes over `frame`, from the twins'
    schedules:
    * bm RUN: cycle by cycle (`_bm_run_cycles`): the frame read (weight words two
      cycles), the schedule, seeding, burn_in + sweeps * thin sweeps of
      `bm_sweep_cycles`, the recorded sweeps' on counts and words, three cycles per
      count word and ten per final-state word out;
    * bm RUN_SPARSE: a bound until the sparse engine's schedule is modelled: every
      sweep one cycle per list slot (N·D), as one update unit taking one slot a cycle;
    * bn RUN: one cycle per streamed word in and out, plus the rounds of
      `bn_round_cycles` for the samples' window `draws`; without them, the most a run
      can take, every sample drawing all T steps of its window.
    Any other frame (INFO, a malformed one, answered at once): one cycle per word."""
    frame = np.asarray(frame, dtype=np.uint32)
    words = int(frame.size) + output_capacity(frame)
    if frame.size > HEAD_WORDS + 2 and int(frame[0]) == MAGIC_BM and int(frame[2]) == Op.RUN_SPARSE:
        params = _bm_run_params(frame)
        if params is None:
            return words
        sweeps, burn_in, thin = (int(w) for w in params[:3])
        slots = int(frame[HEAD_WORDS]) * int(frame[HEAD_WORDS + 2])
        return words + (burn_in + sweeps * thin) * slots
    if frame.size < HEAD_WORDS + 2 or int(frame[2]) != Op.RUN:
        return words
    magic, size = int(frame[0]), int(frame[HEAD_WORDS])
    if magic == MAGIC_BN:
        if run_params_at(frame) != frame.size - BN_RUN_PARAMS:
            return words
        samples, window = (int(w) for w in frame[-BN_RUN_PARAMS:][:2])
        if draws is None:
            rounds = math.ceil(samples / (lanes * BN_BATCH))
            return words + rounds * (BN_BATCH * (size + 1 + window + BN_LIVE_CYCLES) + BN_ROUND_CYCLES)
        return words + int(bn_round_cycles(draws, lanes, size).sum())
    params = _bm_run_params(frame) if magic == MAGIC_BM else None
    cycles = _bm_run_cycles(frame, params, lanes) if params is not None else None
    return words if cycles is None else cycles


def frame_seconds(frame: np.ndarray, lanes: int, clock_mhz: float) -> float:
    """How long to wait for `frame` before calling the kernel stuck."""
    return FLOOR_S + MARGIN * frame_cycles(frame, lanes) / (clock_mhz * 1e6)
