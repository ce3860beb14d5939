"""The `fpga` backend: frames through the kernels' overlays (one bitstream per
kernel build) on a PYNQ board, by DMA, with a deadline on every wait derived from the frame's cycle
estimate at the board's clock."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..boards import BM_SPARSE, board_builds
from ..errors import BackendUnavailable, KernelError
from ..framing import MAGIC_BM, MAGIC_BN, SPEC_VERSION, Op, Status, head, output_frame, parse_output
from ..board.frames import frame_seconds, output_capacity
from ..kernels import bm_model, bn_model
from ..limits import BMLimits
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
    """Frames through the kernels' overlays, one bitstream per kernel build: a frame for
    a build the fabric does not hold loads that build's overlay first (and it stays
    loaded until another is asked for). bm has two builds where the board has a sparse
    overlay (boards.txt bm_units > 0): RUN frames go to the dense overlay
    (neuropynq_bm), RUN_SPARSE frames (spec §4.3.1) to the sparse one
    (neuropynq_bm_sparse); `bm_frame_limits` picks the frame as bench/bench_hw.py does.

    `overlay`: what lists the kernel builds (`kernels`), gives a build's frame runner
    (`runner(kernel)`) and one per copy of its kernel (`runners(kernel)`), says whether the fabric holds it (`loaded(kernel)`) and gives
    its INFO answer (`info(kernel, ask)`); default: the board's overlays
    (board.overlay.BoardOverlays, every overlay of the board in bitstreams/<board>/
    unless `bitfiles` maps a kernel build to a .bit; `reload=True` downloads each
    again). `timeout`: a fixed wait in seconds instead of the one derived from each frame.

    Each overlay is checked when the backend is made (its INFO answer: the spec
    version, lanes and limits; each bm overlay must report its engine), so
    `auto` falls back on any failure of it; the overlay the fabric already holds is
    asked first, which saves a download."""

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
        self.board = getattr(overlay, "board", None) or board
        self.clock_mhz = board_clock_mhz(self.board)
        self.bm_engine = board_bm_engine(self.board)
        self.timeout = timeout
        kernels = list(overlay.kernels)
        for kernel in ("bn_sampler", "bm_sampler"):
            if kernel not in kernels:
                raise BackendUnavailable(f"the fpga backend needs a {kernel} overlay; it was given "
                                         f"{', '.join(kernels) or 'none'}")
        self._bm_sparse_info: tuple[BMLimits, int] | None = None
        # The loaded overlay first (one download fewer); else bn's last, so that it stays
        # loaded for what most sessions run first.
        for kernel in sorted(kernels, key=lambda k: (not overlay.loaded(k), k == "bn_sampler")):
            magic = MAGIC_BN if kernel == "bn_sampler" else MAGIC_BM
            frame = np.array(head(magic, Op.INFO), np.uint32)
            try:
                answer = parse_output(overlay.info(kernel, lambda: self._run(kernel, frame)))
                version = int(answer[0]) if answer.size else None
            except KernelError as exc:
                answer, version = None, f"unknown ({exc})"
            if version != SPEC_VERSION:
                raise BackendUnavailable(
                    f"the overlay's {kernel} implements spec version {version}, this host "
                    f"speaks version {SPEC_VERSION}: rebuild it with 'make bitstream'")
            # The limits and lanes come from this answer: asking again later would load
            # the kernel's overlay just to read them.
            info = (bn_model if magic == MAGIC_BN else bm_model).parse_info(answer)
            # Each bm overlay must have the engine its frames go to (a swapped .bit would not).
            if kernel == BM_SPARSE:
                if info[0].sparse_n_max == 0:
                    raise BackendUnavailable(
                        f"the sparse bm overlay ({BM_SPARSE}) reports no sparse engine "
                        f"(SPARSE_N_MAX = 0): rebuild it with 'make bitstream KERNEL=bm_sparse'")
                self._bm_sparse_info = info
            elif magic == MAGIC_BM and info[0].n_max == 0:
                raise BackendUnavailable("the dense bm overlay (bm_sampler) reports no dense engine "
                                         "(N_MAX = 0): rebuild it with 'make bitstream KERNEL=bm'")
            else:
                self.__dict__["_bn_info" if magic == MAGIC_BN else "_bm_info"] = info

    def bm_limits(self) -> BMLimits:
        """The dense overlay's limits, with the sparse overlay's SPARSE_N_MAX and D_MAX
        where the board has one: what the two bm builds take between them."""
        dense = self._bm_info[0]
        if self._bm_sparse_info is None:
            return dense
        sparse = self._bm_sparse_info[0]
        return replace(dense, sparse_n_max=sparse.sparse_n_max, d_max=sparse.d_max)

    def bm_frame_limits(self, model) -> BMLimits:
        """The limits of the bm overlay that runs `model` (`BMKernelModel.choose_build`, as
        bench/bench_hw.py chooses): the dense overlay's when it takes the machine (a RUN
        frame), else the sparse overlay's (RUN_SPARSE); LimitError naming both overlays'
        limits, or the board's missing sparse overlay, otherwise."""
        sparse = self._bm_sparse_info[0] if self._bm_sparse_info is not None else None
        return model.choose_build(self._bm_info[0], sparse, self.board)[1]

    def kernel_of(self, frame: np.ndarray) -> str | None:
        """The kernel build (overlay) that runs `frame`: by its magic word, and a bm
        RUN_SPARSE frame on the sparse overlay where there is one."""
        kernel = KERNELS.get(int(frame[0])) if frame.size else None
        if (kernel == "bm_sampler" and frame.size > 2 and int(frame[2]) == Op.RUN_SPARSE
                and BM_SPARSE in self.overlay.kernels):
            return BM_SPARSE
        return kernel

    def seconds(self, frame: np.ndarray) -> float:
        """How long `frame` may take: the fixed timeout, else from its cycle estimate."""
        if self.timeout is not None:
            return self.timeout
        magic = int(frame[0])
        is_run = frame.size > 2 and int(frame[2]) in (Op.RUN, Op.RUN_SPARSE)
        engine = self.bm_engine
        # The lane count comes from the kernel's INFO answer (whose own frame needs none).
        if not is_run:
            lanes = 1
        elif magic == MAGIC_BN:
            lanes = self.bn_lanes()
        elif self.kernel_of(frame) == BM_SPARSE and self._bm_sparse_info is not None:
            lanes, engine = self._bm_sparse_info[1], "sparse"
        else:
            lanes = self.bm_lanes()
        return frame_seconds(frame, lanes, self.clock_mhz, bm_engine=engine)

    def execute(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame, dtype=np.uint32)
        kernel = self.kernel_of(frame)
        if kernel is None:
            # As the ref backend does: a frame for no kernel gets the kernels' BAD_MAGIC answer.
            return output_frame(Status.BAD_MAGIC)
        return self._run(kernel, frame)

    def execute_many(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        """The output frames of `frames`, in order. Frames of one kernel build run side by
        side, as many at a time as its overlay has copies of the kernel (the ZCU104's
        dense bm overlay: boards.txt bm_instances); each has its own deadline. A frame's
        KernelError is raised once every started frame has finished or been recovered."""
        frames = [np.asarray(frame, dtype=np.uint32) for frame in frames]
        outputs: list[np.ndarray | None] = [None] * len(frames)
        by_kernel: dict[str, list[int]] = {}
        for i, frame in enumerate(frames):
            kernel = self.kernel_of(frame)
            if kernel is None:
                outputs[i] = output_frame(Status.BAD_MAGIC)
            else:
                by_kernel.setdefault(kernel, []).append(i)
        for kernel, indices in by_kernel.items():
            runners = self.overlay.runners(kernel)
            for first in range(0, len(indices), len(runners)):
                wave = list(zip(indices[first:first + len(runners)], runners))
                started, error = [], None
                for i, runner in wave:
                    try:
                        runner.begin(frames[i], output_capacity(frames[i]), self.seconds(frames[i]))
                        started.append((i, runner))
                    except Exception as exc:      # the started frames are finished first
                        error = error or exc
                        break
                for i, runner in started:
                    try:
                        outputs[i] = runner.finish()
                    except KernelError as exc:
                        error = error or exc
                if error is not None:
                    raise error
        return outputs

    def _run(self, kernel: str, frame: np.ndarray) -> np.ndarray:
        return self.overlay.runner(kernel).run(frame, output_capacity(frame), self.seconds(frame))
