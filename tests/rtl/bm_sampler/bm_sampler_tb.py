"""cocotb testbench of bm_sampler (twin or Vitis RTL): output frames against
neuropynq.reference.bm_sampler.run_frame, word for word."""
from __future__ import annotations

import dataclasses
import os

import cocotb
import numpy as np
from cocotb.triggers import Timer

from neuropynq.framing import MAGIC_BM, SPEC_VERSION, Status
from neuropynq.kernels.bm_model import BMKernelModel, info_frame
from neuropynq.limits import BMLimits
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference.bm_sampler import run_frame as reference_frame
from tests.rtl.common import bm_checks
from tests.rtl.common.tb import TB

P = int(os.environ["NPQ_P"])
N_MAX = int(os.environ["NPQ_N_MAX"])
# RUN_SPARSE limits of the build (spec §4.3.1); 0: no sparse engine, every such frame LIMIT
SPARSE_N_MAX = int(os.environ.get("NPQ_SPARSE_N_MAX", "0"))
D_MAX = int(os.environ.get("NPQ_D_MAX", "0"))
LIMITS = BMLimits(n_max=N_MAX, sparse_n_max=SPARSE_N_MAX, d_max=D_MAX)


def expected(words, last=None) -> list[int]:
    return [int(w) for w in reference_frame(words, last, lanes=P, limits=LIMITS)]


def machine_model(n, seed, density, clamp=None, weight_scale=1.0) -> BMKernelModel:
    bm = BoltzmannMachine.random(n, seed=seed, density=density, weight_scale=weight_scale,
                                 bias_scale=0.5)
    return BMKernelModel.build(bm, clamp, limits=LIMITS)


def machine_frame(n, seed, density, clamp=None, sweeps=4, burn_in=1, thin=1, tau=1,
                  run_seed=7, record=True, weight_scale=1.0, init=None) -> np.ndarray:
    model = machine_model(n, seed, density, clamp, weight_scale)
    return model.run_frame(sweeps, burn_in, thin, tau, run_seed, record, init)


def scheduled_frame(n, seed, order, colour_end, clamp, sweeps, burn_in, tau, run_seed,
                    weight_scale=2.0) -> np.ndarray:
    """A dense machine with the schedule given instead of the greedy colouring: colours
    of several mutually connected neurons, so the simultaneous rule of spec §3.1
    decides every update."""
    bm = BoltzmannMachine.random(n, seed=seed, weight_scale=weight_scale, bias_scale=0.5)
    model = dataclasses.replace(BMKernelModel.build(bm, clamp, limits=LIMITS),
                                order=np.asarray(order, dtype=np.int64),
                                colour_end=np.asarray(colour_end, dtype=np.int64))
    return model.run_frame(sweeps, burn_in, 1, tau, run_seed, True)


# (n, machine seed, density, clamp, run parameters)
MACHINES = [
    (5, 1, 1.0, None, dict(sweeps=6, burn_in=2, thin=1, tau=1, run_seed=1)),
    (13, 2, 1.0, {0: 1, 7: 0}, dict(sweeps=4, burn_in=0, thin=2, tau=3, run_seed=2)),
    (40, 3, 0.15, {3: 1}, dict(sweeps=3, burn_in=1, thin=1, tau=20, run_seed=3)),
    (33, 4, 0.5, None, dict(sweeps=3, burn_in=0, thin=1, tau=1, run_seed=2**64 - 1, record=False)),
    (64, 5, 1.0, None, dict(sweeps=2, burn_in=0, thin=1, tau=2, run_seed=5, weight_scale=3.0)),
    (20, 6, 0.5, None, dict(sweeps=4, burn_in=2, thin=3, tau=2, run_seed=6)),   # burn-in and thinning
]

# (n, machine seed, order, colour_end, clamp, τ). Beats B = ceil(n/P) below 4 (n = 2, 3
# at P = 1; n = 2, 3, 4 (B = 1), 7 (B = 2) and 10 (B = 3) at P = 4) are where a colour
# starts with neurons of the previous one still in flight (docs/rtl.md: bubbles);
# colour [4] of the n = 7 schedule is all clamped.
SCHEDULES = [
    (2, 6, [1, 0], [1, 2], None, 1),
    (3, 10, [2, 0, 1], [1, 2, 3], None, 1),
    (4, 7, [2, 0, 3, 1], [1, 3, 4], None, 1),
    (7, 8, [6, 2, 4, 0, 5, 1, 3], [2, 3, 5, 7], {4: 1}, 2),
    (20, 9, [7, 3, 15, 0, 11, 19, 2, 5, 8, 13, 1, 17, 4, 9, 6, 12, 10, 14, 16, 18],
     [1, 2, 5, 6, 10, 11, 12, 17, 20], {5: 0, 9: 1}, 3),
    (10, 11, [4, 9, 0, 7, 2, 5, 8, 1, 6, 3], [1, 2, 4, 5, 7, 8, 10], {3: 1}, 2),
]


async def run_and_check(tb: TB, words, last_index=None, label="") -> list[int]:
    return await bm_checks.run_and_check(tb, words, expected, last_index, label)


@cocotb.test()
async def counts_match_reference(dut):
    """Several machines, seeds, τ and clamps, back to back without reset."""
    tb = TB(dut, seed=P)
    await tb.reset()
    for n, seed, density, clamp, run in MACHINES:
        if n > N_MAX:
            continue
        scale = run.pop("weight_scale", 1.0)
        words = machine_frame(n, seed, density, clamp, weight_scale=scale, **run)
        await run_and_check(tb, words, label=f"N={n} seed={seed}")


@cocotb.test()
async def schedules_match_reference(dut):
    """Host-given schedules with several dense neurons per colour, clamped neurons
    and small B, recorded every sweep."""
    tb = TB(dut, seed=P + 1)
    await tb.reset()
    for n, seed, order, colour_end, clamp, tau in SCHEDULES:
        words = scheduled_frame(n, seed, order, colour_end, clamp, sweeps=12, burn_in=1,
                                tau=tau, run_seed=seed)
        await run_and_check(tb, words, label=f"N={n} schedule {colour_end}")


@cocotb.test()
async def saturated_fields_match_reference(dut):
    """Fields far outside the threshold's range (biases +30 and -30, weights small) for
    1000 sweeps: a neuron of bias +30 fails to fire only when the draw is above the
    sigmoid table's top (m = 1024), one of bias -30 fires only when it is below the
    bottom (m = 0), each about once in 3,000 draws. The reference has both kinds in
    this run (asserted), and the twin must match it word for word."""
    tb = TB(dut, seed=P + 3)
    await tb.reset()
    n = min(N_MAX, 64)
    bias = np.where(np.arange(n) % 2 == 0, 30.0, -30.0)
    bm = BoltzmannMachine(BoltzmannMachine.random(n, seed=12, weight_scale=0.05).W, bias)
    model = BMKernelModel.build(bm, limits=LIMITS)
    sweeps = 1000
    got = await run_and_check(tb, model.run_frame(sweeps, 0, 1, 1, 9, False),
                              label="saturated fields")
    spikes = model.unpack(np.array(got[3:], dtype=np.uint32), sweeps, False).spike_counts
    assert spikes[bias > 0].sum() < sweeps * (bias > 0).sum(), "no draw above the table"
    assert spikes[bias < 0].sum() > 0, "no draw below the table"


@cocotb.test()
async def info_frame_reports_build(dut):
    tb = TB(dut)
    await tb.reset()
    got = await run_and_check(tb, info_frame(), label="INFO")
    assert got[3:] == [SPEC_VERSION, P, N_MAX, 255, SPARSE_N_MAX, D_MAX]


def _bad_frames():
    """(label, words, TLAST index or None) of malformed frames (spec §4.5); TLAST is
    on the final word, so a frame cut short ends with its TLAST."""
    good = machine_frame(6, 9, 1.0, sweeps=2)
    n_pos, c_pos = 3, 4
    bias, w_words = 6, 18
    order_pos = 5 + bias + w_words
    cend_pos = order_pos + 6
    params = len(good) - 7

    def edit(pos, value):
        w = good.copy()
        w[pos] = value
        return w

    c = int(good[c_pos])
    init = machine_frame(6, 9, 1.0, sweeps=2, init=np.zeros(6, int))[:-2]   # flags with INIT
    sparse = machine_model(6, 9, 0.5).run_sparse_frame(2, 0, 1, 1, 3, True)
    return [
        ("bad magic", edit(0, 0x12345678), None),
        ("bad version", edit(1, SPEC_VERSION - 1), None),
        ("bad opcode", edit(2, 4), None),
        # LIMIT at N without a sparse engine (the reference answers for the build's limits)
        ("RUN_SPARSE", sparse, None),
        ("RUN_SPARSE N > SPARSE_N_MAX", np.concatenate([sparse[:3], [SPARSE_N_MAX + 1], sparse[4:]]), None),
        ("RUN_SPARSE cut at N", sparse[:4], None),
        ("N = 0", edit(n_pos, 0), None),
        ("N > N_MAX", edit(n_pos, N_MAX + 1), None),
        ("C = 0", edit(c_pos, 0), None),
        ("C > N", edit(c_pos, 7), None),
        ("order repeats", edit(order_pos + 1, int(good[order_pos])), None),
        # the repeat is judged words after it (bm_frame_check): frames that end first
        ("order repeats at its last word", edit(order_pos + 5, int(good[order_pos])), None),
        ("order repeats, TLAST on the repeat",
         edit(order_pos + 1, int(good[order_pos]))[:order_pos + 2], None),
        ("order repeats, TLAST a word later",
         edit(order_pos + 1, int(good[order_pos]))[:order_pos + 3], None),
        ("order repeats, TLAST on the first colour end",
         edit(order_pos + 4, int(good[order_pos]))[:cend_pos + 1], None),
        ("order cut short", good[:order_pos + 2], None),
        ("order >= N", edit(order_pos, 6), None),
        ("colour_end not increasing", edit(cend_pos, 0), None),
        ("colour_end not ending at N", edit(cend_pos + c - 1, 5), None),
        ("sweeps = 0", edit(params, 0), None),
        ("thin = 0", edit(params + 2, 0), None),
        ("sweeps*thin = 2^32", np.concatenate([good[:params], [2**16, 5, 2**16],
                                                good[params + 3:]]), None),
        ("tau = 0", edit(params + 3, 0), None),
        ("tau > 255", edit(params + 3, 256), None),
        ("record too long", np.concatenate([good[:params], [2**31, 0, 1],
                                             good[params + 3:]]), None),
        ("short frame", good[:40], None),
        ("TLAST inside the weights", good[:13], None),
        ("long frame", np.concatenate([good, [1, 2, 3]]), None),
        ("long INFO frame", np.concatenate([info_frame(), [0]]), None),
        ("INFO with TLAST early", info_frame()[:2], None),
        ("bad magic with TLAST", good[:1], None),
        ("initial ζ above τ", np.append(init, [0x0200]), None),     # τ = 1, neuron 1 at 2
        ("initial state missing", init, None),
        ("initial state long", np.append(init, [0, 0, 0]), None),
    ]


@cocotb.test()
async def malformed_frames_report_status(dut):
    """Every malformed frame answers with the reference's error frame and STATUS,
    the input is drained to TLAST, and a good frame runs right after."""
    tb = TB(dut, seed=3)
    await tb.reset()
    seen = set()
    for label, words, last_index in _bad_frames():
        got = await run_and_check(tb, words, last_index, label=label)
        assert got[1] != Status.OK and got[2] == 0, label
        status, valid = await tb.read_status()
        assert (status, valid) == (got[1], 1), label
        seen.add(got[1])
    assert seen == set(range(1, 9))
    await run_and_check(tb, machine_frame(5, 1, 1.0, sweeps=2), label="good after errors")


@cocotb.test()
async def control_registers(dut):
    """ap_idle/ap_done semantics (done clear on read), STATUS valid clear on read,
    the interrupt through GIE/IER/ISR, auto_restart off."""
    await bm_checks.control_registers(TB(dut, seed=5), machine_frame(5, 1, 1.0, sweeps=2),
                                      expected)


@cocotb.test()
async def reset_during_run(dut):
    """A reset in the middle of a run leaves the kernel idle; the next run is exact."""
    await bm_checks.reset_during_run(TB(dut, seed=7), machine_frame(40, 3, 0.3, sweeps=50),
                                     2500, machine_frame(13, 2, 1.0, {0: 1}, sweeps=3), expected)


@cocotb.test()
async def sweep_cycles(dut):
    """Cycles per sweep (steady state, no back-pressure) for the env's N list; written
    to NPQ_CYCLES_FILE as 'P N density colours cycles' lines."""
    tb = TB(dut, seed=11, idle=0.0, backpressure=0.0)
    await tb.reset()
    lines = []
    for n in [int(x) for x in os.environ.get("NPQ_CYCLE_NS", "").split()]:
        for density in (1.0, 0.05):
            # burn-in sweeps record nothing: their spacing is the pure sweep cost
            model = machine_model(n, 1, density)
            words = model.run_frame(1, 4, 1, 1, 7, False)
            ends = await bm_checks.sweep_ends(tb, words, expected, label=f"cycles N={n}")
            assert len(ends) == 5
            per_sweep = (ends[3] - ends[0]) / 3
            lines.append(f"{P} {n} {density} {model.colours} {per_sweep:.1f}")
    with open(os.environ["NPQ_CYCLES_FILE"], "w") as f:
        f.write("\n".join(lines) + "\n")
    await Timer(1, unit="ns")


@cocotb.test()
async def initial_state_matches_reference(dut):
    """Runs from an initial state (spec v2), each continued from the final state the
    twin returned; clamped neurons' bytes (even above τ) and bytes past N ignored."""
    tb = TB(dut, seed=P + 2)
    await tb.reset()
    rng = np.random.default_rng(P)
    for n, seed, density, clamp, run in MACHINES[:3] + MACHINES[4:]:
        run = dict(run)
        scale = run.pop("weight_scale", 1.0)
        run_seed = run.pop("run_seed")
        model = machine_model(n, seed, density, clamp, scale)
        init = rng.integers(0, run["tau"] + 1, n)
        for step in range(2):
            words = model.run_frame(run["sweeps"], run["burn_in"], run["thin"], run["tau"],
                                    run_seed + step, True, init)
            got = await run_and_check(tb, words, label=f"N={n} seed={seed} run {step}")
            init = model.unpack(np.array(got[3:], dtype=np.uint32), run["sweeps"], True).final_state
    model = machine_model(13, 2, 1.0, {0: 1, 7: 0, 12: 1})
    words = model.run_frame(5, 0, 1, 3, 4, True, np.full(13, 2))
    raw = words[-4:].view(np.uint8)
    raw[[0, 7, 12]] = 0xEE
    raw[13:] = 0xFF
    await run_and_check(tb, words, label="ignored bytes")
