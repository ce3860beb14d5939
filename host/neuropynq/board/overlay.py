"""PYNQ glue: DefaultIP drivers bound to the kernels' VLNVs, the neuropynq Overlay,
and the process's one loaded overlay. Importing this module needs the `pynq`
package (on a board)."""
from __future__ import annotations

import pynq

from ..errors import BackendUnavailable
from .axi_dma import AxiDma
from .bitstreams import board_name, find_bitstream
from .kernel_control import KernelControl
from .runner import FrameRunner


class _SamplerIP(pynq.DefaultIP):
    """Common driver of both kernels: the register protocol of docs/spec.md §5."""

    def __init__(self, description):
        super().__init__(description=description)
        self.control = KernelControl(self.mmio, self._fullpath)

    def is_idle(self) -> bool:
        return self.control.is_idle()

    @property
    def status(self) -> int:
        return self.control.status()


class BnSamplerIP(_SamplerIP):
    bindto = ["neuropynq:hls:bn_sampler:1.0"]


class BmSamplerIP(_SamplerIP):
    bindto = ["neuropynq:hls:bm_sampler:1.0"]


class NeuropynqOverlay(pynq.Overlay):
    """The neuropynq bitstream: `bn_sampler`, `bm_sampler` and a DMA per kernel
    (`bn_sampler_dma`, `bm_sampler_dma`). `board` names its build in the board
    table (None when neither given nor in $BOARD)."""

    def __init__(self, bitfile=None, board=None, download=True, **kwargs):
        super().__init__(str(find_bitstream(board, bitfile)), download=download, **kwargs)
        try:
            self.board = board_name(board)
        except BackendUnavailable:
            self.board = None
        self._runners: dict[str, FrameRunner] = {}

    def runner(self, kernel: str) -> FrameRunner:
        """The frame runner of `kernel`, one per kernel (it owns the DMA's buffers)."""
        if kernel not in self._runners:
            ip = getattr(self, kernel)
            dma = getattr(self, f"{kernel}_dma")
            # The DMA is driven through its registers (with deadlines), not PYNQ's DMA driver.
            self._runners[kernel] = FrameRunner(
                ip.control, AxiDma(dma.mmio), lambda words: pynq.allocate(shape=(words,), dtype="u4"))
        return self._runners[kernel]


_loaded: list = []     # [(bitstream path, overlay)]: at most one per process


def load_overlay(board=None, bitfile=None, reload: bool = False) -> NeuropynqOverlay:
    """The process's neuropynq overlay. The bitstream is downloaded on the first call
    only: downloading it again reconfigures the fabric under every backend still using
    it, so later calls (a second Sampler("fpga")) share the loaded one. `reload`
    downloads it again (after a kernel that no recovery could bring back to idle);
    another bitstream replaces the loaded one."""
    bit = find_bitstream(board, bitfile).resolve()
    if reload or not _loaded or _loaded[0][0] != bit:
        overlay = NeuropynqOverlay(bitfile=bit, board=board)
        _loaded[:] = [(bit, overlay)]
    return _loaded[0][1]
