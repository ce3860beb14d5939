"""One frame through one kernel on a board: buffers, cache maintenance, DMA and
kernel start in the order that cannot deadlock, a deadline on every wait, and
recovery after a timeout or a DMA error so that the next frame runs."""
from __future__ import annotations

import time

import numpy as np

from ..errors import KernelError, LimitError
from .axi_dma import AxiDma
from .kernel_control import KernelControl

DMA_MAX_BYTES = (1 << 26) - 1     # the block design's c_sg_length_width = 26


class FrameRunner:
    """Runs frames on one kernel + DMA pair: `run` one, or `begin` it and `finish`
    later (an overlay with several copies of a kernel runs a frame on each at once).

    `allocate(n_words)` returns a DMA-able uint32 buffer with `physical_address`,
    `flush()`, `invalidate()` and `freebuffer()` (pynq.allocate does). Buffers are
    kept and reused while they are large enough.
    """

    # Recovery: how long to give the kernel to finish its frame (draining its output)
    # before deciding it waits for input; how long in all; the scratch buffer's size.
    QUIET_S = 0.05
    RECOVER_S = 2.0
    DRAIN_WORDS = 1 << 14

    def __init__(self, control: KernelControl, dma: AxiDma, allocate,
                 clock=time.monotonic, sleep=time.sleep):
        self.control, self.dma, self.allocate = control, dma, allocate
        self._clock, self._sleep = clock, sleep
        self._buffers: dict[str, object] = {}
        self._pending: tuple[float, float, int] | None = None   # deadline, seconds, out_words
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

    def run(self, frame: np.ndarray, out_words: int, seconds: float) -> np.ndarray:
        """The output frame of `frame` (at most `out_words` words), waiting at most
        `seconds`; on a timeout or DMA error, KernelError after recovery."""
        self.begin(frame, out_words, seconds)
        return self.finish()

    def begin(self, frame: np.ndarray, out_words: int, seconds: float) -> None:
        """Start `frame` and return at once, so that the frames of several kernel copies
        run side by side; `finish()` waits for its output. Arguments as `run`'s."""
        if self._pending is not None:
            raise KernelError(f"{self.control.name} already runs a frame: finish() it first")
        frame = np.asarray(frame, dtype=np.uint32)
        for what, words in (("input frame", frame.size), ("output frame", out_words)):
            if 4 * words > DMA_MAX_BYTES:
                raise LimitError(f"the {what} ({4 * words} bytes) is larger than one DMA "
                                 f"transfer of this block design ({DMA_MAX_BYTES} bytes)")
        if not self.control.is_idle() and not self.recover():
            raise KernelError(self._still_running())
        inbuf, outbuf = self._buffer("in", frame.size), self._buffer("out", out_words)
        inbuf[:frame.size] = frame
        inbuf.flush()
        self._pending = (self._clock() + seconds, seconds, out_words)
        try:
            # The receive side is armed first: bm_sampler streams recorded states while it runs.
            self.dma.s2mm.transfer(outbuf.physical_address, 4 * out_words)
            self.control.start()
            self.dma.mm2s.transfer(inbuf.physical_address, 4 * frame.size)
        except KernelError as exc:
            self._pending = None
            raise KernelError(f"{self.control.name}: {exc}; " + self._recovered()) from None

    def finish(self) -> np.ndarray:
        """The output frame of the frame `begin` started; on a timeout or DMA error,
        KernelError after recovery."""
        if self._pending is None:
            raise KernelError(f"{self.control.name} runs no frame: begin() one first")
        (deadline, seconds, out_words), self._pending = self._pending, None
        try:
            self.dma.mm2s.wait(deadline)
            self.dma.s2mm.wait(deadline)
            self.control.wait_idle(deadline)
        except KernelError as exc:
            raise KernelError(f"{self.control.name}: {exc} (deadline {seconds:.3g} s); "
                              + self._recovered()) from None
        outbuf = self._buffers["out"]
        outbuf.invalidate()
        received = self.dma.s2mm.bytes_transferred()
        if received % 4 or received > 4 * out_words:
            raise KernelError(f"the kernel sent {received} bytes; expected whole words, "
                              f"at most {4 * out_words}")
        return np.array(outbuf[:received // 4], dtype=np.uint32)

    def _recovered(self) -> str:
        try:
            if self.recover():
                return "the DMA was reset and the kernel is idle again, so the next frame can run"
        except KernelError as exc:
            return f"recovery failed too ({exc}): download the bitstream again with FpgaBackend(reload=True)"
        return self._still_running()

    def _still_running(self) -> str:
        return (f"{self.control.name} is still running after a DMA reset and a drain (ap_idle "
                f"stays 0; its register map has no reset): wait for it, or download the "
                f"bitstream again with FpgaBackend(reload=True)")

    def recover(self) -> bool:
        """Bring the DMA and the kernel back to idle; True if the kernel is idle.

        The kernels' ap_ctrl_hs register map has no reset, so a kernel left in a
        frame is brought to its end: its output is drained into a scratch buffer
        and, if it still waits for input, one word with TLAST ends its frame early
        (it answers SHORT_FRAME, which is drained too). A final DMA reset drops
        anything the kernel did not take, so the next frame starts clean."""
        self.dma.reset()
        if self.control.is_idle():
            return True
        sink, tail = self._buffer("drain", self.DRAIN_WORDS), self._buffer("tail", 1)
        tail[0] = 0
        tail.flush()
        start = self._clock()
        sent = False
        self.dma.s2mm.transfer(sink.physical_address, 4 * sink.size)
        while not self.control.is_idle() and self._clock() - start < self.RECOVER_S:
            self.dma.mm2s.check_errors()
            self.dma.s2mm.check_errors()
            if self.dma.s2mm.idle():
                self.dma.s2mm.transfer(sink.physical_address, 4 * sink.size)
            if not sent and self._clock() - start > self.QUIET_S:
                self.dma.mm2s.transfer(tail.physical_address, 4)
                sent = True
            self._sleep(1e-4)
        self.dma.reset()
        return self.control.is_idle()

    def close(self) -> None:
        for buf in self._buffers.values():
            buf.freebuffer()
        self._buffers.clear()
