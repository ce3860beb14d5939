"""What a PYNQ board gives the driver, modelled in cocotb around one kernel twin.

The driver (neuropynq.board, unmodified) is synchronous and runs in a cocotb
bridge thread (`cocotb.task.bridge`); every call it makes into this board resumes
the simulator (`cocotb.task.resume`) and costs simulated clock cycles, so its
clock, its sleeps and therefore its deadlines are simulation time.

* `SimBoard.kernel`: the kernel's AXI4-Lite registers; each read or write is a
  real AXI-Lite transaction on the twin.
* `SimBoard.dma`: an AXI DMA in simple mode (PG021): per channel DMACR, DMASR,
  ADDR, ADDR_MSB and LENGTH. Writing LENGTH starts a transfer between a buffer and
  the twin's AXI-Stream ports: MM2S streams the buffer with TLAST on the last word;
  S2MM accepts words up to TLAST and then reads back the bytes received in LENGTH,
  or flags DMAIntErr and halts when the packet is longer than the armed length.
  DMACR.Reset on either channel resets both: transfers in flight are dropped
  (TVALID and TREADY fall) and the registers return to their reset state.
* `SimBoard.allocate`: pynq.allocate-like buffers (tests/mocks/pynq_board.MockBuffer)
  whose device view is what the DMA moves, so a missing flush() or invalidate()
  shows up as wrong data.
"""
from __future__ import annotations

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.task import resume
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, Timer

from neuropynq.board import registers as r
from tests.mocks.pynq_board import MockBuffer
from tests.rtl.common.axil import AxiLiteMaster
from tests.rtl.common.axis import AxiStreamSource
from tests.rtl.common.tb import port_map

CLOCK_NS = 10
DMASR_INTERNAL_ERROR = 1 << 4
DMASR_DECODE_ERROR = 1 << 6


class SimTime:
    """The driver's `clock` and `sleep`, in simulated seconds."""

    @staticmethod
    def clock() -> float:
        return resume(_now)()

    @staticmethod
    def sleep(seconds: float) -> None:
        resume(_pause)(seconds)


async def _now() -> float:
    return get_sim_time("sec")


async def _pause(seconds: float) -> None:
    await Timer(max(1, round(seconds * 1e9)), "ns")


class KernelMmio:
    """The kernel's control registers as PYNQ's MMIO: read/write are AXI-Lite transactions."""

    def __init__(self, master: AxiLiteMaster) -> None:
        self.master = master

    def read(self, offset: int) -> int:
        return resume(self.master.read)(offset)

    def write(self, offset: int, value: int) -> None:
        resume(self.master.write)(offset, value)


class DeviceMemory:
    """Physical memory made of the buffers handed out by `allocate`."""

    def __init__(self, first_address: int = 0x1000_0000) -> None:
        self.mapped: dict[int, MockBuffer] = {}       # by the address the memory gave it
        self._next = first_address

    def allocate(self, words: int) -> MockBuffer:
        buf = MockBuffer(words, self._next)
        self.mapped[self._next] = buf
        self._next += ((4 * words + 0xFFF) & ~0xFFF) + 0x1000   # page aligned, a gap between
        return buf

    def window(self, address: int, nbytes: int) -> np.ndarray | None:
        """The device view of [address, address + nbytes), or None if no live buffer holds it."""
        for base, buf in self.mapped.items():
            start = address - base
            if not buf.freed and start >= 0 and start % 4 == 0 and start + nbytes <= 4 * buf.size:
                return buf.device_view[start // 4: (start + nbytes) // 4]
        return None


class DmaChannelModel:
    """One channel's registers. Reset state as PG021: halted, not idle, LENGTH 0."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reset()

    def reset(self) -> None:
        self.regs = {r.DMACR: 0, r.DMASR: r.DMASR_HALTED, r.ADDR: 0, r.ADDR_MSB: 0, r.LENGTH: 0}

    @property
    def running(self) -> bool:
        return not self.regs[r.DMASR] & r.DMASR_HALTED

    def read(self, reg: int) -> int:
        if reg not in self.regs:
            raise ValueError(f"{self.name}: the driver read register 0x{reg:02X}, which the model lacks")
        return self.regs[reg]

    def write(self, reg: int, value: int) -> None:
        if reg not in (r.DMACR, r.ADDR, r.ADDR_MSB, r.LENGTH):
            raise ValueError(f"{self.name}: the driver wrote 0x{value:08X} to register 0x{reg:02X}, "
                             "which is read-only or not modelled")
        self.regs[reg] = value
        if reg == r.DMACR:
            if value & r.DMACR_RS:
                self.regs[r.DMASR] &= ~r.DMASR_HALTED
            else:
                self.regs[r.DMASR] |= r.DMASR_HALTED

    def address(self) -> int:
        return self.regs[r.ADDR] | self.regs[r.ADDR_MSB] << 32

    def finish(self) -> None:
        self.regs[r.DMASR] |= r.DMASR_IDLE | r.DMASR_IOC

    def fail(self, bit: int) -> None:
        """An error halts the channel (PG021) until it is reset."""
        self.regs[r.DMASR] |= bit | r.DMASR_HALTED


class AxiDmaModel:
    """The AXI DMA's register block as PYNQ's MMIO, moving words between `memory`
    and the twin's streams. `sent` and `received` log every completed frame.

    `drop_s2mm_lengths` is a fault: that many S2MM LENGTH writes are lost, so the
    kernel's output is not taken and the kernel stalls."""

    def __init__(self, clk, memory: DeviceMemory, s_in, s_out, seed: int = 1) -> None:
        self.clk, self.memory, self.s_in, self.s_out = clk, memory, s_in, s_out
        self.channels = {r.MM2S: DmaChannelModel("MM2S"), r.S2MM: DmaChannelModel("S2MM")}
        self.source = AxiStreamSource(s_in, clk, idle=0.1, seed=seed)
        self.s_out["tready"].value = 0
        self.drop_s2mm_lengths = 0
        self.resets = 0
        self.transfers: list = []
        self.sent: list[np.ndarray] = []
        self.received: list[np.ndarray] = []

    def read(self, offset: int) -> int:
        return resume(self._access)(offset)

    def write(self, offset: int, value: int) -> None:
        resume(self._access)(offset, value)

    async def _access(self, offset: int, value: int | None = None) -> int | None:
        await RisingEdge(self.clk)          # a register access takes bus cycles on the board too
        base = r.S2MM if offset >= r.S2MM else r.MM2S
        channel, reg = self.channels[base], offset - base
        if value is None:
            return channel.read(reg)
        if reg == r.DMACR and value & r.DMACR_RESET:
            self._reset()
            return None
        channel.write(reg, value)
        if reg == r.LENGTH and base == r.S2MM and self.drop_s2mm_lengths:
            self.drop_s2mm_lengths -= 1
        elif reg == r.LENGTH and channel.running:
            self._start(base, channel, value)
        return None

    def _reset(self) -> None:
        self.resets += 1
        for task in self.transfers:
            task.cancel()
        self.transfers.clear()
        self.s_in["tvalid"].value = 0
        self.s_in["tlast"].value = 0
        self.s_out["tready"].value = 0
        for channel in self.channels.values():
            channel.reset()

    def _start(self, base: int, channel: DmaChannelModel, nbytes: int) -> None:
        if nbytes % 4:
            raise ValueError(f"{channel.name}: {nbytes} bytes is not whole 32-bit words; "
                             "the kernels' streams have no TKEEP")
        window = self.memory.window(channel.address(), nbytes)
        if window is None:
            channel.fail(DMASR_DECODE_ERROR)
            return
        channel.regs[r.DMASR] &= ~r.DMASR_IDLE
        transfer = self._mm2s if base == r.MM2S else self._s2mm
        self.transfers = [t for t in self.transfers if not t.done()]
        self.transfers.append(cocotb.start_soon(transfer(channel, window)))

    async def _mm2s(self, channel: DmaChannelModel, window: np.ndarray) -> None:
        words = window.copy()
        await self.source.send(words)
        self.sent.append(words)
        channel.finish()

    async def _s2mm(self, channel: DmaChannelModel, window: np.ndarray) -> None:
        words: list[int] = []
        self.s_out["tready"].value = 1
        while True:
            await ReadOnly()
            valid = bool(int(self.s_out["tvalid"].value))
            data = int(self.s_out["tdata"].value) if valid else 0
            last = valid and bool(int(self.s_out["tlast"].value))
            await RisingEdge(self.clk)
            if not valid:
                continue
            words.append(data)
            if last:
                break
            if len(words) >= window.size:
                self.s_out["tready"].value = 0
                channel.fail(DMASR_INTERNAL_ERROR)     # the packet is longer than the buffer
                return
        self.s_out["tready"].value = 0
        window[:len(words)] = words
        channel.regs[r.LENGTH] = 4 * len(words)        # simple mode: bytes actually received
        self.received.append(np.array(words, dtype=np.uint32))
        channel.finish()


class SimBoard:
    """One kernel twin with its DMA and memory: what MockOverlay needs of a board
    (`kernel`, `dma`, `allocate`)."""

    def __init__(self, dut, seed: int = 1) -> None:
        self.clk, self.rst_n, axil, s_in, s_out, _ = port_map(dut, hls=False)
        cocotb.start_soon(Clock(self.clk, CLOCK_NS, unit="ns").start())
        self.memory = DeviceMemory()
        self.kernel = KernelMmio(AxiLiteMaster(axil, self.clk))
        self.dma = AxiDmaModel(self.clk, self.memory, s_in, s_out, seed)
        self.allocate = self.memory.allocate

    async def reset(self, cycles: int = 5) -> None:
        self.rst_n.value = 0
        await ClockCycles(self.clk, cycles)
        self.rst_n.value = 1
        await ClockCycles(self.clk, 2)
