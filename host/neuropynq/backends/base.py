"""The backend interface: every backend runs the spec's input frames (docs/spec.md §4)
through a kernel and returns its output frames, so `ref`, `cpu` and `fpga` are
interchangeable under the `Sampler`."""
from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property

import numpy as np

from ..errors import ParameterError
from ..framing import parse_output
from ..limits import BMLimits, BNLimits


class Backend(ABC):
    """Runs one input frame at a time; the kernel is chosen by the frame's magic word."""

    name: str = "backend"

    @abstractmethod
    def execute(self, frame: np.ndarray) -> np.ndarray:
        """Run one input frame (uint32 words, TLAST on the last) and return the output frame."""

    def execute_many(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        """The output frames of `frames`, in order: one after another here; the fpga
        backend runs them side by side on an overlay's copies of their kernel."""
        return [self.execute(frame) for frame in frames]

    def with_threads(self, threads: int) -> "Backend":
        """This backend using `threads` host threads per frame; a backend whose runs
        cannot be split on the host (ref, fpga) returns itself."""
        check_threads(threads)
        return self

    def bn_limits(self) -> BNLimits:
        return self._bn_info[0]

    def bm_limits(self) -> BMLimits:
        return self._bm_info[0]

    def bm_frame_limits(self, model) -> BMLimits:
        """The limits of the bm build that runs `model` (a BMKernelModel), which pick its
        frame (`model.frame`): this backend's one build; LimitError when it takes the
        machine in neither frame. The fpga backend chooses between its bm overlays."""
        limits = self.bm_limits()
        model.frame_kind(limits)
        return limits

    def bn_lanes(self) -> int:
        return self._bn_info[1]

    def bm_lanes(self) -> int:
        return self._bm_info[1]

    # The build's limits and lane counts come from an INFO frame, asked once per backend.
    @cached_property
    def _bn_info(self) -> tuple[BNLimits, int]:
        from ..kernels import bn_model
        return bn_model.parse_info(parse_output(self.execute(bn_model.info_frame())))

    @cached_property
    def _bm_info(self) -> tuple[BMLimits, int]:
        from ..kernels import bm_model
        return bm_model.parse_info(parse_output(self.execute(bm_model.info_frame())))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def check_threads(threads) -> int:
    """`threads` as an int; ParameterError unless it is a positive integer."""
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ParameterError(f"threads must be a positive integer, got {threads!r}")
    return int(threads)
