"""cocotb testbench of bm_sampler's sparse build (ENGINE = 2): RUN_SPARSE frames (and
RUN, INFO, malformed frames) against neuropynq.reference.bm_sampler.run_frame at the
build's limits, word for word. The reference answers a RUN_SPARSE frame exactly as the
RUN frame of the same machine (spec §4.3.1; tests/test_bm_sparse.py), so these runs
are also the dense engines' answers."""
from __future__ import annotations

import dataclasses
import os

import cocotb
import numpy as np
from cocotb.triggers import Timer

from neuropynq.board.frames import bm_sparse_schedule, bm_sparse_sweep_cycles
from neuropynq.framing import SPEC_VERSION, Status
from neuropynq.kernels.bm_model import BMKernelModel, info_frame
from neuropynq.limits import BMLimits
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference.bm_sampler import run_frame as reference_frame
from tests.rtl.common import bm_checks
from tests.rtl.common.tb import TB

U = int(os.environ["NPQ_U"])
SPARSE_N_MAX = int(os.environ["NPQ_SPARSE_N_MAX"])
D_MAX = int(os.environ["NPQ_D_MAX"])
# the sparse build: no dense engine (N_MAX = 0), INFO's P is the number of units
LIMITS = BMLimits(n_max=0, sparse_n_max=SPARSE_N_MAX, d_max=D_MAX)


def expected(words, last=None) -> list[int]:
    return [int(w) for w in reference_frame(words, last, lanes=U, limits=LIMITS)]


def bounded_machine(n, seed, degree, clamp=None, weight_scale=0.5) -> BMKernelModel:
    """A random machine of degree <= `degree`, greedy colouring as the host sends it."""
    bm = BoltzmannMachine.bounded_degree(n, degree, seed, weight_scale=weight_scale)
    return BMKernelModel.build(bm, clamp, limits=LIMITS)


def dense_machine(n, seed, clamp=None, weight_scale=1.0) -> BMKernelModel:
    bm = BoltzmannMachine.random(n, seed=seed, weight_scale=weight_scale, bias_scale=0.5)
    return BMKernelModel.build(bm, clamp, limits=LIMITS)


def sparse_frame(model, d=None, sweeps=4, burn_in=1, thin=1, tau=1, run_seed=7, record=True,
                 init=None) -> np.ndarray:
    return model.run_sparse_frame(sweeps, burn_in, thin, tau, run_seed, record, init, slots=d)


async def run_and_check(tb: TB, words, last_index=None, label="") -> list[int]:
    return await bm_checks.run_and_check(tb, words, expected, last_index, label)


# (n, machine seed, degree, clamp, run parameters)
MACHINES = [
    (5, 1, 2, None, dict(sweeps=6, burn_in=2, thin=1, tau=1, run_seed=1)),
    (13, 2, 4, {0: 1, 7: 0}, dict(sweeps=4, burn_in=0, thin=2, tau=3, run_seed=2)),
    (40, 3, 8, {3: 1}, dict(sweeps=3, burn_in=1, thin=1, tau=20, run_seed=3)),
    (33, 4, 6, None, dict(sweeps=3, burn_in=0, thin=1, tau=1, run_seed=2**64 - 1, record=False)),
    (64, 5, 8, None, dict(sweeps=2, burn_in=0, thin=1, tau=2, run_seed=5, weight_scale=3.0)),
    (1, 6, 1, None, dict(sweeps=5, burn_in=1, thin=1, tau=1, run_seed=9)),
    (2, 8, 1, None, dict(sweeps=5, burn_in=0, thin=3, tau=2, run_seed=10)),
]


@cocotb.test()
async def counts_match_reference(dut):
    """Sparse machines of several sizes, seeds, τ, clamps, thinning and RECORD, back to
    back without reset; a frame with more list slots than neighbours (padding)."""
    tb = TB(dut, seed=U)
    await tb.reset()
    for n, seed, degree, clamp, run in MACHINES:
        run = dict(run)
        model = bounded_machine(n, seed, degree, clamp, run.pop("weight_scale", 1.0))
        await run_and_check(tb, sparse_frame(model, **run), label=f"N={n} seed={seed}")
    await run_and_check(tb, sparse_frame(bounded_machine(20, 7, 3), d=D_MAX, sweeps=3),
                        label="padded to D_MAX")


# (n, machine seed, order, colour_end, clamp, τ): colours of mutually connected neurons
# (dense machines, at most D_MAX - 1 neighbours: n <= D_MAX), so the simultaneous rule
# of spec §3.1 decides every update (deferred colours).
SCHEDULES = [
    (2, 6, [1, 0], [2], None, 1),
    (3, 10, [2, 0, 1], [1, 3], None, 1),
    (7, 8, [6, 2, 4, 0, 5, 1, 3], [2, 3, 5, 7], {4: 1}, 2),
    (8, 9, [7, 3, 5, 0, 1, 2, 4, 6], [6, 8], {5: 0}, 3),
]


@cocotb.test()
async def schedules_match_reference(dut):
    """Host-given schedules with connected neurons in one colour, clamped neurons."""
    tb = TB(dut, seed=U + 1)
    await tb.reset()
    for n, seed, order, colour_end, clamp, tau in SCHEDULES:
        model = dataclasses.replace(dense_machine(n, seed, clamp, 2.0),
                                    order=np.asarray(order, dtype=np.int64),
                                    colour_end=np.asarray(colour_end, dtype=np.int64))
        words = sparse_frame(model, sweeps=12, burn_in=1, tau=tau, run_seed=seed)
        await run_and_check(tb, words, label=f"N={n} schedule {colour_end}")


@cocotb.test()
async def initial_state_matches_reference(dut):
    """Runs from an initial state, each continued from the final state the twin
    returned; clamped neurons' bytes (even above τ) and bytes past N ignored."""
    tb = TB(dut, seed=U + 2)
    await tb.reset()
    rng = np.random.default_rng(U)
    for n, seed, degree, clamp, run in MACHINES[:3] + MACHINES[4:5]:
        run = dict(run)
        model = bounded_machine(n, seed, degree, clamp, run.pop("weight_scale", 1.0))
        init = rng.integers(0, run["tau"] + 1, n)
        for step in range(2):
            words = sparse_frame(model, **{**run, "run_seed": run["run_seed"] + step,
                                           "record": True, "init": init})
            got = await run_and_check(tb, words, label=f"N={n} seed={seed} run {step}")
            init = model.unpack(np.array(got[3:], dtype=np.uint32), run["sweeps"], True).final_state
    model = bounded_machine(13, 2, 4, {0: 1, 7: 0, 12: 1})
    words = sparse_frame(model, sweeps=5, burn_in=0, tau=3, run_seed=4, init=np.full(13, 2))
    raw = words[-4:].view(np.uint8)
    raw[[0, 7, 12]] = 0xEE
    raw[13:] = 0xFF
    await run_and_check(tb, words, label="ignored bytes")


def _bad_frames():
    """(label, words, TLAST index or None, status) of malformed frames (spec §4.5)."""
    model = bounded_machine(6, 9, 3)
    good, dense = sparse_frame(model, sweeps=2), model.run_frame(2, 1, 1, 1, 7, True)
    n, c, d = 6, int(good[4]), int(good[5])
    order_pos, cend_pos = 6, 6 + n
    bias_pos = cend_pos + c
    list_pos = bias_pos + n
    params = len(good) - 7

    def edit(pos, value):
        w = good.copy()
        w[pos] = value
        return w

    init = sparse_frame(model, sweeps=2, init=np.zeros(6, int))[:-2]      # flags with INIT
    return [
        ("bad magic", edit(0, 0x12345678), None, Status.BAD_MAGIC),
        ("bad version", edit(1, SPEC_VERSION - 1), None, Status.BAD_VERSION),
        ("bad opcode", edit(2, 4), None, Status.BAD_OPCODE),
        ("RUN frame: no dense engine", dense, None, Status.LIMIT),
        ("N = 0", edit(3, 0), None, Status.LIMIT),
        ("N > SPARSE_N_MAX", edit(3, SPARSE_N_MAX + 1), None, Status.LIMIT),
        ("C = 0", edit(4, 0), None, Status.LIMIT),
        ("C > N", edit(4, 7), None, Status.LIMIT),
        ("D = 0", edit(5, 0), None, Status.LIMIT),
        ("D > D_MAX", edit(5, D_MAX + 1), None, Status.LIMIT),
        ("order repeats", edit(order_pos + 1, int(good[order_pos])), None, Status.BAD_MODEL),
        # the repeat is judged words after it (bm_frame_check): frames that end first
        ("order repeats at its last word", edit(order_pos + n - 1, int(good[order_pos])),
         None, Status.BAD_MODEL),
        ("order repeats, TLAST on the repeat",
         edit(order_pos + 1, int(good[order_pos]))[:order_pos + 2], None, Status.BAD_MODEL),
        ("order repeats, TLAST a word later",
         edit(order_pos + 1, int(good[order_pos]))[:order_pos + 3], None, Status.BAD_MODEL),
        ("order repeats, TLAST on the first colour end",
         edit(order_pos + n - 2, int(good[order_pos]))[:cend_pos + 1], None, Status.BAD_MODEL),
        ("order cut short", good[:order_pos + 2], None, Status.SHORT_FRAME),
        ("order >= N", edit(order_pos, 6), None, Status.BAD_MODEL),
        ("colour_end not increasing", edit(cend_pos, 0), None, Status.BAD_MODEL),
        ("colour_end not ending at N", edit(cend_pos + c - 1, 5), None, Status.BAD_MODEL),
        ("list index >= N", edit(list_pos + n * d - 1, (3 << 16) | 6), None, Status.BAD_MODEL),
        ("sweeps = 0", edit(params, 0), None, Status.BAD_PARAMS),
        ("thin = 0", edit(params + 2, 0), None, Status.BAD_PARAMS),
        ("sweeps*thin = 2^32", np.concatenate([good[:params], [2**16, 5, 2**16],
                                                good[params + 3:]]), None, Status.BAD_PARAMS),
        ("tau = 0", edit(params + 3, 0), None, Status.BAD_PARAMS),
        ("tau > 255", edit(params + 3, 256), None, Status.BAD_PARAMS),
        ("record too long", np.concatenate([good[:params], [2**31, 0, 1],
                                             good[params + 3:]]), None, Status.BAD_PARAMS),
        ("short frame", good[:list_pos + 2], None, Status.SHORT_FRAME),
        ("long frame", np.concatenate([good, [1, 2, 3]]), None, Status.LONG_FRAME),
        ("long INFO frame", np.concatenate([info_frame(), [0]]), None, Status.LONG_FRAME),
        ("INFO with TLAST early", info_frame()[:2], None, Status.SHORT_FRAME),
        ("bad magic with TLAST", edit(0, 0x12345678)[:1], None, Status.BAD_MAGIC),
        ("magic with TLAST", good[:1], None, Status.SHORT_FRAME),
        ("initial ζ above τ", np.append(init, [0x0200]), None, Status.BAD_PARAMS),
        ("initial state missing", init, None, Status.SHORT_FRAME),
        ("initial state long", np.append(init, [0, 0, 0]), None, Status.LONG_FRAME),
    ]


@cocotb.test()
async def malformed_frames_report_status(dut):
    """Every malformed frame answers with the reference's error frame (whose status is
    the one named here) and STATUS, the input is drained to TLAST, and a good frame
    runs right after."""
    tb = TB(dut, seed=3)
    await tb.reset()
    for label, words, last_index, status in _bad_frames():
        got = await run_and_check(tb, np.asarray(words, dtype=np.uint32), last_index, label=label)
        assert got[1:] == [int(status), 0], f"{label}: {got}"
        assert await tb.read_status() == (int(status), 1), label
    await run_and_check(tb, sparse_frame(bounded_machine(5, 1, 2), sweeps=2), label="good after errors")


@cocotb.test()
async def info_frame_reports_build(dut):
    """INFO: version, P = U, N_MAX = 0 (no dense engine), TAU_MAX, SPARSE_N_MAX, D_MAX."""
    tb = TB(dut)
    await tb.reset()
    got = await run_and_check(tb, info_frame(), label="INFO")
    assert got[1:] == [Status.OK, 6, SPEC_VERSION, U, 0, 255, SPARSE_N_MAX, D_MAX]


@cocotb.test()
async def control_registers(dut):
    """ap_idle/ap_done (done clear on read), STATUS valid clear on read, the interrupt."""
    words = sparse_frame(bounded_machine(5, 1, 2), sweeps=2)
    await bm_checks.control_registers(TB(dut, seed=5), words, expected)


@cocotb.test()
async def reset_during_run(dut):
    """A reset in the middle of a run leaves the kernel idle; the next run is exact."""
    words = sparse_frame(bounded_machine(40, 3, 8), sweeps=200)
    after = sparse_frame(bounded_machine(13, 2, 4, {0: 1}), sweeps=3)
    await bm_checks.reset_during_run(TB(dut, seed=7), words, 1500, after, expected)


@cocotb.test()
async def sweep_cycles(dut):
    """Cycles per sweep in steady state (no back-pressure) of the machines named by
    NPQ_CYCLE_MACHINES ('n:degree' items); 'n degree colours cycles modelled' lines to
    NPQ_CYCLES_FILE (modelled: neuropynq.board.frames.bm_sparse_sweep_cycles)."""
    tb = TB(dut, seed=11, idle=0.0, backpressure=0.0)
    await tb.reset()
    lines = []
    for item in os.environ.get("NPQ_CYCLE_MACHINES", "").split():
        n, degree = (int(x) for x in item.split(":"))
        model = bounded_machine(n, 1, degree)
        words = sparse_frame(model, sweeps=1, burn_in=4, record=False)
        ends = await bm_checks.sweep_ends(tb, words, expected, label=f"cycles N={n}")
        assert len(ends) == 5
        schedule = bm_sparse_schedule(np.asarray(words, dtype=np.uint32), U)
        lines.append(f"{n} {degree} {model.colours} {(ends[4] - ends[1]) / 3:.1f} "
                     f"{bm_sparse_sweep_cycles(schedule[0], U, *schedule[1:])}")
    with open(os.environ["NPQ_CYCLES_FILE"], "w") as f:
        f.write("\n".join(lines) + "\n")
    await Timer(1, unit="ns")
