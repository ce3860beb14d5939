"""cocotb testbench of bn_sampler: every output frame is compared word for word
with the reference kernel (`neuropynq.reference.bn_sampler.run_frame`) for the
build's lanes and limits, which the DUT reports in its INFO frame.

Run from tests/rtl/bn_sampler/test_bn_sampler.py; the environment carries the
expected build (BN_P, BN_V_MAX, BN_TABLE_MAX; absent for Vitis RTL) and, for the cycle
figures, BN_CYCLES_OUT (a JSON file to write).
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from neuropynq.fixedpoint import cdf_thresholds, neg_log2_weight
from neuropynq.framing import MAGIC_BN, SPEC_VERSION, Op, Status, head
from neuropynq.kernels.bn_model import BNKernelModel, info_frame, parse_info
from neuropynq.limits import HW_BN_LIMITS, BNLimits
from neuropynq.models.bayesnet import BayesNet
from neuropynq.board.frames import bn_run_cycles
from neuropynq.reference import bn_sampler as bn_ref
from neuropynq.reference.bn_sampler import run_frame
from tests.rtl.common.tb import (AP_DONE, AP_IDLE, AP_START, CTRL, GIE, IER, ISR, STATUS,
                                 STATUS_CTRL, TB)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
BATCH = 16                      # bn_base_pkg::BATCH, for the loop-structure estimate
HEAD_WORDS = 5   # magic, version, opcode, V, TW


def example(name: str, evidence: dict | None = None) -> BNKernelModel:
    return BNKernelModel.build(BayesNet.from_bif(EXAMPLES / f"{name}.bif"), evidence)


def edge_model() -> BNKernelModel:
    """A hand-made model at the corners the examples miss: a one-state variable
    (draws, no thresholds), 16 states sampled and observed, 8 parents, an
    evidence row with P(e | row) = 0, parents listed out of index order."""
    rng = np.random.default_rng(5)
    cards = [1, 16, 3, 2, 5, 2, 2, 2, 2, 2, 16]
    parents = [[], [], [0, 1], [2], [1, 3], [], [], [4], [3], [5, 2, 6, 7, 3, 0, 8, 4], [2, 3]]
    evidence = [-1, -1, -1, -1, 2, -1, -1, -1, -1, 1, 9]
    base, chunks, used = [], [], 0
    for card, pars, e in zip(cards, parents, evidence):
        rows = int(np.prod([cards[p] for p in pars])) if pars else 1
        probs = rng.dirichlet(np.full(card, 0.7), size=rows)
        if e >= 0:
            probs[0, e] = 0.0        # one impossible row: its samples are dead
            chunk = neg_log2_weight(probs[:, e])
        else:
            chunk = cdf_thresholds(probs).reshape(-1)
        base.append(used)
        chunks.append(chunk)
        used += chunk.size
    names = [f"v{i}" for i in range(len(cards))]
    states = [[f"s{k}" for k in range(c)] for c in cards]
    return BNKernelModel(names, states, cards, parents, evidence, base, np.concatenate(chunks))


def two_variable_model() -> BNKernelModel:
    """a -> b, cards 2 and 3: with T = 1, V + T = 3 is below P = 4, so each round
    ends before the shared seeder has the next round's P * 16 states."""
    probs_a = np.array([[0.3, 0.7]])
    probs_b = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    table = np.concatenate([cdf_thresholds(probs_a).reshape(-1), cdf_thresholds(probs_b).reshape(-1)])
    return BNKernelModel(["a", "b"], [["a0", "a1"], ["b0", "b1", "b2"]], [2, 3], [[], [0]],
                         [-1, -1], [0, 1], table)


class BNTB(TB):
    """TB plus the build's lanes and limits, and the reference output of a frame."""

    def __init__(self, dut, seed: int = 1, idle: float = 0.2, backpressure: float = 0.2) -> None:
        super().__init__(dut, seed=seed, idle=idle, backpressure=backpressure)
        self.lanes = 1
        self.limits = HW_BN_LIMITS

    async def learn_build(self) -> None:
        """Reset, run an INFO frame and take the lanes and limits from it (checked
        against BN_P, BN_V_MAX, BN_TABLE_MAX for the twin, whose build the test chose)."""
        await self.reset()
        out = await self.run(info_frame())
        assert out[:3] == [0x4E505253, Status.OK, 7], f"INFO head {out[:3]}"
        self.limits, self.lanes = parse_info(out[3:])
        if "BN_P" in os.environ:
            expected = dataclasses.replace(HW_BN_LIMITS, v_max=int(os.environ["BN_V_MAX"]),
                                           table_max=int(os.environ["BN_TABLE_MAX"]))
            assert (self.lanes, self.limits) == (int(os.environ["BN_P"]), expected), \
                f"INFO says P={self.lanes}, {self.limits}"

    def expected(self, words) -> list[int]:
        """The reference output frame (TLAST on the input's final word)."""
        return [int(w) for w in run_frame(words, lanes=self.lanes, limits=self.limits)]

    async def run(self, words, timeout_cycles: int = 200_000) -> list[int]:
        """Like TB.run_frame, but fails instead of hanging if the kernel stops
        reading its input before the frame's TLAST."""
        await self.start()
        sender = cocotb.start_soon(self.source.send(words))
        out = await self.sink.receive(timeout_cycles)
        await ClockCycles(self.clk, 2)
        if not sender.done():
            sender.cancel()
            raise AssertionError(f"the output frame came before the input frame was read: {out[:3]}")
        await self.wait_idle(timeout_cycles)
        return out

    async def check(self, words, what: str = "") -> list[int]:
        """Run one frame; assert the output frame and the STATUS register match the reference."""
        want = self.expected(words)
        got = await self.run(words)
        assert got == want, f"{what}: output differs from the reference\n got  {got[:12]}...\n want {want[:12]}..."
        status, valid = await self.read_status()
        assert (status, valid) == (want[1], 1), f"{what}: STATUS {status} valid {valid}, want {want[1]}"
        return got


def run_cases() -> list[tuple[str, BNKernelModel, int, int, int, int]]:
    """(name, model, S, T, seed, RMAX): S not a multiple of a round, so some lanes idle."""
    asia_ev = example("asia", {"xray": "yes", "dysp": "yes"})
    alarm_ev = example("alarm", {"HYPOVOLEMIA": "TRUE", "CVP": "HIGH", "HISTORY": "FALSE"})
    return [
        ("asia, one sample, one step", example("asia"), 1, 1, 3, 65535),
        ("asia", example("asia"), 40, 16, 1, 65535),
        ("asia|xray,dysp", asia_ev, 100, 24, 0xDEADBEEF12345678, 30000),
        ("alarm|3 evidence", alarm_ev, 70, 16, 7, 65535),
        ("edge model", edge_model(), 90, 20, 2**64 - 1, 65535),
        ("a -> b, T = 1, 3 rounds at P = 4", two_variable_model(), 150, 1, 9, 65535),
    ]


@cocotb.test()
async def counts_match_reference(dut):
    """RUN frames of asia, alarm and the edge model, with random idle and back-pressure."""
    tb = BNTB(dut, seed=11)
    await tb.learn_build()
    for name, model, samples, window, seed, rmax in run_cases():
        out = await tb.check(model.run_frame(samples, window, seed, rmax), what=name)
        assert out[1] == Status.OK and out[-2] > 0, f"{name}: status {out[1]}, total {out[-2]}"


def _asia_frame() -> list[int]:
    return [int(w) for w in example("asia", {"xray": "yes"}).run_frame(20, 8, 3, 40000)]


def malformed_frames(limits: BNLimits) -> list[tuple[str, list[int]]]:
    """(what, words) of broken frames, TLAST on the final word."""
    good = _asia_frame()
    n_vars, tw = good[3], good[4]
    # First word of each descriptor (spec v2: card | n_parents, evidence | state, base,
    # one word per parent), and of the table.
    at = [HEAD_WORDS]
    for _ in range(n_vars):
        at.append(at[-1] + 3 + (good[at[-1]] >> 16))
    table0 = at[-1]
    params = table0 + tw

    def patched(index: int, value: int, *more: int) -> list[int]:
        """`good` with word `index` = value (and the next words = more)."""
        words = list(good)
        for j, v in enumerate((value,) + more):
            words[index + j] = v & 0xFFFFFFFF
        return words

    d0 = lambda i: at[i]   # noqa: E731
    lung = d0(3)     # asia kernel variable 3 has one parent (smoke, index 2)
    return [
        ("bad magic", patched(0, 0x4E50424D)),
        ("bad version", patched(1, SPEC_VERSION - 1)),
        ("bad opcode", patched(2, 7)),
        ("INFO with a fourth word", head(MAGIC_BN, Op.INFO) + [0]),
        ("INFO ending early", head(MAGIC_BN, Op.INFO)[:2]),
        ("V = 0", patched(3, 0)),
        ("V beyond V_MAX", patched(3, limits.v_max + 1)),
        ("TW = 0", patched(4, 0)),
        ("TW beyond TABLE_MAX", patched(4, limits.table_max + 1)),
        ("card 0", patched(d0(1), good[d0(1)] & ~0xFFFF)),
        ("card 17", patched(d0(1), (good[d0(1)] & ~0xFFFF) | 17)),
        ("9 parents", patched(lung, (good[lung] & 0xFFFF) | (9 << 16))),
        ("65535 parents", patched(lung, (good[lung] & 0xFFFF) | (0xFFFF << 16))),
        ("parent index >= i", patched(lung + 3, 3)),
        ("parent index beyond 8 bits", patched(lung + 3, 0x100 | 2)),
        ("evidence state >= card", patched(d0(0) + 1, (1 << 31) | 2)),
        ("table slice beyond TW", patched(lung + 2, tw - 1)),
        ("base beyond 16 bits", patched(lung + 2, 1 << 16)),
        ("table slice beyond TW, no parents", patched(d0(0) + 2, tw)),
        ("S = 0", patched(params, 0)),
        ("T = 0", patched(params + 1, 0)),
        ("T beyond T_MAX", patched(params + 1, limits.t_max + 1)),
        ("S * T >= 2^48", patched(params, 2**32 - 1, 2**16 + 1)),
        ("RMAX = 0", patched(params + 4, 0)),
        ("RMAX > 65535", patched(params + 4, 65536)),
        # A frame that ends early: the words after its TLAST would belong to the next frame.
        ("TLAST on V", good[:4]),
        ("TLAST on a descriptor's last word (slice check passes)", good[:lung + 4]),
        ("TLAST on a descriptor's base, no parents", good[:d0(0) + 3]),
        ("TLAST on a descriptor's base, bad slice", patched(d0(0) + 2, tw)[:d0(0) + 3]),
        ("TLAST inside the table", good[:table0 + 6]),
        ("TLAST on the seed", good[:params + 3]),
        # Checks the loader decides a few cycles after the word (stream held off)
        ("TLAST on the window", good[:params + 2]),
        ("TLAST on S * T >= 2^48 (the content check wins)",
         patched(params, 2**32 - 1, 2**16 + 1)[:params + 2]),
        ("TLAST on a slice beyond TW (the content check wins)", patched(lung + 2, tw - 1)[:lung + 4]),
        ("TLAST on a bad card (the content check wins)", patched(d0(1), good[d0(1)] & ~0xFFFF)[:d0(1) + 1]),
        ("no TLAST on the last word, 3 more words", good + [1, 2, 3]),
        ("bad magic, then 40 words discarded", patched(0, 0) + list(range(40))),
    ]


@cocotb.test()
async def malformed_frames_report_errors(dut):
    """Every malformed frame gives the reference's error frame and STATUS, without
    hanging; a good frame afterwards runs normally."""
    tb = BNTB(dut, seed=12)
    await tb.learn_build()
    statuses = set()
    for what, words in malformed_frames(tb.limits):
        out = await tb.check(words, what)
        assert out[1] != Status.OK and out[2] == 0, f"{what}: accepted ({out[:3]})"
        statuses.add(out[1])
    assert statuses == set(range(1, 9)), f"not every error status exercised: {sorted(statuses)}"
    await tb.check(_asia_frame(), what="good frame after the errors")


async def _read_ctrl_until_idle(tb: BNTB, timeout_cycles: int) -> list[int]:
    """CTRL values read until ap_idle is set, and one more read after it."""
    reads = []
    start = tb.cycle
    while tb.cycle - start < timeout_cycles:
        reads.append(await tb.ctrl())
        if reads[-1] & AP_IDLE:
            reads.append(await tb.ctrl())
            return reads
    raise TimeoutError("ap_idle not set")


@cocotb.test()
async def control_registers(dut):
    """ap_idle / ap_done / ap_start semantics, STATUS valid, the interrupt, and a
    second run without reset."""
    tb = BNTB(dut, seed=13)
    await tb.learn_build()
    await tb.read_status()            # clear the valid bit left by the INFO frame
    ctrl = await tb.ctrl()
    assert ctrl & (AP_IDLE | AP_DONE | AP_START) == AP_IDLE, f"CTRL after INFO drained: {ctrl:#x}"
    assert await tb.axil.read(STATUS_CTRL) == 0

    await tb.axil.write(GIE, 1)
    await tb.axil.write(IER, 1)
    model = example("alarm", {"CVP": "LOW"})
    words = [int(w) for w in model.run_frame(48, 16, 99, 50000)]
    await tb.start()
    sender = cocotb.start_soon(tb.source.send(words))
    ctrl = await tb.ctrl()
    assert not ctrl & AP_IDLE, f"ap_idle set while a frame is being read (CTRL {ctrl:#x})"
    out = await tb.sink.receive(200_000)
    await sender
    reads = await _read_ctrl_until_idle(tb, 200_000)
    done_reads = [bool(r & AP_DONE) for r in reads]
    assert done_reads.count(True) == 1 and not done_reads[-1], \
        f"ap_done must show in exactly one read (clear on read): CTRL reads {[hex(r) for r in reads]}"
    assert not reads[-1] & AP_START, "ap_start did not clear"
    assert out == tb.expected(words)
    assert int(tb.irq.value) == 1, "interrupt not raised with GIE and IER set"
    assert await tb.axil.read(ISR) & 1 == 1
    await tb.axil.write(ISR, 1)       # toggle on write: clears ap_done's interrupt
    await ClockCycles(tb.clk, 2)
    assert int(tb.irq.value) == 0 and await tb.axil.read(ISR) & 1 == 0
    assert await tb.read_status() == (Status.OK, 1)
    assert await tb.read_status() == (Status.OK, 0), "STATUS valid must clear on read"
    await tb.axil.write(GIE, 0)

    # A second run on the same state (no reset in between), different seed.
    await tb.check([int(w) for w in model.run_frame(48, 16, 100, 50000)], what="second run")


@cocotb.test()
async def reset_in_the_middle(dut):
    """A reset while a frame is read, and one while samples are drawn, leave the
    kernel idle and ready for a normal run."""
    tb = BNTB(dut, seed=14)
    await tb.learn_build()
    words = [int(w) for w in example("alarm").run_frame(512, 64, 5, 65535)]

    # During loading: stop the source half-way.
    await tb.start()
    sender = cocotb.start_soon(tb.source.send(words))
    await ClockCycles(tb.clk, len(words) // 2)
    sender.cancel()
    tb.source.p["tvalid"].value = 0
    await tb.reset()
    assert await tb.ctrl() & AP_IDLE, "not idle after a reset during loading"
    await tb.check(_asia_frame(), what="after a reset during loading")

    # During sampling: the whole frame is in, no output yet.
    await tb.start()
    await tb.source.send(words)
    await ClockCycles(tb.clk, 2000)
    assert int(tb.sink.p["tvalid"].value) == 0, "the run ended before the reset (raise S)"
    await tb.reset()
    assert await tb.ctrl() & AP_IDLE, "not idle after a reset during sampling"
    await tb.check([int(w) for w in example("asia").run_frame(33, 8, 8, 65535)],
                   what="after a reset during sampling")


class _Timer:
    """Cycles from the input frame's TLAST to the output frame's first word."""

    def __init__(self, tb: BNTB) -> None:
        self.tb = tb
        self.t_in = self.t_out = None
        cocotb.start_soon(self._watch())

    async def _watch(self) -> None:
        s_in, s_out = self.tb.source.p, self.tb.sink.p
        while True:
            await ReadOnly()
            if self.t_in is None and int(s_in["tvalid"].value) and int(s_in["tready"].value) \
                    and int(s_in["tlast"].value):
                self.t_in = self.tb.cycle
            if self.t_in is not None and self.t_out is None and int(s_out["tvalid"].value):
                self.t_out = self.tb.cycle
            await RisingEdge(self.tb.clk)

    def reset(self) -> None:
        self.t_in = self.t_out = None


@cocotb.test()
async def cycle_figures(dut):
    """Cycles of rounds on alarm and hailfinder: the difference of two runs of 2 and 4
    rounds (the first two rounds are the same samples) equals the difference of the
    cycle model of the two runs (board.frames.bn_run_cycles on the reference's window
    draws) exactly; the figures per sample go to BN_CYCLES_OUT."""
    tb = BNTB(dut, seed=15, idle=0.0, backpressure=0.0)
    await tb.learn_build()
    timer = _Timer(tb)
    window = 16
    rows = []
    for name in ("alarm", "hailfinder"):
        model = example(name)
        cycles = {}
        for rounds in (2, 4):
            samples = rounds * tb.lanes * BATCH
            words = [int(w) for w in model.run_frame(samples, window, 21, 65535)]
            timer.reset()
            out = await tb.run(words)
            assert out == tb.expected(words), f"{name}: counts differ from the reference"
            cycles[samples] = timer.t_out - timer.t_in
        (s1, c1), (s2, c2) = sorted(cycles.items())
        draws = bn_ref.window_draws(model, s2, window, 21, 65535)
        estimate = (bn_run_cycles(draws, tb.lanes, model.n_vars)
                    - bn_run_cycles(draws[:s1], tb.lanes, model.n_vars))
        per_sample = (c2 - c1) / (s2 - s1)
        rows.append({"model": name, "P": tb.lanes, "T": window, "cycles_per_sample": per_sample,
                     "estimate": estimate / (s2 - s1), "run_cycles": {str(k): v for k, v in cycles.items()}})
        # The model describes the twin's schedule; Vitis RTL is only measured.
        assert tb.hls or c2 - c1 == estimate, f"{name}: rounds 3 and 4 took {c2 - c1} cycles, model {estimate}"
    out_path = os.environ.get("BN_CYCLES_OUT")
    if out_path:
        Path(out_path).write_text(json.dumps(rows, indent=1))
