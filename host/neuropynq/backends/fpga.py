"""The `fpga` backend: frames through the kernels of the neuropynq overlay on a
PYNQ board, by DMA, with a deadline on every wait derived from the frame's cycle
estimate at the board's clock."""
from __future__ import annotations

import numpy as np

from ..boards import board_builds
from ..errors import BackendUnavailable, KernelError
from ..framing import MAGIC_BM, MAGIC_BN, SPEC_VERSION, Op, Status, head, output_frame, parse_output
from ..board.frames import frame_seconds, output_capacity
from .base import Backend

KERNELS = {MAGIC_BN: "bn_sampler", MAGIC_BM: "bm_sampler"}


def board_clock_mhz(board: str | None) -> int:
    """The fabric clock of `board`'s build; for an unknown board the slowest of the
    table, so that deadlines err on the long side."""
    builds = board_builds()
    if board in builds:
        return builds[board].clock_mhz
    return min(build.clock_mhz for build in builds.values())


class FpgaBackend(Backend):
    """`overlay`: the loaded neuropynq overlay (default: the process's one, downloaded
    on first use; `reload=True` downloads it again). `timeout`: a fixed wait in
    seconds instead of the one derived from each frame."""

    name = "fpga"

    def __init__(self, overlay=None, board: str | None = None, bitfile=None,
                 timeout: float | None = None, reload: bool = False):
        if overlay is None:
            try:
                from ..board.overlay import load_overlay
            except ImportError as exc:
                raise BackendUnavailable(
                    "the fpga backend runs on a PYNQ board and needs the 'pynq' package "
                    f"(pip install 'neuropynq[pynq]'): {exc}") from None
            overlay = load_overlay(board=board, bitfile=bitfile, reload=reload)
        self.overlay = overlay
        self.clock_mhz = board_clock_mhz(getattr(overlay, "board", None) or board)
        self.timeout = timeout
        self.runners = {magic: overlay.runner(kernel) for magic, kernel in KERNELS.items()}
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

    def seconds(self, frame: np.ndarray) -> float:
        """How long `frame` may take: the fixed timeout, else from its cycle estimate."""
        if self.timeout is not None:
            return self.timeout
        magic = int(frame[0])
        is_run = frame.size > 2 and int(frame[2]) == Op.RUN
        # The lane count comes from the kernel's INFO answer (whose own frame needs none).
        lanes = (self.bn_lanes() if magic == MAGIC_BN else self.bm_lanes()) if is_run else 1
        return frame_seconds(frame, lanes, self.clock_mhz)

    def execute(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame, dtype=np.uint32)
        runner = self.runners.get(int(frame[0])) if frame.size else None
        if runner is None:
            # As the ref backend does: a frame for no kernel gets the kernels' BAD_MAGIC answer.
            return output_frame(Status.BAD_MAGIC)
        return runner.run(frame, output_capacity(frame), self.seconds(frame))
