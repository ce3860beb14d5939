"""The testbench base class shared by the kernel testbenches.

`TB` maps the twin's port names onto the DUT (the Vitis HLS names when RTL=hls),
drives the clock and reset, and runs one frame the way the host driver does:
write ap_start, stream the frame in, collect the output frame, poll ap_idle.
"""
from __future__ import annotations

import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from .axil import AxiLiteMaster
from .axis import AxiStreamSink, AxiStreamSource

CTRL, GIE, IER, ISR, STATUS, STATUS_CTRL = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14
AP_START, AP_DONE, AP_IDLE, AP_READY = 1, 2, 4, 8

_AXIL = ["awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp",
         "bvalid", "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid", "rready"]
_AXIS = ["tdata", "tvalid", "tready", "tlast"]


def port_map(dut, hls: bool, hls_in: str = "in_r", hls_out: str = "out_r"):
    """(clk, rst_n, axil, axis_in, axis_out, interrupt) handles for the twin or the HLS RTL."""
    if hls:
        axil = {n: getattr(dut, f"s_axi_control_{n.upper()}") for n in _AXIL}
        s_in = {n: getattr(dut, f"{hls_in}_{n.upper()}") for n in _AXIS}
        s_out = {n: getattr(dut, f"{hls_out}_{n.upper()}") for n in _AXIS}
        for extra in ("tkeep", "tstrb"):
            name = f"{hls_in}_{extra.upper()}"
            if hasattr(dut, name):
                s_in[extra] = getattr(dut, name)
        return dut.ap_clk, dut.ap_rst_n, axil, s_in, s_out, dut.interrupt
    axil = {n: getattr(dut, f"s_axil_{n}_{'o' if n in _SLAVE_OUT else 'i'}") for n in _AXIL}
    s_in = {n: getattr(dut, f"s_axis_{n}_{'o' if n == 'tready' else 'i'}") for n in _AXIS}
    s_out = {n: getattr(dut, f"m_axis_{n}_{'i' if n == 'tready' else 'o'}") for n in _AXIS}
    return dut.clk_i, dut.rst_ni, axil, s_in, s_out, dut.interrupt_o


_SLAVE_OUT = {"awready", "wready", "bresp", "bvalid", "arready", "rdata", "rresp", "rvalid"}


class TB:
    """One DUT with its drivers. Random idle/back-pressure from `seed`."""

    def __init__(self, dut, seed: int = 1, idle: float = 0.2, backpressure: float = 0.2) -> None:
        self.dut = dut
        self.hls = os.environ.get("RTL", "twin").lower() == "hls"
        self.clk, self.rst_n, axil, s_in, s_out, self.irq = port_map(dut, self.hls)
        self.axil = AxiLiteMaster(axil, self.clk)
        self.source = AxiStreamSource(s_in, self.clk, idle=idle, seed=seed)
        self.sink = AxiStreamSink(s_out, self.clk, backpressure=backpressure, seed=seed + 1)
        self.cycle = 0
        cocotb.start_soon(Clock(self.clk, 10, unit="ns").start())
        cocotb.start_soon(self._count_cycles())

    async def _count_cycles(self) -> None:
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1

    async def reset(self, cycles: int = 5) -> None:
        self.rst_n.value = 0
        await ClockCycles(self.clk, cycles)
        self.rst_n.value = 1
        await ClockCycles(self.clk, 2)

    async def ctrl(self) -> int:
        return await self.axil.read(CTRL)

    async def start(self) -> None:
        await self.axil.write(CTRL, AP_START)

    async def wait_idle(self, timeout_cycles: int) -> None:
        """Poll ap_idle over AXI-Lite, as drivers do (ap_done is clear-on-read)."""
        start = self.cycle
        while self.cycle - start < timeout_cycles:
            if await self.ctrl() & AP_IDLE:
                return
            await ClockCycles(self.clk, 8)
        raise TimeoutError(f"ap_idle not set within {timeout_cycles} cycles")

    async def run_frame(self, words, last_index: int | None = None,
                        timeout_cycles: int = 200_000) -> list[int]:
        """Start, send one input frame, return the output frame; waits for ap_idle."""
        await self.start()
        sender = cocotb.start_soon(self.source.send(words, last_index))
        out = await self.sink.receive(timeout_cycles)
        await sender
        await self.wait_idle(timeout_cycles)
        return out

    async def read_status(self) -> tuple[int, int]:
        """(STATUS, STATUS valid); reading STATUS_CTRL clears the valid bit."""
        status = await self.axil.read(STATUS)
        valid = await self.axil.read(STATUS_CTRL)
        return status, valid & 1

    async def probe(self, signal) -> int:
        await ReadOnly()
        value = int(signal.value)
        await RisingEdge(self.clk)
        return value
