"""The `ref` backend: the bit-exact numpy reference kernels (neuropynq.reference)."""
from __future__ import annotations

import numpy as np

from ..framing import MAGIC_BM, MAGIC_BN, Status, output_frame
from ..limits import SPEC_BM_LIMITS, SPEC_BN_LIMITS, BMLimits, BNLimits
from .base import Backend


class RefBackend(Backend):
    """Always available; slow but the oracle the other backends must match word for word."""

    name = "ref"

    def execute(self, frame: np.ndarray) -> np.ndarray:
        words = np.asarray(frame, dtype=np.uint32)
        magic = int(words[0]) if words.size else None
        if magic == MAGIC_BN:
            from ..reference import bn_sampler
            return bn_sampler.run_frame(words)
        if magic == MAGIC_BM:
            from ..reference import bm_sampler
            return bm_sampler.run_frame(words)
        # Neither kernel accepts the frame: answer as a kernel would.
        return output_frame(Status.BAD_MAGIC)

    def bn_limits(self) -> BNLimits:
        return SPEC_BN_LIMITS

    def bm_limits(self) -> BMLimits:
        return SPEC_BM_LIMITS

    def bn_lanes(self) -> int:
        return 1

    def bm_lanes(self) -> int:
        return 1
