"""The `fpga` backend: frames through the kernels of the neuropynq overlay on a
PYNQ board, by DMA, with a deadline on every wait."""
from __future__ import annotations

import numpy as np

from ..errors import BackendUnavailable, KernelError
from ..framing import MAGIC_BM, MAGIC_BN, SPEC_VERSION, Op, Status, head, output_frame, parse_output
from ..board.frames import output_capacity
from .base import Backend

KERNELS = {MAGIC_BN: "bn_sampler", MAGIC_BM: "bm_sampler"}


class FpgaBackend(Backend):
    name = "fpga"

    def __init__(self, overlay=None, board: str | None = None, bitfile=None, timeout: float = 10.0):
        if overlay is None:
            try:
                from ..board.overlay import NeuropynqOverlay
            except ImportError as exc:
                raise BackendUnavailable(
                    "the fpga backend runs on a PYNQ board and needs the 'pynq' package "
                    f"(pip install 'neuropynq[pynq]'): {exc}") from None
            overlay = NeuropynqOverlay(bitfile=bitfile, board=board)
        self.overlay = overlay
        self.runners = {magic: overlay.runner(kernel, timeout) for magic, kernel in KERNELS.items()}
        for magic, kernel in KERNELS.items():
            try:
                info = parse_output(self.execute(np.array(head(magic, Op.INFO), np.uint32)))
                version = int(info[0]) if info.size else None
            except KernelError as exc:
                version = f"unknown ({exc})"
            if version != SPEC_VERSION:
                raise BackendUnavailable(
                    f"the bitstream's {kernel} implements spec version {version}, this host "
                    f"speaks version {SPEC_VERSION}: rebuild it with 'make bitstream'")

    def execute(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame, dtype=np.uint32)
        runner = self.runners.get(int(frame[0])) if frame.size else None
        if runner is None:
            # As the ref backend does: a frame for no kernel gets the kernels' BAD_MAGIC answer.
            return output_frame(Status.BAD_MAGIC)
        return runner.run(frame, output_capacity(frame))
