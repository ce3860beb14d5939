"""What the host must know about a frame before running it on a board: how many
output words to make room for (docs/spec.md §4.4), and how long the kernel may
take over it (the deadline of every wait)."""
from __future__ import annotations

import math

import numpy as np

from ..framing import HEAD_WORDS, MAGIC_BM, MAGIC_BN, OUT_HEAD_WORDS, Op
from ..kernels.bm_model import FLAG_RECORD, zeta_words
from ..kernels.bn_model import RUN_PARAM_WORDS as BN_RUN_PARAMS, frame_layout, run_params_at

BN_INFO_WORDS = 7
BM_INFO_WORDS = 4
BM_RUN_PARAMS = 7


def _bm_run_params(frame: np.ndarray) -> np.ndarray | None:
    """The 7 run-parameter words of a bm RUN frame (they precede the optional initial
    state, §4.3), or None if the frame is too short to hold them."""
    n = int(frame[HEAD_WORDS])
    colours = int(frame[HEAD_WORDS + 1]) if frame.size > HEAD_WORDS + 1 else 0
    at = HEAD_WORDS + 2 + n + (n * n + 1) // 2 + n + colours + 2 * ((n + 31) // 32)
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
    if op != Op.RUN or frame.size < HEAD_WORDS + 2:
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


def frame_cycles(frame: np.ndarray, lanes: int, draws: np.ndarray | None = None) -> int:
    """Clock cycles a kernel with `lanes` lanes takes over `frame`, from the twins'
    schedules: one cycle per streamed word in and out, plus
    * bn RUN: the rounds of `bn_round_cycles` for the samples' window `draws`; without
      them, the most a run can take, every sample drawing all T steps of its window;
    * bm RUN: burn_in + sweeps * thin sweeps of N * (ceil(N/P) + 1) + 4 cycles each
      (docs/rtl.md: N * B + 4, one bubble per colour when B = 1).
    A malformed frame is answered at once, so only its words count."""
    frame = np.asarray(frame, dtype=np.uint32)
    words = int(frame.size) + output_capacity(frame)
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
    if params is not None:
        sweeps, burn_in, thin = (int(w) for w in params[:3])
        per_sweep = size * (math.ceil(size / lanes) + 1) + 4
        return words + (burn_in + sweeps * thin) * per_sweep
    return words


def frame_seconds(frame: np.ndarray, lanes: int, clock_mhz: float) -> float:
    """How long to wait for `frame` before calling the kernel stuck."""
    return FLOOR_S + MARGIN * frame_cycles(frame, lanes) / (clock_mhz * 1e6)
