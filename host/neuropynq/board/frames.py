"""What the host must know about a frame before running it on a board: how many
output words to make room for (docs/spec.md §4.4)."""
from __future__ import annotations

import numpy as np

from ..framing import HEAD_WORDS, MAGIC_BM, MAGIC_BN, OUT_HEAD_WORDS, Op

BN_INFO_WORDS = 7
BM_INFO_WORDS = 4
BM_RUN_PARAMS = 7


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
        v = int(frame[HEAD_WORDS])
        descriptors = frame[HEAD_WORDS + 2: HEAD_WORDS + 2 + 4 * v: 4]
        return OUT_HEAD_WORDS + 2 * (int(np.sum(descriptors & 0x1F)) + 1)
    if magic == MAGIC_BM:
        n = int(frame[HEAD_WORDS])
        sweeps, flags = int(frame[-BM_RUN_PARAMS]), int(frame[-1])
        recorded = sweeps * ((n + 31) // 32) if flags & 1 else 0
        return OUT_HEAD_WORDS + recorded + 2 * n
    return OUT_HEAD_WORDS
