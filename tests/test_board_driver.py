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
from neuropynq.board.bitstreams import board_name, find_bitstream, overlay_names
from neuropynq.board.frames import FLOOR_S, MARGIN, bm_sparse_schedule, bm_sparse_sweep_cycles, bm_sweep_cycles, \
    frame_cycles, frame_seconds, output_capacity
from neuropynq.board.runner import FrameRunner
from neuropynq.boards import board_build, board_builds
from neuropynq.errors import BackendUnavailable, KernelError, LimitError
from neuropynq.framing import MAGIC_BN, MAGIC_BM, Op, Status, head, output_frame, parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.kernels.bn_model import BNKernelModel
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


def make_backend(bn_fault=None, bm_fault=None, clock=None, timeout=None, board="pynq-z2"):
    boards = {"bn_sampler": MockBoard(bn_sampler.run_frame, bn_fault),
              "bm_sampler": MockBoard(bm_sampler.run_frame, bm_fault)}
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
    assert sweep == sum((e - 1) // 4 - s // 4 + 2 for s, e in zip([0, *ends[:-1]], ends)) + hazard.sum()
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
    # (the last op 17 stages deep), the state word, back to the sweeps
    assert frame_cycles(longer, lanes_bm, bm_engine="fields") - frame_cycles(bm_frame, lanes_bm, bm_engine="fields") == \
        10 * (6 + 17 + 1 + 1 + 1)
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
    assert overlay_names() == {"bn_sampler": "neuropynq_bn", "bm_sampler": "neuropynq_bm"}
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


# ---------------------------------------------------------------- the overlays, via a stand-in pynq
@pytest.fixture
def pynq_on_mock_boards(tmp_path, monkeypatch):
    """A stand-in `pynq` over two mock boards; neuropynq.board.overlay imported against it
    (and forgotten afterwards), with both overlays' .bit + .hwh in bitstreams/pynq-z2/."""
    memory = MockMemory()
    boards = {"bn_sampler": MockBoard(bn_sampler.run_frame, memory=memory),
              "bm_sampler": MockBoard(bm_sampler.run_frame, memory=memory)}
    folder = tmp_path / "bitstreams" / "pynq-z2"
    folder.mkdir(parents=True)
    for name in overlay_names().values():
        (folder / f"{name}.bit").write_bytes(b"bit")
        (folder / f"{name}.hwh").write_text("<hwh/>")
    monkeypatch.setattr(resources, "root", lambda: tmp_path)

    def install(missing=()):
        pynq = fake_pynq(boards, memory, missing)
        monkeypatch.setitem(sys.modules, "pynq", pynq)
        sys.modules.pop("neuropynq.board.overlay", None)
        monkeypatch.setenv("BOARD", "Pynq-Z2")
        return pynq

    yield install, boards, folder
    sys.modules.pop("neuropynq.board.overlay", None)
    import neuropynq.board
    if hasattr(neuropynq.board, "overlay"):
        delattr(neuropynq.board, "overlay")


def test_each_kernel_runs_in_its_own_overlay_loaded_on_demand_and_shared(pynq_on_mock_boards, asia_frame, bm_frame):
    install, boards, folder = pynq_on_mock_boards
    pynq = install()
    bn_bit, bm_bit = (str((folder / f"{overlay_names()[k]}.bit").resolve()) for k in ("bn_sampler", "bm_sampler"))
    first = Sampler("fpga")
    # both overlays checked (INFO) when the backend is made; bn's is left loaded
    assert pynq.downloads == [bm_bit, bn_bit]
    assert first.backend.clock_mhz == board_build("pynq-z2").clock_mhz     # from $BOARD
    ref = get_backend("ref")
    assert (first.backend.bn_lanes(), first.backend.bn_limits()) == (ref.bn_lanes(), ref.bn_limits())
    second = Sampler("fpga")
    assert len(pynq.downloads) == 2          # a second backend neither downloads nor asks again
    assert np.array_equal(second.backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))
    assert len(pynq.downloads) == 2          # bn's overlay is the loaded one
    assert first.backend.bm_limits() == ref.bm_limits() and len(pynq.downloads) == 2   # kept from the check
    assert np.array_equal(first.backend.execute(bm_frame), bm_sampler.run_frame(bm_frame))
    assert pynq.downloads[2:] == [bm_bit]    # switched to bm's overlay
    assert np.array_equal(first.backend.execute(bm_frame), bm_sampler.run_frame(bm_frame))
    assert np.array_equal(second.backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))
    assert pynq.downloads[3:] == [bn_bit]    # and back, once each way
    from neuropynq.board import overlay
    loaded = overlay._loaded[0][1]
    assert not hasattr(loaded, "bm_sampler") and hasattr(loaded, "bn_sampler")   # one kernel per design
    reloaded = FpgaBackend(reload=True)
    assert pynq.downloads[4:] == [bn_bit, bm_bit]     # the loaded one first: both downloaded again
    assert np.array_equal(reloaded.execute(asia_frame), bn_sampler.run_frame(asia_frame))
    assert np.array_equal(second.backend.execute(asia_frame), bn_sampler.run_frame(asia_frame))


def test_the_fpga_backend_needs_both_overlays(pynq_on_mock_boards, tmp_path):
    install, _, folder = pynq_on_mock_boards
    install()
    (folder / "neuropynq_bm.bit").unlink()
    with pytest.raises(BackendUnavailable, match="no bm_sampler overlay found"):
        FpgaBackend()
    mine = tmp_path / "elsewhere" / "neuropynq_bm.bit"
    mine.parent.mkdir()
    mine.write_bytes(b"bit")
    mine.with_suffix(".hwh").write_text("<hwh/>")
    backend = FpgaBackend(bitfiles={"bm_sampler": mine})
    assert backend.overlay.bitstreams["bm_sampler"] == mine.resolve()
    with pytest.raises(BackendUnavailable, match="bitfiles names no kernel: bx_sampler"):
        FpgaBackend(bitfiles={"bx_sampler": mine})


def test_auto_falls_back_on_any_board_path_failure_and_says_why(pynq_on_mock_boards, monkeypatch):
    install, _, _ = pynq_on_mock_boards
    install(missing=("bm_sampler",))      # bm's bitstream lacks its kernel
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
