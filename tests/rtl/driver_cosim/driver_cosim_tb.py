"""cocotb testbench: the real PYNQ driver (FpgaBackend, FrameRunner, AxiDma,
KernelControl) runs in a bridge thread against one kernel twin behind a modelled
board (sim_board.py); its outputs must equal the reference kernel's, word for word.

The environment names the twin's build: NPQ_KERNEL (bn_sampler, bm_sampler or
bm_sampler_sparse, the sparse bm overlay's bm_sampler), NPQ_P (the sparse overlay's
units U), and the limits the build lowers (NPQ_N_MAX; NPQ_V_MAX, NPQ_TABLE_MAX;
NPQ_SPARSE_N_MAX, NPQ_D_MAX). The overlays' other kernels are Python mock boards
(tests/mocks/pynq_board.py) running the reference, so FpgaBackend can send all of its
INFO frames at construction.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.simtime import get_sim_time
from cocotb.task import bridge

from neuropynq import Sampler
from neuropynq.backends.fpga import FpgaBackend
from neuropynq.board import registers as r
from neuropynq.boards import BM_SPARSE
from neuropynq.board.frames import output_capacity
from neuropynq.errors import BackendUnavailable, KernelError
from neuropynq.framing import MAGIC_BM, MAGIC_BN, MAGIC_OUT, SPEC_VERSION, Op, Status, head, parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.limits import HW_BN_LIMITS, BMLimits
from neuropynq.models.bayesnet import BayesNet
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bm_sampler, bn_sampler
from tests.mocks.pynq_board import MockBoard, MockOverlay
from tests.rtl.driver_cosim.sim_board import DMASR_DECODE_ERROR, DMASR_INTERNAL_ERROR, SimBoard, SimTime

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
KERNEL = os.environ["NPQ_KERNEL"]
P = int(os.environ["NPQ_P"])
# The overlays besides the twin's, as mock boards of the reference.
if KERNEL == "bm_sampler":
    MAGIC, REFERENCE, OTHERS = MAGIC_BM, bm_sampler, {"bn_sampler": bn_sampler.run_frame}
    LIMITS = BMLimits(n_max=int(os.environ["NPQ_N_MAX"]), sparse_n_max=0, d_max=0)   # the dense twin
elif KERNEL == BM_SPARSE:
    MAGIC, REFERENCE = MAGIC_BM, bm_sampler
    OTHERS = {"bn_sampler": bn_sampler.run_frame, "bm_sampler": bm_sampler.run_frame}
    LIMITS = BMLimits(n_max=0, sparse_n_max=int(os.environ["NPQ_SPARSE_N_MAX"]),
                      d_max=int(os.environ["NPQ_D_MAX"]))                                # the sparse engine alone
else:
    MAGIC, REFERENCE, OTHERS = MAGIC_BN, bn_sampler, {"bm_sampler": bm_sampler.run_frame}
    LIMITS = dataclasses.replace(HW_BN_LIMITS, v_max=int(os.environ["NPQ_V_MAX"]),
                                 table_max=int(os.environ["NPQ_TABLE_MAX"]))
if MAGIC == MAGIC_BM:
    INFO_PAYLOAD = [SPEC_VERSION, P, LIMITS.n_max, LIMITS.tau_max, LIMITS.sparse_n_max, LIMITS.d_max]
else:
    INFO_PAYLOAD = [SPEC_VERSION, P, LIMITS.v_max, LIMITS.card_max, LIMITS.parents_max,
                    LIMITS.table_max, LIMITS.t_max]

TIMEOUT = 1e-3                 # the driver's timeout, simulated seconds (100k cycles)
POLL = 20e-6                   # the driver's polling interval (axi_dma, kernel_control)


def reference(frame) -> np.ndarray:
    return REFERENCE.run_frame(frame, lanes=P, limits=LIMITS)


def bm_frames() -> list[np.ndarray]:
    """Recorded and unrecorded runs with clamps and τ > 1, then τ = 0 (BAD_PARAMS)."""
    def frame(n, machine, density, clamp, **run):
        bm = BoltzmannMachine.random(n, seed=machine, density=density, bias_scale=0.5)
        return BMKernelModel.build(bm, clamp, limits=LIMITS).run_frame(**run)
    good = [frame(13, 2, 1.0, {0: 1, 7: 0}, sweeps=4, burn_in=0, thin=2, tau=3, seed=2, record=True),
            frame(40, 3, 0.15, {3: 1}, sweeps=3, burn_in=1, thin=1, tau=20, seed=3, record=True),
            frame(33, 4, 0.5, None, sweeps=3, burn_in=0, thin=1, tau=1, seed=2**64 - 1, record=False)]
    bad = good[0].copy()
    bad[-4] = 0                # run parameters: sweeps, burn_in, thin, τ, seed lo, seed hi, flags
    return good + [bad]


def bm_sparse_frames() -> list[np.ndarray]:
    """RUN_SPARSE frames: a king's graph with clamps, recorded, τ > 1 and an initial
    state; a random graph of degree <= D_MAX with more neurons than the dense overlay
    takes, its lists padded to D_MAX; then τ = 0 (BAD_PARAMS)."""
    king = BMKernelModel.build(BoltzmannMachine.king_graph(5, seed=2), {3: 1, 12: 0})
    wide = BMKernelModel.build(BoltzmannMachine.bounded_degree(300, LIMITS.d_max, seed=4))
    init = np.random.default_rng(1).integers(0, 4, king.n)
    good = [king.run_sparse_frame(sweeps=4, burn_in=1, thin=2, tau=3, seed=2, record=True, init=init),
            wide.run_sparse_frame(sweeps=2, burn_in=1, thin=1, tau=1, seed=2**64 - 1, record=False,
                                  slots=LIMITS.d_max)]
    bad = king.run_sparse_frame(sweeps=4, burn_in=1, thin=2, tau=3, seed=2, record=True)
    bad[-4] = 0                # run parameters: sweeps, burn_in, thin, τ, seed lo, seed hi, flags
    return good + [bad]


def bn_frames() -> list[np.ndarray]:
    """asia with evidence, two runs, then RMAX = 0 (BAD_PARAMS)."""
    asia = BayesNet.from_bif(EXAMPLES / "asia.bif")
    good = [BNKernelModel.build(asia, {"xray": "yes"}).run_frame(300, 16, 11, 40000),
            BNKernelModel.build(asia, {"xray": "yes", "dysp": "yes"}).run_frame(100, 24, 2**64 - 1, 30000)]
    bad = good[0].copy()
    bad[-2] = 0                # run parameters: S, T, seed lo, seed hi, RMAX, reserved
    return good + [bad]


FRAMES = {"bm_sampler": bm_frames, BM_SPARSE: bm_sparse_frames, "bn_sampler": bn_frames}[KERNEL]


async def board_and_overlay(dut) -> tuple[SimBoard, MockOverlay]:
    board = SimBoard(dut)
    await board.reset()
    boards = {KERNEL: board, **{kernel: MockBoard(run) for kernel, run in OTHERS.items()}}
    return board, MockOverlay(boards, SimTime.clock, SimTime.sleep)


async def new_backend(overlay) -> FpgaBackend:
    """FpgaBackend built in a driver thread (its INFO frames go through the board)."""
    return await bridge(FpgaBackend)(overlay=overlay, timeout=TIMEOUT)


def first_difference(got: np.ndarray, want: np.ndarray) -> str:
    n = min(got.size, want.size)
    diff = np.flatnonzero(got[:n] != want[:n])
    at = int(diff[0]) if diff.size else n
    return f"first difference at word {at} (got {got.size} words, expected {want.size})"


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def driver_frames_equal_reference(dut):
    """INFO at construction, RUN frames and a BAD_PARAMS frame: what the driver
    returns, and every frame the DMA moved, equal the reference."""
    board, overlay = await board_and_overlay(dut)
    backend = await new_backend(overlay)
    frames = FRAMES()
    for i, frame in enumerate(frames):
        got = await bridge(backend.execute)(frame)
        want = reference(frame)
        assert np.array_equal(got, want), f"frame {i}: {first_difference(got, want)}"
        status = await bridge(overlay.runner(KERNEL).control.status)()
        assert status == want[1], f"frame {i}: STATUS register {status}, output frame {want[1]}"
    info = np.array(head(MAGIC, Op.INFO), dtype=np.uint32)
    inputs = [info] + frames
    assert len(board.dma.sent) == len(board.dma.received) == len(inputs)
    for i, (sent, received, frame) in enumerate(zip(board.dma.sent, board.dma.received, inputs)):
        assert np.array_equal(sent, frame), f"MM2S frame {i} is not what the host sent"
        assert np.array_equal(received, reference(frame)), f"S2MM frame {i}: " \
            f"{first_difference(received, reference(frame))}"
    assert board.dma.received[0][3:].tolist() == INFO_PAYLOAD
    for out in board.dma.received[1:-1]:          # the RUN frames: OK, with a payload
        assert parse_output(out).size
    assert board.dma.received[-1].tolist() == [MAGIC_OUT, Status.BAD_PARAMS, 0]
    with pytest.raises(KernelError, match="BAD_PARAMS"):
        parse_output(board.dma.received[-1])


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def driver_times_out_when_the_output_is_never_taken(dut):
    """The S2MM LENGTH write of one frame is lost, so the kernel stalls on its output:
    the driver raises KernelError at its deadline in simulated time, resets the DMA,
    drains the kernel's output so that it ends its frame, and the next frame runs."""
    board, overlay = await board_and_overlay(dut)
    backend = await new_backend(overlay)
    frame = FRAMES()[0]
    board.dma.drop_s2mm_lengths = 1
    start = get_sim_time("sec")
    with pytest.raises(KernelError, match="timed out waiting for .* to finish .*the DMA was reset "
                                          "and the kernel is idle again"):
        await bridge(backend.execute)(frame)
    elapsed = get_sim_time("sec") - start
    # the deadline (checked after each poll interval), then a reset and a drain of a few polls
    assert TIMEOUT < elapsed < TIMEOUT + 20 * POLL, f"gave up after {elapsed * 1e6:.1f} us"
    assert board.dma.resets == 2                  # before the drain and after it
    assert np.array_equal(board.dma.received[-1], reference(frame))   # what the drain took
    got = await bridge(backend.execute)(frame)
    assert np.array_equal(got, reference(frame)), first_difference(got, reference(frame))


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def driver_names_an_output_longer_than_its_buffer(dut):
    """A receive armed one word short: the DMA flags DMAIntErr and halts S2MM, the
    runner raises the DMA's error instead of returning a truncated frame, and after
    its recovery the next frame runs."""
    board, overlay = await board_and_overlay(dut)
    backend = await new_backend(overlay)
    frame = FRAMES()[0]
    # DMASR bits 4 and 0: DMAIntErr, and the channel halted
    with pytest.raises(KernelError, match=r"S2MM .*DMA internal error \(DMASR 0x[0-9a-f]{6}[13579bdf][13579bdf]\).*"
                                          r"the kernel is idle again"):
        await bridge(overlay.runner(KERNEL).run)(frame, output_capacity(frame) - 1, TIMEOUT)
    got = await bridge(backend.execute)(frame)
    assert np.array_equal(got, reference(frame)), first_difference(got, reference(frame))


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def driver_names_a_transfer_to_unmapped_memory(dut):
    """Buffers whose physical address (high word included) is not memory: the DMA
    flags DMADecErr and FpgaBackend's construction fails naming it (its recovery,
    whose drain buffers are unmapped too, fails and says so)."""
    board, overlay = await board_and_overlay(dut)
    allocate = board.allocate

    def unmapped(words):
        buf = allocate(words)
        buf.physical_address += 1 << 40
        return buf
    board.allocate = unmapped
    with pytest.raises(BackendUnavailable, match=f"{KERNEL} implements spec version unknown "
                                                 r"\(.*MM2S .*decode error.*recovery failed too \(S2MM .*decode error"):
        await new_backend(overlay)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def driver_runs_chains_on_two_copies_of_the_kernel(dut):
    """An overlay holding two copies of the dense bm kernel (the ZCU104's, boards.txt
    bm_instances): copy 0 is the twin, copy 1 a mock board of the reference taking
    20 µs of simulated time a frame. sample_chains starts a chain on each copy before
    waiting for either (chains 0 and 2 on the twin, 1 on the mock), and every chain is
    the reference's run of its own seed, bit for bit."""
    board = SimBoard(dut)
    await board.reset()
    second = MockBoard(reference, latency=20e-6, clock=SimTime.clock)
    overlay = MockOverlay({KERNEL: [board, second], **{k: MockBoard(run) for k, run in OTHERS.items()}},
                          SimTime.clock, SimTime.sleep)
    backend = await new_backend(overlay)
    bm = BoltzmannMachine.random(12, seed=6, density=0.6, bias_scale=0.5)
    runs = await bridge(Sampler(backend).sample_chains)(bm, chains=3, sweeps=3, burn_in=1, tau=2, seed=40)
    ref = Sampler("ref")
    for c, run in enumerate(runs):
        alone = ref.sample(bm, sweeps=3, burn_in=1, tau=2, seed=40 + c)
        assert np.array_equal(run.states, alone.states), f"chain {c}'s states differ from the reference's"
        assert np.array_equal(run.final_state, alone.final_state), f"chain {c}'s final state differs"
    assert len(board.dma.sent) == 3               # INFO, then chains 0 and 2
    assert sum(1 for block, offset, value in second.log
               if block == "kernel" and offset == r.CTRL and value & r.AP_START) == 1
