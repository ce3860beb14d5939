"""Checks shared by bm_sampler's testbenches, the dense engines' (tests/rtl/bm_sampler)
and the sparse build's (tests/rtl/bm_sparse). Each takes the build's reference answer,
`expected(words, last)` (the TLAST flags, or None: TLAST on the last word)."""
from __future__ import annotations

from typing import Callable

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, RisingEdge

from .tb import AP_DONE, AP_IDLE, GIE, IER, ISR, TB

Expected = Callable[[np.ndarray, "np.ndarray | None"], list]


async def run_and_check(tb: TB, words, expected: Expected, last_index=None, label="",
                        timeout_cycles: int = 400_000) -> list[int]:
    """One frame (TLAST on `last_index`, else on its last word), its output word for
    word against the reference."""
    last = None
    if last_index is not None:
        last = np.zeros(len(words), dtype=bool)
        last[last_index] = True
    got = await tb.run_frame(words, last_index, timeout_cycles=timeout_cycles)
    want = expected(words, last)
    assert got == want, f"{label}: first difference at word " \
        f"{next(i for i, (a, b) in enumerate(zip(got + [None] * len(want), want)) if a != b)}" \
        f" (got {len(got)} words, expected {len(want)}; status {got[1:2]} vs {want[1]})"
    return got


async def control_registers(tb: TB, words, expected: Expected) -> None:
    """ap_idle/ap_done semantics (done clear on read), STATUS valid clear on read, the
    interrupt through GIE/IER/ISR, auto_restart off; `words` is a good frame."""
    await tb.reset()
    ctrl = await tb.ctrl()
    assert ctrl & AP_IDLE and not ctrl & AP_DONE and not ctrl & 1
    status, valid = await tb.read_status()
    assert valid == 0
    await tb.axil.write(GIE, 1)
    await tb.axil.write(IER, 1)
    assert int(tb.irq.value) == 0
    await tb.start()
    assert not (await tb.ctrl()) & AP_IDLE, "busy while waiting for the frame"
    cocotb.start_soon(tb.source.send(words))
    out = await tb.sink.receive(100_000)
    assert out == expected(words, None)
    await tb.wait_idle(10_000)
    assert int(tb.irq.value) == 1
    assert await tb.axil.read(ISR) == 1
    ctrl = await tb.ctrl()
    assert ctrl & AP_DONE and ctrl & AP_IDLE and not ctrl & 1
    assert not (await tb.ctrl()) & AP_DONE, "ap_done clears on read"
    assert await tb.read_status() == (0, 1)
    assert (await tb.read_status())[1] == 0, "STATUS valid clears on read"
    await tb.axil.write(ISR, 1)             # toggle-on-write clears it
    assert await tb.axil.read(ISR) == 0
    await RisingEdge(tb.clk)
    assert int(tb.irq.value) == 0


async def reset_during_run(tb: TB, words, cycles: int, after, expected: Expected) -> None:
    """A reset `cycles` into the run of `words` leaves the kernel idle; the frame
    `after` then runs exactly."""
    await tb.reset()
    await tb.start()
    sender = cocotb.start_soon(tb.source.send(words))
    await ClockCycles(tb.clk, cycles)
    sender.cancel()
    tb.source.p["tvalid"].value = 0
    await tb.reset()
    assert (await tb.ctrl()) & AP_IDLE
    await run_and_check(tb, after, expected, label="after reset")


async def sweep_ends(tb: TB, words, expected: Expected, label="") -> list[int]:
    """Run `words` (checked against the reference) and return the cycles at which the
    twin's sweep_end marked the end of a sweep."""
    ends = []

    async def watch():
        while True:
            await RisingEdge(tb.clk)
            if int(tb.dut.sweep_end.value):
                ends.append(tb.cycle)

    watcher = cocotb.start_soon(watch())
    await run_and_check(tb, words, expected, label=label, timeout_cycles=2_000_000)
    watcher.cancel()
    return ends
