"""The `fpga` backend: frames through the kernels' overlays (one bitstream per
kernel) on a PYNQ board, by DMA, with a deadline on every wait derived from the frame's cycle
estimate at the board's clock."""
from __future__ import annotations

import numpy as np

from ..boards import board_builds
from ..errors import BackendUnavailable, KernelError
from ..framing import MAGIC_BM, MAGIC_BN, SPEC_VERSION, Op, Status, head, output_frame, parse_output
from ..board.frames import frame_seconds, output_capacity
from ..kernels import bm_model, bn_model
from .base import Backend

KERNELS = {MAGIC_BN: "bn_sampler", MAGIC_BM: "bm_sampler"}


def board_clock_mhz(board: str | None) -> int:
    """The fabric clock of `board`'s build; for an unknown board the slowest of the
    table, so that deadlines err on the long side."""
    builds = board_builds()
    if board in builds:
        return builds[board].clock_mhz
    return min(build.clock_mhz for build in builds.values())


def board_bm_engine(board: str | None) -> str:
    """bm_sampler's sweep engine on `board`'s build; for an unknown board the field
    engine, whose deadlines are the longer (board.frames.frame_seconds)."""
    builds = board_builds()
    return builds[board].bm_engine if board in builds else "fields"


class FpgaBackend(Backend):
    """Frames through the kernels' overlays, one bitstream per kernel: a frame for the
    kernel the fabric does not hold loads that kernel's overlay first (and it stays
    loaded until the other kernel is asked for).

    `overlay`: what gives a kernel's frame runner (`runner(kernel)`), whether the
    fabric holds it (`loaded(kernel)`) and its INFO answer (`info(kernel, ask)`);
    default: the board's overlays (board.overlay.BoardOverlays, both bitstreams in
    bitstreams/<board>/ unless `bitfiles` maps a kernel to a .bit; `reload=True`
    downloads each again). `timeout`: a fixed wait in seconds instead of the one
    derived from each frame.

    Each kernel's overlay is checked when the backend is made (its INFO answer: the
    spec version, lanes and limits), so `auto` falls back on any failure of it; the
    overlay the fabric already holds is asked first, which saves a download."""

    name = "fpga"

    def __init__(self, overlay=None, board: str | None = None, bitfiles: dict | None = None,
                 timeout: float | None = None, reload: bool = False):
        if overlay is None:
            try:
                from ..board.overlay import BoardOverlays
            except ImportError as exc:
                raise BackendUnavailable(
                    "the fpga backend runs on a PYNQ board and needs the 'pynq' package "
                    f"(pip install 'neuropynq[pynq]'): {exc}") from None
            overlay = BoardOverlays(board=board, bitfiles=bitfiles, reload=reload)
        self.overlay = overlay
        self.clock_mhz = board_clock_mhz(getattr(overlay, "board", None) or board)
        self.bm_engine = board_bm_engine(getattr(overlay, "board", None) or board)
        self.timeout = timeout
        # The loaded overlay first (one download fewer); else bn's last, so that it stays
        # loaded for what most sessions run first.
        order = sorted(KERNELS.items(), key=lambda item: (not overlay.loaded(item[1]), item[0] == MAGIC_BN))
        for magic, kernel in order:
            frame = np.array(head(magic, Op.INFO), np.uint32)
            try:
                answer = parse_output(overlay.info(kernel, lambda: self.execute(frame)))
                version = int(answer[0]) if answer.size else None
            except KernelError as exc:
                answer, version = None, f"unknown ({exc})"
            if version != SPEC_VERSION:
                raise BackendUnavailable(
                    f"the overlay's {kernel} implements spec version {version}, this host "
                    f"speaks version {SPEC_VERSION}: rebuild it with 'make bitstream'")
            # The limits and lanes come from this answer: asking again later would load
            # the kernel's overlay just to read them.
            model = bn_model if magic == MAGIC_BN else bm_model
            self.__dict__["_bn_info" if magic == MAGIC_BN else "_bm_info"] = model.parse_info(answer)

    def seconds(self, frame: np.ndarray) -> float:
        """How long `frame` may take: the fixed timeout, else from its cycle estimate."""
        if self.timeout is not None:
            return self.timeout
        magic = int(frame[0])
        is_run = frame.size > 2 and int(frame[2]) in (Op.RUN, Op.RUN_SPARSE)
        # The lane count comes from the kernel's INFO answer (whose own frame needs none).
        lanes = (self.bn_lanes() if magic == MAGIC_BN else self.bm_lanes()) if is_run else 1
        return frame_seconds(frame, lanes, self.clock_mhz, bm_engine=self.bm_engine)

    def execute(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame, dtype=np.uint32)
        kernel = KERNELS.get(int(frame[0])) if frame.size else None
        if kernel is None:
            # As the ref backend does: a frame for no kernel gets the kernels' BAD_MAGIC answer.
            return output_frame(Status.BAD_MAGIC)
        return self.overlay.runner(kernel).run(frame, output_capacity(frame), self.seconds(frame))
