"""cocotb check of bm_threshold_search: m = #{i : SIGMOID[i] <= x}, LATENCY cycles
after x enters, for x at every table entry's edges, every bucket's edges and random x."""
import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

from neuropynq.luts import SIGMOID_LUT
from tests.rtl.bm_threshold.buckets import bucket_edges

LATENCY = 12


def probe_points() -> list[int]:
    sig = SIGMOID_LUT.astype(np.int64)
    lo, hi = bucket_edges()
    rng = np.random.default_rng(12)
    xs = np.concatenate([sig - 1, sig, sig + 1, lo, hi, [0, (1 << 24) - 1],
                         rng.integers(0, 1 << 24, 2000)])
    return [int(x) for x in xs if 0 <= x < (1 << 24)]


@cocotb.test()
async def counts_match_table(dut):
    cocotb.start_soon(Clock(dut.clk_i, 10, unit="ns").start())
    xs = probe_points()
    expected = np.searchsorted(SIGMOID_LUT.astype(np.int64), xs, side="right")
    got = []
    for cycle in range(len(xs) + LATENCY):     # x set between edges, m_o read there
        await FallingEdge(dut.clk_i)
        if cycle >= LATENCY:
            got.append(int(dut.m_o.value))
        dut.x_i.value = xs[cycle] if cycle < len(xs) else 0
    bad = [(x, g, int(e)) for x, g, e in zip(xs, got, expected) if g != e]
    assert not bad, f"{len(bad)} of {len(xs)} wrong (x, m, expected): {bad[:10]}"
