"""The AXI DMA in simple mode, driven through its registers with timeouts.

PYNQ's own DMA driver can wait forever on a transfer that never completes; here
every wait has a deadline, so a kernel that stalls its stream becomes a
KernelError naming the channel instead of a hung notebook. After a timeout or an
error the DMA is soft-reset (PG021: DMACR.Reset resets both channels and drops
what they hold), which is the only way to clear its error and busy state."""
from __future__ import annotations

import time

from ..errors import KernelError
from . import registers as r


class DmaChannel:
    """One direction (MM2S or S2MM) of an AXI DMA, on an MMIO-like `regs`
    (`read(offset)`, `write(offset, value)`)."""

    def __init__(self, regs, base: int, name: str, clock=time.monotonic, sleep=time.sleep):
        self.regs, self.base, self.name = regs, base, name
        self._clock, self._sleep = clock, sleep

    def _read(self, off: int) -> int:
        return self.regs.read(self.base + off)

    def _write(self, off: int, value: int) -> None:
        self.regs.write(self.base + off, value)

    def start(self) -> None:
        self._write(r.DMACR, r.DMACR_RS)
        if self._read(r.DMASR) & r.DMASR_HALTED:
            raise KernelError(f"{self.name} DMA channel did not leave the halted state")

    def transfer(self, address: int, nbytes: int) -> None:
        """Start moving `nbytes` from/to the physical `address` (writing LENGTH starts it)."""
        self.check_errors()
        if not self._read(r.DMASR) & r.DMASR_IDLE and self._read(r.LENGTH):
            raise KernelError(f"{self.name} DMA channel is busy with an earlier transfer")
        self._write(r.ADDR, address & 0xFFFFFFFF)
        self._write(r.ADDR_MSB, address >> 32)
        self._write(r.LENGTH, nbytes)

    def check_errors(self) -> None:
        status = self._read(r.DMASR)
        for bit, text in r.DMASR_ERRORS.items():
            if status & bit:
                raise KernelError(f"{self.name}: {text} (DMASR 0x{status:08x})")

    def wait(self, deadline: float) -> None:
        """Poll until the channel is idle; KernelError at `deadline` (a clock() value)."""
        while True:
            self.check_errors()
            if self._read(r.DMASR) & r.DMASR_IDLE:
                return
            if self._clock() > deadline:
                raise KernelError(f"timed out waiting for the {self.name} DMA transfer")
            self._sleep(20e-6)

    def bytes_transferred(self) -> int:
        return self._read(r.LENGTH)


    def idle(self) -> bool:
        return bool(self._read(r.DMASR) & r.DMASR_IDLE)


class AxiDma:
    """Both channels of one AXI DMA instance."""

    RESET_S = 0.01     # PG021: the reset completes within a few hundred clock cycles

    def __init__(self, regs, clock=time.monotonic, sleep=time.sleep):
        self.regs, self._clock, self._sleep = regs, clock, sleep
        self.mm2s = DmaChannel(regs, r.MM2S, "MM2S (host to kernel)", clock, sleep)
        self.s2mm = DmaChannel(regs, r.S2MM, "S2MM (kernel to host)", clock, sleep)

    def start(self) -> None:
        self.mm2s.start()
        self.s2mm.start()

    def reset(self) -> None:
        """Soft reset (both channels: transfers in flight are dropped, errors cleared),
        then run again. KernelError if the reset bit does not clear."""
        self.regs.write(r.MM2S + r.DMACR, r.DMACR_RESET)
        deadline = self._clock() + self.RESET_S
        while self.regs.read(r.MM2S + r.DMACR) & r.DMACR_RESET:
            if self._clock() > deadline:
                raise KernelError("the AXI DMA did not come out of its soft reset")
            self._sleep(20e-6)
        self.start()
