"""One frame through one kernel on a board: buffers, cache maintenance, DMA and
kernel start in the order that cannot deadlock, and a deadline on every wait."""
from __future__ import annotations

import time

import numpy as np

from ..errors import KernelError, LimitError
from .axi_dma import AxiDma
from .kernel_control import KernelControl

DMA_MAX_BYTES = (1 << 26) - 1     # the block design's c_sg_length_width = 26


class FrameRunner:
    """Runs frames on one kernel + DMA pair.

    `allocate(n_words)` returns a DMA-able uint32 buffer with `physical_address`,
    `flush()`, `invalidate()` and `freebuffer()` (pynq.allocate does). Buffers are
    kept and reused while they are large enough.
    """

    def __init__(self, control: KernelControl, dma: AxiDma, allocate, timeout: float = 10.0,
                 clock=time.monotonic):
        self.control, self.dma, self.allocate = control, dma, allocate
        self.timeout, self._clock = timeout, clock
        self._buffers: dict[str, object] = {}
        dma.start()

    def _buffer(self, role: str, words: int):
        buf = self._buffers.get(role)
        if buf is None or buf.size < words:
            if buf is not None:
                buf.freebuffer()
            # Grow to a power of two so a run of slightly larger frames reallocates rarely.
            buf = self.allocate(1 << max(10, (words - 1).bit_length()))
            self._buffers[role] = buf
        return buf

    def run(self, frame: np.ndarray, out_words: int) -> np.ndarray:
        frame = np.asarray(frame, dtype=np.uint32)
        for what, words in (("input frame", frame.size), ("output frame", out_words)):
            if 4 * words > DMA_MAX_BYTES:
                raise LimitError(f"the {what} ({4 * words} bytes) is larger than one DMA "
                                 f"transfer of this block design ({DMA_MAX_BYTES} bytes)")
        inbuf, outbuf = self._buffer("in", frame.size), self._buffer("out", out_words)
        inbuf[:frame.size] = frame
        inbuf.flush()
        deadline = self._clock() + self.timeout
        # The receive side is armed first: bm_sampler streams recorded states while it runs.
        self.dma.s2mm.transfer(outbuf.physical_address, 4 * out_words)
        self.control.start()
        self.dma.mm2s.transfer(inbuf.physical_address, 4 * frame.size)
        self.dma.mm2s.wait(deadline)
        self.dma.s2mm.wait(deadline)
        self.control.wait_idle(deadline)
        outbuf.invalidate()
        received = self.dma.s2mm.bytes_transferred()
        if received % 4 or received > 4 * out_words:
            raise KernelError(f"the kernel sent {received} bytes; expected whole words, "
                              f"at most {4 * out_words}")
        return np.array(outbuf[:received // 4], dtype=np.uint32)

    def close(self) -> None:
        for buf in self._buffers.values():
            buf.freebuffer()
        self._buffers.clear()
