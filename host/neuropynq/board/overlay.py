"""PYNQ glue: DefaultIP drivers bound to the kernels' VLNVs and the neuropynq
Overlay. Importing this module needs the `pynq` package (on a board)."""
from __future__ import annotations

import pynq

from .axi_dma import AxiDma
from .bitstreams import find_bitstream
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
    (`bn_sampler_dma`, `bm_sampler_dma`)."""

    def __init__(self, bitfile=None, board=None, download=True, **kwargs):
        super().__init__(str(find_bitstream(board, bitfile)), download=download, **kwargs)

    def runner(self, kernel: str, timeout: float = 10.0) -> FrameRunner:
        ip = getattr(self, kernel)
        dma = getattr(self, f"{kernel}_dma")
        # The DMA is driven through its registers (with deadlines), not PYNQ's DMA driver.
        return FrameRunner(ip.control, AxiDma(dma.mmio),
                           lambda words: pynq.allocate(shape=(words,), dtype="u4"), timeout)
