"""A scripted stand-in for a PYNQ board: kernel and AXI DMA registers, physical
memory with separate host and device views (so a missing flush or invalidate shows
up as wrong data), faults on request, and a stand-in `pynq` module so that the
overlay code (neuropynq.board.overlay) runs against it. The kernel itself is any
`run_frame` (the Python reference by default), so results can be compared with `ref`."""
from __future__ import annotations

import types

import numpy as np

from neuropynq.board import registers as r
from neuropynq.framing import Status, output_frame


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


class MockMemory:
    """Physical memory: buffers by address (one memory may serve several boards' DMAs)."""

    def __init__(self):
        self.buffers: dict[int, MockBuffer] = {}
        self._next_address = 0x1000_0000

    def allocate(self, words):
        buf = MockBuffer(words, self._next_address)
        self.buffers[buf.physical_address] = buf
        self._next_address += 4 * words + 0x1000
        return buf


class Registers:
    def __init__(self, board, block):
        self.board, self.block = board, block

    def read(self, offset):
        return self.board.read(self.block, offset)

    def write(self, offset, value):
        self.board.write(self.block, offset, value)


class MockBoard:
    """One kernel + one DMA. `fault` applies to the next frame the kernel runs:
    * "stall": the input stream stalls (MM2S never completes); the kernel waits
      mid-frame for more input, and words sent later end its frame (SHORT_FRAME).
    * "slave_error": MM2S reports SLVERR and halts; the kernel waits as for "stall".
    * "hang": the kernel never finishes, whatever it is sent (stays set).
    "stall" and "slave_error" are transient: they clear once they happen.
    `latency`: seconds of `clock` a frame takes (0: it is done when started), so that
    frames on several boards are seen to overlap in time or not."""

    def __init__(self, run_frame, fault=None, memory: MockMemory | None = None,
                 latency: float = 0.0, clock=None):
        self.run_frame, self.fault = run_frame, fault
        self.latency, self.clock = latency, clock
        self._due: tuple[float, np.ndarray] | None = None    # (when, output) of a frame in flight
        self.memory = memory or MockMemory()
        self.kernel = Registers(self, "kernel")
        self.dma = Registers(self, "dma")
        self.log: list[tuple] = []
        self.allocations = 0
        self.dma_resets = 0
        self.idle, self.started, self.status = True, False, 0
        self.waiting_input = False        # mid-frame, its input stalled
        self.hung = False
        self._dma_reset_state()

    def _dma_reset_state(self):
        self.dmasr = {r.MM2S: r.DMASR_HALTED, r.S2MM: r.DMASR_HALTED}
        self.regs = {r.MM2S: {}, r.S2MM: {}}
        self.armed = {r.MM2S: False, r.S2MM: False}

    def allocate(self, words):
        self.allocations += 1
        return self.memory.allocate(words)

    def read(self, block, offset):
        if self._due is not None and self.clock() >= self._due[0]:
            out, self._due = self._due[1], None
            self._send(out)
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
        if off == r.DMACR:
            return self.regs[channel].get(r.DMACR, 0) & ~r.DMACR_RESET   # reset completes at once
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
        if off == r.DMACR and value & r.DMACR_RESET:
            # PG021: a soft reset on either channel resets the whole DMA and drops its transfers.
            self.dma_resets += 1
            self._dma_reset_state()
            return
        self.regs[channel][off] = value
        if off == r.DMACR and value & r.DMACR_RS:
            self.dmasr[channel] &= ~r.DMASR_HALTED
        if off == r.LENGTH:
            self.dmasr[channel] &= ~r.DMASR_IDLE
            self.armed[channel] = True
            self._step()

    def _buffer_at(self, channel):
        address = self.regs[channel][r.ADDR] | (self.regs[channel].get(r.ADDR_MSB, 0) << 32)
        return self.memory.buffers[address]

    def _step(self):
        """Run the frame once the kernel is started and both transfers are armed."""
        if not (self.started and all(self.armed.values())) or self.hung:
            return
        if self.fault == "hang":
            self.hung = True
            return
        if self.waiting_input:
            # The words now sent end the stalled frame (TLAST came too soon).
            self.waiting_input = False
            self._send(output_frame(Status.SHORT_FRAME))
            return
        if self.fault in ("stall", "slave_error"):
            if self.fault == "slave_error":
                self.dmasr[r.MM2S] |= (1 << 5) | r.DMASR_HALTED
            self.fault, self.waiting_input = None, True
            self.armed[r.MM2S] = False
            return
        src = self._buffer_at(r.MM2S)
        frame = src.device_view[: self.regs[r.MM2S][r.LENGTH] // 4].copy()
        out = np.asarray(self.run_frame(frame), dtype=np.uint32)
        if self.latency:
            self.armed = dict.fromkeys(self.armed, False)    # taken; the output comes later
            self._due = (self.clock() + self.latency, out)
            return
        self._send(out)

    def _send(self, out):
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


def copies(board) -> list:
    """A kernel build's mock boards: one, or a list of them (an overlay with several
    copies of its kernel, each with its DMA)."""
    return list(board) if isinstance(board, (list, tuple)) else [board]


class MockOverlay:
    """What FpgaBackend needs of the overlays: the kernel builds (`boards`' keys) and a
    runner per copy of each build's kernel (a value of `boards` may list several mock
    boards), on mock boards (every build at once, as if the fabric held them all),
    never a download."""

    def __init__(self, boards: dict, clock=None, sleep=None, board=None):
        self.boards, self.clock, self.sleep, self.board = boards, clock, sleep, board
        self.kernels = tuple(boards)
        self._runners = {}

    def runners(self, kernel):
        from neuropynq.board.axi_dma import AxiDma
        from neuropynq.board.kernel_control import KernelControl
        from neuropynq.board.runner import FrameRunner
        if kernel not in self._runners:
            timing = {"clock": self.clock, "sleep": self.sleep} if self.clock else {}
            self._runners[kernel] = [
                FrameRunner(KernelControl(board.kernel, kernel, **timing), AxiDma(board.dma, **timing),
                            board.allocate, **timing)
                for board in copies(self.boards[kernel])]
        return self._runners[kernel]

    def runner(self, kernel):
        return self.runners(kernel)[0]

    def loaded(self, kernel):
        return True

    def info(self, kernel, ask):
        return ask()


def fake_pynq(boards: dict, memory: MockMemory, missing=()) -> types.ModuleType:
    """A stand-in `pynq` module over mock boards (one per kernel build, or a list: the
    copies of its kernel, cells <ip>, <ip>_1, ...) sharing `memory`:
    Overlay binds the DefaultIP subclass of the kernel IP of the build its .bit is named
    after (data/overlays.txt) by VLNV, as PYNQ does from the .hwh, and counts its
    downloads in `module.downloads`; a build in `missing` lacks its kernel."""
    from pathlib import Path

    from neuropynq.board.bitstreams import cell_names, overlays
    pynq = types.ModuleType("pynq")
    pynq.downloads = []

    class DefaultIP:
        def __init__(self, description):
            self.mmio = description["mmio"]
            self._fullpath = description["fullpath"]

    def drivers():
        stack, found = [DefaultIP], []
        while stack:
            cls = stack.pop()
            found.append(cls)
            stack.extend(cls.__subclasses__())
        return found

    class Overlay:
        def __init__(self, bitfile, download=True, **kwargs):
            if download:
                pynq.downloads.append(bitfile)
            for kernel, board in boards.items():
                if kernel in missing or Path(bitfile).stem != overlays()[kernel].name:
                    continue
                ip = overlays()[kernel].ip
                vlnv = f"neuropynq:hls:{ip}:1.0"
                driver = next(c for c in drivers() if vlnv in getattr(c, "bindto", ()))
                found = copies(board)
                for cell, each in zip(cell_names(ip, len(found)), found):
                    setattr(self, cell, driver({"mmio": each.kernel, "fullpath": cell}))
                    setattr(self, f"{cell}_dma", types.SimpleNamespace(mmio=each.dma))

    pynq.DefaultIP, pynq.Overlay = DefaultIP, Overlay
    pynq.allocate = lambda shape, dtype: memory.allocate(shape[0])
    return pynq
