"""The PYNQ driver stack (neuropynq.board, backends/fpga.py) against a mock board
whose kernel is the Python reference: the fpga backend must return exactly what the
reference returns, arm the DMA in a deadlock-free order, reuse buffers, keep caches
coherent, turn every stall or fault into a named error within a deadline derived
from the frame, recover so that the next frame runs, load the overlay once per
process (one overlay per kernel, switched on demand), and let `auto` fall back on any failure of the board path."""
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from neuropynq import Sampler, resources
from neuropynq.backends import registry
from neuropynq.backends.fpga import FpgaBackend, board_clock_mhz
from neuropynq.backends.registry import get_backend
from neuropynq.board import registers as r
from neuropynq.board.bitstreams import board_name, board_overlays, find_bitstream, overlay_names
from neuropynq.board.frames import BM_SPARSE_LOOP, FLOOR_S, MARGIN, bm_sparse_schedule, bm_sparse_sweep_cycles, bm_sweep_cycles, \
    frame_cycles, frame_seconds, output_capacity
from neuropynq.board.runner import FrameRunner
from neuropynq.boards import BM_SPARSE, board_build, board_builds
from neuropynq.errors import BackendUnavailable, KernelError, LimitError, ParameterError
from neuropynq.framing import MAGIC_BN, MAGIC_BM, Op, Status, head, output_frame, parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.limits import BMLimits
from neuropynq.models.bayesnet import BayesNet
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bm_sampler, bn_sampler

from mocks.pynq_board import MockBoard, MockMemory, MockOverlay, fake_pynq

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class FakeClock:
    """Time that passes only when the driver sleeps, so timeouts cost no real time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, dt):
        self.now += dt


def make_backend(bn_fault=None, bm_fault=None, clock=None, timeout=None, board="pynq-z2", sparse=False):
    """Mock kernels of the reference at the spec's limits; `sparse`: the board's bm
    overlays instead (its builds' lanes and limits, the sparse one where it has one)."""
    boards = {"bn_sampler": MockBoard(bn_sampler.run_frame, bn_fault),
              "bm_sampler": MockBoard(bm_sampler.run_frame, bm_fault)}
    if sparse:
        boards = {k: MockBoard(run) for k, run in build_kernels(board).items()}
    overlay = MockOverlay(boards, clock, clock.sleep if clock else None, board=board)
    return FpgaBackend(overlay=overlay, timeout=timeout), boards


@pytest.fixture(scope="module")
def asia_frame():
    bn = BayesNet.from_bif(EXAMPLES / "asia.bif")
    model = BNKernelModel.build(bn, {"xray": "yes"})
    return model.run_frame(samples=300, window=16, seed=11, rmax=40000)


@pytest.fixture(scope="module")
def bm_frame():
    model = BMKernelModel.build(BoltzmannMachine.random(6, seed=2))
    return model.run_frame(sweeps=50, burn_in=5, thin=1, tau=3, seed=4, record=True)


def test_bn_frames_give_exactly_the_reference_output(asia_frame):
    backend, _ = make_backend()
    assert np.array_equal(backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))


def test_bm_frames_with_recorded_states_give_exactly_the_reference_output(bm_frame):
    backend, _ = make_backend()
    out = backend.execute(bm_frame)
    assert out.size == output_capacity(bm_frame)
    assert np.array_equal(out, bm_sampler.run_frame(bm_frame))


def test_bm_frames_with_an_initial_state_give_exactly_the_reference_output():
    model = BMKernelModel.build(BoltzmannMachine.random(6, seed=2), clamp={1: 0})
    frame = model.run_frame(sweeps=7, burn_in=2, thin=2, tau=3, seed=4, record=True, init=[3, 0, 1, 2, 0, 1])
    plain = model.run_frame(sweeps=7, burn_in=2, thin=2, tau=3, seed=4, record=True)
    backend, _ = make_backend()
    out = backend.execute(frame)
    assert out.size == output_capacity(frame) == output_capacity(plain)
    assert np.array_equal(out, bm_sampler.run_frame(frame))
    for engine in ("lanes", "fields"):
        assert frame_cycles(frame, 4, bm_engine=engine) - frame.size == \
            frame_cycles(plain, 4, bm_engine=engine) - plain.size


def test_bm_sparse_frames_get_room_for_their_payload_and_a_deadline_of_every_slot():
    """A RUN_SPARSE frame (spec §4.3.1) on a kernel with a sparse engine (the mock runs
    the reference, spec limits): the payload of the equivalent RUN frame; the deadline's
    cycles follow the sparse engine's schedule (`lanes` its units): each extra sweep
    costs one sweep of `bm_sparse_sweep_cycles` (tests/rtl/bm_sparse checks the whole
    count against the twin)."""
    model = BMKernelModel.build(BoltzmannMachine.king_graph(5, seed=2), clamp={3: 1})
    frame = model.run_sparse_frame(sweeps=9, burn_in=2, thin=2, tau=3, seed=4, record=True, init=np.ones(25, int))
    backend, _ = make_backend()
    out = backend.execute(frame)
    assert out.size == output_capacity(frame) == output_capacity(model.run_frame(9, 2, 2, 3, 4, True))
    assert np.array_equal(out, bm_sampler.run_frame(frame))
    ends, deferred, hazard = bm_sparse_schedule(frame, 4)
    sweep = bm_sparse_sweep_cycles(ends, 4, deferred, hazard)
    rows = [(e - 1) // 4 - s // 4 + 1 for s, e in zip([0, *ends[:-1]], ends)]
    bubbles = [max(h, BM_SPARSE_LOOP - 1 - rows[c - 1], int(rows[c] == 1)) for c, h in enumerate(hazard)]
    assert sweep == sum(rows) + sum(bubbles)
    longer = model.run_sparse_frame(sweeps=9, burn_in=7, thin=2, tau=3, seed=4, record=True, init=np.ones(25, int))
    assert frame_cycles(longer, 4) - frame_cycles(frame, 4) == 5 * sweep
    assert output_capacity(frame[:8]) == 3    # cut before its run parameters: an error frame


def test_receive_is_armed_before_the_kernel_starts_and_the_send_after(asia_frame):
    backend, boards = make_backend()
    board = boards["bn_sampler"]
    backend.bn_lanes()               # the INFO frame the deadline needs, asked once
    board.log.clear()
    backend.execute(asia_frame)
    events = [(b, off) for b, off, _ in board.log if off in (r.CTRL, r.S2MM + r.LENGTH, r.MM2S + r.LENGTH)]
    assert events == [("dma", r.S2MM + r.LENGTH), ("kernel", r.CTRL), ("dma", r.MM2S + r.LENGTH)]


def test_buffers_are_reused_and_grown_only_when_needed(asia_frame):
    backend, boards = make_backend()
    board = boards["bn_sampler"]
    before = board.allocations                    # INFO at construction allocated both buffers
    backend.execute(asia_frame)
    backend.execute(asia_frame)
    assert board.allocations == before
    big = np.concatenate([asia_frame[:-1], np.zeros(5000, np.uint32), asia_frame[-1:]])
    assert np.array_equal(backend.execute(big), bn_sampler.run_frame(big))
    assert board.allocations == before + 1        # only the input buffer had to grow


def test_a_frame_for_no_kernel_gets_the_bad_magic_answer_like_ref():
    backend, _ = make_backend()
    frame = np.array([0x12345678, 1, Op.INFO], dtype=np.uint32)
    assert backend.execute(frame).tolist() == get_backend("ref").execute(frame).tolist()


def test_kernel_error_status_comes_back_as_a_named_error():
    backend, _ = make_backend()
    bad_version = np.array([MAGIC_BN, 7, Op.RUN], dtype=np.uint32)
    with pytest.raises(KernelError, match="BAD_VERSION"):
        parse_output(backend.execute(bad_version))


def test_a_kernel_that_never_finishes_times_out_and_says_what_to_do(asia_frame):
    clock = FakeClock()
    backend, boards = make_backend(clock=clock, timeout=0.5)
    boards["bn_sampler"].fault = "hang"
    with pytest.raises(KernelError, match=r"timed out .* \(deadline 0.5 s\); bn_sampler is still running "
                                          r"after a DMA reset and a drain .* FpgaBackend\(reload=True\)"):
        backend.execute(asia_frame)
    # the deadline, then the recovery's own bounded attempt
    assert 0.5 + FrameRunner.RECOVER_S < clock.now < 0.6 + FrameRunner.RECOVER_S
    # and it keeps saying so rather than starting a frame on a busy kernel
    with pytest.raises(KernelError, match="still running"):
        backend.execute(asia_frame)


@pytest.mark.parametrize("fault, message", [
    ("stall", "timed out waiting for the MM2S"),
    ("slave_error", "DMA slave error"),
])
def test_after_a_timeout_or_dma_error_the_dma_is_reset_and_the_next_frame_runs(asia_frame, fault, message):
    clock = FakeClock()
    backend, boards = make_backend(clock=clock)
    board = boards["bn_sampler"]
    board.fault = fault
    resets = board.dma_resets
    with pytest.raises(KernelError, match=message + ".*the DMA was reset and the kernel is idle again"):
        backend.execute(asia_frame)
    assert board.dma_resets > resets and board.idle
    assert np.array_equal(backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))
    assert np.array_equal(backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))


def test_a_slave_error_on_one_kernel_leaves_the_other_untouched(asia_frame, bm_frame):
    backend, boards = make_backend(clock=FakeClock())
    boards["bn_sampler"].fault = "slave_error"
    with pytest.raises(KernelError, match="slave error"):
        backend.execute(asia_frame)
    assert boards["bm_sampler"].dma_resets == 0
    assert np.array_equal(backend.execute(bm_frame), bm_sampler.run_frame(bm_frame))


def test_the_deadline_follows_the_frames_cycle_estimate_at_the_boards_clock(asia_frame, bm_frame):
    backend, _ = make_backend(board="pynq-z2")
    lanes_bn, lanes_bm = backend.bn_lanes(), backend.bm_lanes()
    # bn, at most: rounds of 16 samples per lane, each the longer of 16 (V + 1) + 1 issue
    # slots and the previous round's units (16 whole windows of T draws and 6 cycles each,
    # and 19 to hand over), the last round's units and two readout passes, plus the words
    v, samples, window = 8, 300, 16
    words = asia_frame.size + output_capacity(asia_frame)
    rounds = math.ceil(samples / (16 * lanes_bn))
    units = 16 * (window + 6) + 19
    assert frame_cycles(asia_frame, lanes_bn) == \
        words + rounds * max(16 * (v + 1) + 1, units) + units + 2 * 16 * v
    # bm: the twins' schedules (checked cycle for cycle against them in test_bench_hw.py);
    # ten sweeps more cost ten sweeps and ten recorded sweeps (on counts, one state word)
    model = BMKernelModel.build(BoltzmannMachine.random(6, seed=2))
    longer = model.run_frame(sweeps=60, burn_in=5, thin=1, tau=3, seed=4, record=True)
    recorded = math.ceil(6 / lanes_bm) + 1 + 1 + 1
    assert frame_cycles(longer, lanes_bm, bm_engine="lanes") - frame_cycles(bm_frame, lanes_bm, bm_engine="lanes") == \
        10 * (bm_sweep_cycles(6, 6, model.colours, lanes_bm) + recorded)
    # the field engine: each recorded sweep after an empty pipeline (6 ops), its drain
    # (the last op 20 stages deep), the state word, back to the sweeps
    assert frame_cycles(longer, lanes_bm, bm_engine="fields") - frame_cycles(bm_frame, lanes_bm, bm_engine="fields") == \
        10 * (6 + 20 + 1 + 1 + 1)
    # the board's engine; the field engine's deadline takes the HLS kernel's column
    # loop (N cycles a column): the lane schedule at P = 1 where that is the longer
    engine = board_build("pynq-z2").bm_engine
    assert backend.bm_engine == engine
    cycles = frame_cycles(bm_frame, lanes_bm, bm_engine=engine)
    if engine == "fields":
        cycles = max(cycles, frame_cycles(bm_frame, 1, bm_engine="lanes"))
        assert cycles > frame_cycles(bm_frame, lanes_bm, bm_engine="fields")
    assert backend.seconds(bm_frame) == FLOOR_S + MARGIN * cycles / (board_build("pynq-z2").clock_mhz * 1e6)
    assert make_backend(board="no-such-board")[0].bm_engine == "fields"
    with pytest.raises(ValueError, match="bm_engine"):
        frame_cycles(bm_frame, lanes_bm)
    clock = board_build("pynq-z2").clock_mhz
    assert backend.seconds(asia_frame) == FLOOR_S + MARGIN * frame_cycles(asia_frame, lanes_bn) / (clock * 1e6)
    # a faster board waits less for the same cycles, a longer run longer; a frame the
    # kernel answers at once (INFO) gets the floor
    fast, _ = make_backend(board="zcu104")
    assert frame_seconds(asia_frame, 4, board_build("zcu104").clock_mhz) < frame_seconds(asia_frame, 4, clock)
    assert fast.clock_mhz == board_build("zcu104").clock_mhz
    model = BMKernelModel.build(BoltzmannMachine.random(6, seed=2))
    long_run = model.run_frame(sweeps=10**6, burn_in=5, thin=1, tau=3, seed=4, record=False)
    assert backend.seconds(long_run) > 8 * backend.seconds(bm_frame)
    assert FLOOR_S < backend.seconds(np.array(head(MAGIC_BN, Op.INFO), np.uint32)) < FLOOR_S + 1e-3


def test_a_board_not_in_the_table_gets_the_slowest_clock():
    assert board_clock_mhz(None) == board_clock_mhz("zedboard") == min(
        b.clock_mhz for b in board_builds().values())


def test_the_derived_deadline_is_what_the_waits_use(asia_frame):
    clock = FakeClock()
    backend, boards = make_backend(clock=clock)
    seconds = backend.seconds(asia_frame)
    boards["bn_sampler"].fault = "hang"
    with pytest.raises(KernelError, match=f"deadline {seconds:.3g} s"):
        backend.execute(asia_frame)
    assert seconds + FrameRunner.RECOVER_S < clock.now < seconds + FrameRunner.RECOVER_S + 0.1


def test_frames_beyond_one_dma_transfer_are_refused():
    backend, _ = make_backend()
    huge = np.zeros(1 << 24, dtype=np.uint32)
    huge[0] = MAGIC_BN
    with pytest.raises(LimitError, match="larger than one DMA transfer"):
        backend.execute(huge)


def test_bitstream_of_another_spec_version_is_refused():
    old = lambda frame: output_frame(Status.BAD_VERSION)
    boards = {"bn_sampler": MockBoard(old), "bm_sampler": MockBoard(bm_sampler.run_frame)}
    with pytest.raises(BackendUnavailable, match="rebuild it with 'make bitstream'"):
        FpgaBackend(overlay=MockOverlay(boards))


def test_output_capacity_matches_the_reference_output_sizes(asia_frame, bm_frame):
    for frame, ref in ((asia_frame, bn_sampler), (bm_frame, bm_sampler)):
        assert output_capacity(frame) == ref.run_frame(frame).size
    for magic in (MAGIC_BN, MAGIC_BM):
        info = np.array(head(magic, Op.INFO), np.uint32)
        ref = bn_sampler if magic == MAGIC_BN else bm_sampler
        assert output_capacity(info) == ref.run_frame(info).size
    assert output_capacity(np.array([1, 2], np.uint32)) == 3


@pytest.mark.skipif(importlib.util.find_spec("pynq") is not None, reason="pynq is installed here")
def test_without_pynq_the_backend_says_what_is_missing():
    with pytest.raises(BackendUnavailable, match="needs the 'pynq' package"):
        FpgaBackend()


def test_bitstream_lookup(tmp_path, monkeypatch):
    assert overlay_names() == {"bn_sampler": "neuropynq_bn", "bm_sampler": "neuropynq_bm",
                               BM_SPARSE: "neuropynq_bm_sparse"}
    # a board has the sparse bm overlay iff its board-table row has sparse units
    for board, build in board_builds().items():
        assert list(board_overlays(board)) == ["bn_sampler", "bm_sampler"] + [BM_SPARSE] * (build.bm_units > 0)
    assert BM_SPARSE in board_overlays("pynq-z2") and BM_SPARSE in board_overlays("zcu104")
    assert BM_SPARSE not in board_overlays("kv260")
    with pytest.raises(BackendUnavailable, match="board kv260 has no neuropynq_bm_sparse overlay "
                                                 r"\(bm_sampler_sparse\): its board-table column bm_units is 0"):
        find_bitstream(BM_SPARSE, board="kv260")
    bit = tmp_path / "mine.bit"
    bit.write_bytes(b"bit")
    with pytest.raises(BackendUnavailable, match="no mine.hwh beside it"):
        find_bitstream("bn_sampler", bitfile=bit)
    bit.with_suffix(".hwh").write_text("<hwh/>")
    assert find_bitstream("bn_sampler", bitfile=bit) == bit
    monkeypatch.setenv("BOARD", "Pynq-Z2")
    assert board_name() == "pynq-z2"
    monkeypatch.setenv("BOARD", "ZedBoard")
    with pytest.raises(BackendUnavailable, match="unsupported board 'ZedBoard'"):
        board_name()
    monkeypatch.delenv("BOARD")
    with pytest.raises(BackendUnavailable, match=r"\$BOARD is not set"):
        find_bitstream("bn_sampler")
    monkeypatch.setattr(resources, "root", lambda: tmp_path)
    installed = tmp_path / "bitstreams" / "kv260"
    installed.mkdir(parents=True)
    (installed / "neuropynq_bn.bit").write_bytes(b"bit")
    (installed / "neuropynq_bn.hwh").write_text("<hwh/>")
    assert find_bitstream("bn_sampler", board="KV260") == installed / "neuropynq_bn.bit"
    # each kernel has its own overlay: bn's is not bm's
    with pytest.raises(BackendUnavailable, match="no bm_sampler overlay found .*neuropynq_bm.bit.*"
                                                 "'make bitstream BOARD=<board> KERNEL=bm'"):
        find_bitstream("bm_sampler", board="kv260")
    with pytest.raises(BackendUnavailable, match="no bm_sampler_sparse overlay found .*pynq-z2/neuropynq_bm_sparse.bit"
                                                 ".*'make bitstream BOARD=<board> KERNEL=bm_sparse'"):
        find_bitstream(BM_SPARSE, board="pynq-z2")


# ---------------------------------------------------------------- the overlays, via a stand-in pynq
def build_kernels(board: str) -> dict:
    """Each overlay of `board` as a mock kernel: the reference at the build's lanes and
    limits (the sparse bm overlay: its units U, N_MAX = 0, SPARSE_N_MAX and D_MAX)."""
    build = board_build(board)
    kernels = {"bn_sampler": bn_sampler.run_frame,
               "bm_sampler": lambda f: bm_sampler.run_frame(f, lanes=build.bm_lanes, limits=build.bm_limits)}
    if build.bm_units:
        kernels[BM_SPARSE] = lambda f: bm_sampler.run_frame(f, lanes=build.bm_units, limits=build.bm_sparse_limits)
    return kernels


@pytest.fixture
def pynq_on_mock_boards(tmp_path, monkeypatch):
    """A stand-in `pynq` over mock boards, one per overlay of `board` (default the
    PYNQ-Z2: bn, dense bm, sparse bm); neuropynq.board.overlay imported against it (and
    forgotten afterwards), with the board's overlays' .bit + .hwh in bitstreams/<board>/."""
    memory = MockMemory()

    def install(missing=(), board="pynq-z2"):
        # an overlay with several copies of its kernel (boards.txt bm_instances) gets a mock board each
        boards = {k: [MockBoard(run, memory=memory) for _ in range(board_build(board).instances(k))]
                  for k, run in build_kernels(board).items()}
        boards = {k: copies[0] if len(copies) == 1 else copies for k, copies in boards.items()}
        folder = tmp_path / "bitstreams" / board
        folder.mkdir(parents=True, exist_ok=True)
        for overlay in board_overlays(board).values():
            (folder / f"{overlay.name}.bit").write_bytes(b"bit")
            (folder / f"{overlay.name}.hwh").write_text("<hwh/>")
        monkeypatch.setattr(resources, "root", lambda: tmp_path)
        pynq = fake_pynq(boards, memory, missing)
        monkeypatch.setitem(sys.modules, "pynq", pynq)
        sys.modules.pop("neuropynq.board.overlay", None)
        monkeypatch.setenv("BOARD", {"pynq-z2": "Pynq-Z2", "zcu104": "ZCU104", "kv260": "KV260"}[board])
        pynq.boards, pynq.folder = boards, folder
        return pynq

    yield install
    sys.modules.pop("neuropynq.board.overlay", None)
    import neuropynq.board
    if hasattr(neuropynq.board, "overlay"):
        delattr(neuropynq.board, "overlay")


def started_frames(board: MockBoard) -> int:
    return sum(1 for block, offset, value in board.log if block == "kernel" and offset == r.CTRL and value & r.AP_START)


def test_the_zcu104s_dense_bm_overlay_runs_chains_on_both_its_kernels(pynq_on_mock_boards):
    """Its .hwh holds bm_sampler and bm_sampler_1 (each with a DMA): sample_chains runs
    a chain on each, and every chain is the reference's run of its seed, bit for bit."""
    pynq = pynq_on_mock_boards(board="zcu104")
    copies = pynq.boards["bm_sampler"]
    assert len(copies) == board_build("zcu104").bm_instances == 2
    sampler = Sampler("fpga")
    before = [started_frames(b) for b in copies]
    bm = BoltzmannMachine.random(7, seed=5)
    chains = sampler.sample_chains(bm, chains=3, sweeps=40, burn_in=4, tau=2, seed=9)
    assert [started_frames(b) - n for b, n in zip(copies, before)] == [2, 1]
    ref = Sampler("ref")
    for c, run in enumerate(chains):
        alone = ref.sample(bm, sweeps=40, burn_in=4, tau=2, seed=9 + c)
        assert np.array_equal(run.states, alone.states) and np.array_equal(run.final_state, alone.final_state)
    assert not np.array_equal(chains[0].states, chains[1].states)     # the seeds differ


def chain_backend(copies: int, latency: float = 1.0, hang: int | None = None):
    """The fpga backend on mock overlays whose dense bm overlay has `copies` kernels,
    each taking `latency` seconds of a fake clock a frame (`hang`: that copy never finishes)."""
    clock = FakeClock()
    bm_boards = [MockBoard(bm_sampler.run_frame, "hang" if i == hang else None, latency=latency, clock=clock)
                 for i in range(copies)]
    overlay = MockOverlay({"bn_sampler": MockBoard(bn_sampler.run_frame), "bm_sampler": bm_boards},
                          clock, clock.sleep, board="zcu104")
    return FpgaBackend(overlay=overlay, timeout=30.0), bm_boards, clock


@pytest.mark.parametrize("copies, waves", [(1, 4), (2, 2), (4, 1)])
def test_chains_overlap_in_time_on_the_copies_of_a_kernel(copies, waves):
    """Four frames of one second each take four seconds on one kernel, two on two, one
    on four: each wave starts a frame on every copy before waiting for any."""
    backend, boards, clock = chain_backend(copies)
    bm = BoltzmannMachine.random(5, seed=1)
    start = clock.now
    runs = Sampler(backend).sample_chains(bm, chains=4, sweeps=20, burn_in=2, seed=30)
    assert waves <= clock.now - start < waves + 0.1
    assert [started_frames(b) for b in boards] == [1 + 4 // copies] + [4 // copies] * (copies - 1)  # + INFO
    ref = Sampler("ref")
    for c, run in enumerate(runs):
        assert np.array_equal(run.on_counts, ref.sample(bm, sweeps=20, burn_in=2, seed=30 + c).on_counts)


def test_a_hung_copy_is_named_and_the_other_copys_frame_still_finishes():
    backend, boards, clock = chain_backend(2, latency=0.5, hang=1)
    bm = BoltzmannMachine.random(5, seed=1)
    frames = [BMKernelModel.build(bm).run_frame(sweeps=10, burn_in=1, thin=1, tau=1, seed=s, record=True)
              for s in (1, 2)]
    with pytest.raises(KernelError, match="deadline 30 s"):
        backend.execute_many(frames)
    # copy 0 finished its frame (idle, output read), so it runs the next one
    assert boards[0].idle and not boards[1].idle
    assert np.array_equal(backend.execute(frames[0]), bm_sampler.run_frame(frames[0]))


def test_sample_chains_takes_one_start_state_or_one_per_chain_and_names_bad_arguments():
    sampler = Sampler("ref")
    bm = BoltzmannMachine.random(6, seed=3)
    first = sampler.sample_chains(bm, chains=2, sweeps=10, burn_in=2, seed=4)
    assert [run.seconds for run in first][0] == first[1].seconds
    finals = np.stack([run.final_state for run in first])
    again = sampler.sample_chains(bm, chains=2, sweeps=10, burn_in=0, seed=6, init=finals)
    for c in range(2):
        assert np.array_equal(again[c].states, sampler.sample(bm, sweeps=10, burn_in=0, seed=6 + c,
                                                              init=finals[c]).states)
    shared = sampler.sample_chains(bm, chains=2, sweeps=10, burn_in=0, seed=6, init=finals[1])
    assert np.array_equal(shared[1].states, again[1].states)
    for chains in (0, -1, 1.5, True):
        with pytest.raises(ParameterError, match="chains must be a positive integer"):
            sampler.sample_chains(bm, chains=chains, sweeps=10)
    with pytest.raises(ParameterError, match="init holds 2 start states for 3 chains"):
        sampler.sample_chains(bm, chains=3, sweeps=10, init=finals)


def test_each_kernel_runs_in_its_own_overlay_loaded_on_demand_and_shared(pynq_on_mock_boards, asia_frame, bm_frame):
    pynq = pynq_on_mock_boards()
    bn_bit, bm_bit, sparse_bit = (str((pynq.folder / f"{overlay_names()[k]}.bit").resolve())
                                  for k in ("bn_sampler", "bm_sampler", BM_SPARSE))
    first = Sampler("fpga")
    # every overlay checked (INFO) when the backend is made; bn's is left loaded
    assert pynq.downloads == [bm_bit, sparse_bit, bn_bit]
    assert first.backend.clock_mhz == board_build("pynq-z2").clock_mhz     # from $BOARD
    ref = get_backend("ref")
    assert (first.backend.bn_lanes(), first.backend.bn_limits()) == (ref.bn_lanes(), ref.bn_limits())
    second = Sampler("fpga")
    assert len(pynq.downloads) == 3          # a second backend neither downloads nor asks again
    assert np.array_equal(second.backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))
    assert len(pynq.downloads) == 3          # bn's overlay is the loaded one
    build = board_build("pynq-z2")
    # the dense overlay's limits and the sparse overlay's, kept from the check
    assert first.backend.bm_limits() == BMLimits(n_max=build.bm_limits.n_max,
                                                 sparse_n_max=build.bm_sparse_limits.sparse_n_max,
                                                 d_max=build.bm_sparse_limits.d_max)
    assert first.backend.bm_lanes() == build.bm_lanes and len(pynq.downloads) == 3
    assert np.array_equal(first.backend.execute(bm_frame), bm_sampler.run_frame(bm_frame))
    assert pynq.downloads[3:] == [bm_bit]    # switched to bm's overlay
    assert np.array_equal(first.backend.execute(bm_frame), bm_sampler.run_frame(bm_frame))
    assert np.array_equal(second.backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))
    assert pynq.downloads[4:] == [bn_bit]    # and back, once each way
    from neuropynq.board import overlay
    loaded = overlay._loaded[0][1]
    assert not hasattr(loaded, "bm_sampler") and hasattr(loaded, "bn_sampler")   # one kernel per design
    reloaded = FpgaBackend(reload=True)
    assert pynq.downloads[5:] == [bn_bit, bm_bit, sparse_bit]     # the loaded one first: all downloaded again
    assert np.array_equal(reloaded.execute(asia_frame), bn_sampler.run_frame(asia_frame))
    assert np.array_equal(second.backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))


def test_a_sparse_machine_beyond_the_dense_overlay_runs_on_the_sparse_overlay(pynq_on_mock_boards):
    """PYNQ-Z2: a 17 x 17 king's graph (N = 289 > the dense overlay's N_MAX = 256, degree
    8 = its D_MAX) travels as RUN_SPARSE and loads neuropynq_bm_sparse, whose kernel
    answers; the counts are the reference's (which runs the same machine as a RUN
    frame). A small machine goes back to the dense overlay as a RUN frame."""
    pynq = pynq_on_mock_boards()
    sparse_bit, bm_bit = (str((pynq.folder / f"{overlay_names()[k]}.bit").resolve()) for k in (BM_SPARSE, "bm_sampler"))
    sampler = Sampler("fpga")
    king = BoltzmannMachine.king_graph(17, seed=3)
    assert king.n > board_build("pynq-z2").bm_limits.n_max
    started = {k: sum(1 for c in b.log if c[:2] == ("kernel", r.CTRL)) for k, b in pynq.boards.items()}
    run = sampler.sample(king, sweeps=6, burn_in=2, tau=2, seed=5)
    expected = Sampler("ref").sample(king, sweeps=6, burn_in=2, tau=2, seed=5)
    assert np.array_equal(run.on_counts, expected.on_counts) and np.array_equal(run.states, expected.states)
    assert np.array_equal(run.final_state, expected.final_state)
    assert pynq.downloads[-1] == sparse_bit
    now = {k: sum(1 for c in b.log if c[:2] == ("kernel", r.CTRL)) for k, b in pynq.boards.items()}
    assert now[BM_SPARSE] == started[BM_SPARSE] + 1 and now["bm_sampler"] == started["bm_sampler"]
    small = BoltzmannMachine.random(6, seed=2)
    run = sampler.sample(small, sweeps=20, burn_in=2, seed=5)
    assert np.array_equal(run.on_counts, Sampler("ref").sample(small, sweeps=20, burn_in=2, seed=5).on_counts)
    assert pynq.downloads[-1] == bm_bit


def test_without_a_sparse_overlay_a_machine_beyond_the_dense_one_is_a_limits_error(pynq_on_mock_boards):
    """KV260 (boards.txt bm_units = 0): the backend needs no sparse bitstream there, and
    the 17 x 17 king's graph is refused before any frame, naming the dense overlay's
    N_MAX and the missing sparse overlay."""
    pynq = pynq_on_mock_boards(board="kv260")
    sampler = Sampler("fpga")
    assert BM_SPARSE not in sampler.backend.overlay.kernels and len(pynq.downloads) == 2
    assert sampler.backend.bm_limits() == board_build("kv260").bm_limits
    with pytest.raises(LimitError, match=r"N = 289 neurons, more than the dense bm overlay \(neuropynq_bm\) "
                                         r"takes \(N_MAX = 256\), and board kv260 has no sparse bm overlay "
                                         r"\(neuropynq_bm_sparse; boards.txt bm_units = 0\)"):
        sampler.sample(BoltzmannMachine.king_graph(17, seed=3), sweeps=6)
    assert len(pynq.downloads) == 2


def test_a_machine_beyond_both_bm_overlays_is_a_limits_error_naming_both(pynq_on_mock_boards):
    pynq_on_mock_boards()
    sampler = Sampler("fpga")
    dense = BoltzmannMachine.random(300, seed=1, density=0.2)      # N > 256, rows of ~60 weights
    with pytest.raises(LimitError, match=r"N_MAX = 256\), and the sparse bm overlay \(neuropynq_bm_sparse\) "
                                         r"takes N <= SPARSE_N_MAX = 1024 with at most D_MAX = 8 non-zero"):
        sampler.sample(dense, sweeps=2)


def test_the_frame_choice_is_bench_hws(monkeypatch):
    """For each board and machine the fpga backend sends the frame to the overlay that
    bench/bench_hw.py measures: dense RUN when N fits the dense overlay, else RUN_SPARSE
    on the sparse overlay where the board has one."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "bench"))
    import bench_hw
    machines = [BoltzmannMachine.random(6, seed=2), BoltzmannMachine.king_graph(5, seed=1),
                BoltzmannMachine.king_graph(17, seed=1)]
    kinds = set()
    for bm in machines:
        model = BMKernelModel.build(bm)
        for board, build in board_builds().items():
            kernel, limits = bench_hw.bm_overlay_for(model, build)
            backend, _ = make_backend(board=board, sparse=True)
            if bm.n > build.bm_limits.n_max and not build.bm_units:
                with pytest.raises(LimitError, match=f"board {board} has no sparse bm overlay"):
                    backend.bm_frame_limits(model)
                continue
            assert backend.bm_frame_limits(model) == limits
            frame = model.frame(limits, 1, 0, 1, 1, 0, False)
            assert backend.kernel_of(frame) == kernel
            kinds.add((kernel, int(frame[2])))
    assert kinds == {("bm_sampler", Op.RUN), (BM_SPARSE, Op.RUN_SPARSE)}


def test_each_bm_overlay_must_report_its_engine():
    """INFO at construction: the sparse overlay must report SPARSE_N_MAX > 0 and the dense
    one N_MAX > 0 (a .bit of the other build in either's place fails here, not at the
    first run)."""
    build = board_build("pynq-z2")
    kernels = build_kernels("pynq-z2")
    kernels[BM_SPARSE] = kernels["bm_sampler"]
    with pytest.raises(BackendUnavailable, match=r"sparse bm overlay \(bm_sampler_sparse\) reports no sparse "
                                                 r"engine \(SPARSE_N_MAX = 0\).*KERNEL=bm_sparse"):
        FpgaBackend(overlay=MockOverlay({k: MockBoard(run) for k, run in kernels.items()}, board="pynq-z2"))
    kernels = build_kernels("pynq-z2")
    kernels["bm_sampler"] = kernels[BM_SPARSE]
    with pytest.raises(BackendUnavailable, match=r"dense bm overlay \(bm_sampler\) reports no dense engine "
                                                 r"\(N_MAX = 0\).*KERNEL=bm'"):
        FpgaBackend(overlay=MockOverlay({k: MockBoard(run) for k, run in kernels.items()}, board="pynq-z2"))
    assert build.bm_units > 0


def test_a_run_sparse_frames_deadline_is_the_sparse_engines_at_its_units():
    backend, _ = make_backend(board="pynq-z2", sparse=True)
    build = board_build("pynq-z2")
    model = BMKernelModel.build(BoltzmannMachine.king_graph(17, seed=3))
    frame = model.run_sparse_frame(sweeps=50, burn_in=5, thin=1, tau=2, seed=1, record=False)
    assert backend.kernel_of(frame) == BM_SPARSE
    assert backend.seconds(frame) == frame_seconds(frame, build.bm_units, build.clock_mhz, bm_engine="sparse")
    # on a board without a sparse overlay the frame goes to the dense one, which refuses it
    dense_only, _ = make_backend(board="kv260", sparse=True)
    assert dense_only.kernel_of(frame) == "bm_sampler"
    with pytest.raises(KernelError, match="LIMIT"):
        parse_output(dense_only.execute(frame))


def test_the_fpga_backend_needs_every_overlay_of_its_board(pynq_on_mock_boards, tmp_path):
    pynq = pynq_on_mock_boards()
    folder = pynq.folder
    (folder / "neuropynq_bm_sparse.bit").unlink()
    with pytest.raises(BackendUnavailable, match="no bm_sampler_sparse overlay found.*KERNEL=bm_sparse"):
        FpgaBackend()
    (folder / "neuropynq_bm.bit").unlink()
    with pytest.raises(BackendUnavailable, match="no bm_sampler overlay found"):
        FpgaBackend()
    mine = {}
    for kernel in ("bm_sampler", BM_SPARSE):
        mine[kernel] = tmp_path / "elsewhere" / f"{overlay_names()[kernel]}.bit"
        mine[kernel].parent.mkdir(exist_ok=True)
        mine[kernel].write_bytes(b"bit")
        mine[kernel].with_suffix(".hwh").write_text("<hwh/>")
    backend = FpgaBackend(bitfiles=mine)
    assert backend.overlay.bitstreams["bm_sampler"] == mine["bm_sampler"].resolve()
    assert backend.overlay.bitstreams[BM_SPARSE] == mine[BM_SPARSE].resolve()
    with pytest.raises(BackendUnavailable, match="bitfiles names no kernel: bx_sampler"):
        FpgaBackend(bitfiles={"bx_sampler": mine["bm_sampler"]})


def test_auto_falls_back_on_any_board_path_failure_and_says_why(pynq_on_mock_boards, monkeypatch):
    pynq_on_mock_boards(missing=(BM_SPARSE,))      # the sparse overlay's bitstream lacks its kernel
    with pytest.raises(AttributeError):
        FpgaBackend()
    # the next backend of AUTO_ORDER (ref stands in for cpu, which would compile here)
    monkeypatch.setattr(registry, "AUTO_ORDER", ("fpga", "ref"))
    sampler = Sampler("auto")
    assert sampler.backend.name == "ref"
    assert "fpga: AttributeError" in sampler.describe() and "bm_sampler" in sampler.describe()


def test_auto_does_not_hide_failures_off_the_board_path(monkeypatch):
    monkeypatch.setattr(registry, "AUTO_ORDER", ("ref",))

    def broken():
        raise RuntimeError("a bug in the ref backend")

    monkeypatch.setitem(registry.BACKENDS, "ref", "neuropynq.backends.ref:RefBackend")
    monkeypatch.setattr("neuropynq.backends.ref.RefBackend", broken)
    with pytest.raises(RuntimeError, match="a bug in the ref backend"):
        Sampler("auto")
