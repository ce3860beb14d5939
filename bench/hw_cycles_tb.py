"""cocotb testbench of bench/bench_hw.py: runs input frames through a twin the way a
DMA at full rate would — no idle cycles on the input, no back-pressure on the
output — and records for each frame the clock cycles from the first input word to
the last output word, and the output frame.

Environment:
  NPQ_BENCH_FRAMES  JSON file: a list of {"words": [...], "timeout_cycles": n}
  NPQ_BENCH_RESULT  JSON file written here: a list of {"cycles": c, "output": [...]}

No coroutine runs every cycle while the kernel computes (the wait for the output is
a value-change trigger on TVALID), so a long frame runs at Verilator's speed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, with_timeout
from cocotb.utils import get_sim_time

from tests.rtl.common.axil import AxiLiteMaster
from tests.rtl.common.tb import AP_IDLE, AP_START, CTRL, port_map

CLOCK_NS = 10
IDLE_POLL_CYCLES = 8
IDLE_TIMEOUT_CYCLES = 100_000


def _edge_cycle() -> int:
    """The index of the clock edge the simulation is at (edges every CLOCK_NS)."""
    return int(round(get_sim_time("ns") / CLOCK_NS))


async def _send(clk, port, words: list[int]) -> int:
    """Stream `words` (TLAST on the last one); the edge index that took the first word."""
    first = None
    for i, word in enumerate(words):
        port["tdata"].value = word
        port["tlast"].value = int(i == len(words) - 1)
        port["tvalid"].value = 1
        while True:
            await ReadOnly()
            accepted = bool(int(port["tready"].value))
            await RisingEdge(clk)
            if accepted:
                break
        if first is None:
            first = _edge_cycle()
    port["tvalid"].value = 0
    port["tlast"].value = 0
    return first


async def _receive(clk, port, timeout_cycles: int) -> tuple[list[int], int]:
    """The output frame (always ready) and the edge index that took its last word."""
    port["tready"].value = 1
    await ReadOnly()
    if not int(port["tvalid"].value):
        await with_timeout(RisingEdge(port["tvalid"]), timeout_cycles * CLOCK_NS, "ns")
    words = []
    while True:
        await ReadOnly()
        valid = bool(int(port["tvalid"].value))
        data = int(port["tdata"].value) if valid else 0
        last = valid and bool(int(port["tlast"].value))
        await RisingEdge(clk)
        if valid:
            words.append(data)
            if last:
                port["tready"].value = 0
                return words, _edge_cycle()


async def _wait_idle(clk, axil: AxiLiteMaster) -> None:
    for _ in range(IDLE_TIMEOUT_CYCLES // IDLE_POLL_CYCLES):
        if await axil.read(CTRL) & AP_IDLE:
            return
        await ClockCycles(clk, IDLE_POLL_CYCLES)
    raise TimeoutError(f"ap_idle not set within {IDLE_TIMEOUT_CYCLES} cycles of the output frame")


@cocotb.test()
async def frame_cycles(dut):
    frames = json.loads(Path(os.environ["NPQ_BENCH_FRAMES"]).read_text())
    clk, rst_n, axil_ports, s_in, s_out, _ = port_map(dut, hls=False)
    for name in ("tvalid", "tdata", "tlast"):
        s_in[name].value = 0
    s_out["tready"].value = 0
    cocotb.start_soon(Clock(clk, CLOCK_NS, unit="ns").start())
    axil = AxiLiteMaster(axil_ports, clk)
    rst_n.value = 0
    await ClockCycles(clk, 5)
    rst_n.value = 1
    await ClockCycles(clk, 2)
    results = []
    for frame in frames:
        await axil.write(CTRL, AP_START)
        sender = cocotb.start_soon(_send(clk, s_in, [int(w) & 0xFFFFFFFF for w in frame["words"]]))
        output, last = await _receive(clk, s_out, int(frame["timeout_cycles"]))
        await ClockCycles(clk, 2)
        if not sender.done():
            sender.cancel()
            raise AssertionError(f"the output frame came before the input frame was read: {output[:3]}")
        first = sender.result()
        await _wait_idle(clk, axil)
        # Both edges count: a one-word frame answered by a one-word frame takes >= 2.
        results.append({"cycles": last - first + 1, "output": output})
    Path(os.environ["NPQ_BENCH_RESULT"]).write_text(json.dumps(results))
