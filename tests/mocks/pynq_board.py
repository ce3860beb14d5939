"""A scripted stand-in for a PYNQ board: kernel and AXI DMA registers, physical
memory with separate host and device views (so a missing flush or invalidate shows
up as wrong data), and faults on request. The kernel itself is any `run_frame`
(the Python reference by default), so results can be compared with `ref`."""
from __future__ import annotations

import numpy as np

from neuropynq.board import registers as r


class MockBuffer(np.ndarray):
    """A pynq.allocate-like buffer: the host view is the array; `device_view` is what the
    DMA sees. flush() copies host → device, invalidate() device → host."""

    def __new__(cls, words: int, address: int):
        obj = np.zeros(words, dtype=np.uint32).view(cls)
        obj.physical_address = address
        obj.device_view = np.zeros(words, dtype=np.uint32)
        obj.freed = False
        return obj

    def __array_finalize__(self, obj):
        pass

    def flush(self):
        self.device_view[:] = np.asarray(self)

    def invalidate(self):
        np.asarray(self)[:] = self.device_view

    def freebuffer(self):
        self.freed = True


class Registers:
    def __init__(self, board, block):
        self.board, self.block = board, block

    def read(self, offset):
        return self.board.read(self.block, offset)

    def write(self, offset, value):
        self.board.write(self.block, offset, value)


class MockBoard:
    """One kernel + one DMA. `fault`: None, "hang" (the kernel never finishes),
    "slave_error" (the DMA reports SLVERR)."""

    def __init__(self, run_frame, fault=None):
        self.run_frame, self.fault = run_frame, fault
        self.kernel = Registers(self, "kernel")
        self.dma = Registers(self, "dma")
        self.memory: dict[int, MockBuffer] = {}
        self.log: list[tuple] = []
        self.allocations = 0
        self._next_address = 0x1000_0000
        self.idle, self.started, self.status = True, False, 0
        self.dmasr = {r.MM2S: r.DMASR_HALTED, r.S2MM: r.DMASR_HALTED}
        self.regs = {r.MM2S: {}, r.S2MM: {}}
        self.armed = {r.MM2S: False, r.S2MM: False}

    def allocate(self, words):
        self.allocations += 1
        buf = MockBuffer(words, self._next_address)
        self.memory[buf.physical_address] = buf
        self._next_address += 4 * words + 0x1000
        return buf

    def read(self, block, offset):
        if block == "kernel":
            if offset == r.CTRL:
                return r.AP_IDLE if self.idle else 0
            if offset == r.STATUS:
                return self.status
            return 0
        channel = r.S2MM if offset >= r.S2MM else r.MM2S
        off = offset - channel
        if off == r.DMASR:
            return self.dmasr[channel]
        return self.regs[channel].get(off, 0)

    def write(self, block, offset, value):
        self.log.append((block, offset, value))
        if block == "kernel":
            if offset == r.CTRL and value & r.AP_START:
                self.idle, self.started = False, True
                self._step()
            return
        channel = r.S2MM if offset >= r.S2MM else r.MM2S
        off = offset - channel
        self.regs[channel][off] = value
        if off == r.DMACR and value & r.DMACR_RS:
            self.dmasr[channel] = r.DMASR_IDLE
        if off == r.LENGTH:
            self.dmasr[channel] &= ~r.DMASR_IDLE
            self.armed[channel] = True
            self._step()

    def _buffer_at(self, channel):
        address = self.regs[channel][r.ADDR] | (self.regs[channel].get(r.ADDR_MSB, 0) << 32)
        return self.memory[address]

    def _step(self):
        """Run the frame once the kernel is started and both transfers are armed."""
        if not (self.started and all(self.armed.values())):
            return
        if self.fault == "slave_error":
            self.dmasr[r.MM2S] |= 1 << 5
            return
        if self.fault == "hang":
            return
        src = self._buffer_at(r.MM2S)
        frame = src.device_view[: self.regs[r.MM2S][r.LENGTH] // 4].copy()
        out = np.asarray(self.run_frame(frame), dtype=np.uint32)
        dst = self._buffer_at(r.S2MM)
        if out.size > self.regs[r.S2MM][r.LENGTH] // 4:
            self.dmasr[r.S2MM] |= 1 << 4          # S2MM internal error: packet longer than buffer
            return
        dst.device_view[: out.size] = out
        self.regs[r.S2MM][r.LENGTH] = 4 * out.size   # S2MM LENGTH reads back the bytes received
        for channel in self.armed:
            self.armed[channel] = False
            self.dmasr[channel] |= r.DMASR_IDLE
        self.status = int(out[1]) if out.size > 1 else 0
        self.started, self.idle = False, True


class MockOverlay:
    """What FpgaBackend needs of an overlay: a runner per kernel, on mock boards."""

    def __init__(self, boards: dict[str, MockBoard], clock=None, sleep=None):
        self.boards, self.clock, self.sleep = boards, clock, sleep

    def runner(self, kernel, timeout=10.0):
        from neuropynq.board.axi_dma import AxiDma
        from neuropynq.board.kernel_control import KernelControl
        from neuropynq.board.runner import FrameRunner
        board = self.boards[kernel]
        timing = {"clock": self.clock, "sleep": self.sleep} if self.clock else {}
        runner_timing = {"clock": self.clock} if self.clock else {}
        return FrameRunner(KernelControl(board.kernel, kernel, **timing), AxiDma(board.dma, **timing),
                           board.allocate, timeout, **runner_timing)
