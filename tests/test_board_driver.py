"""The PYNQ driver stack (neuropynq.board, backends/fpga.py) against a mock board
whose kernel is the Python reference: the fpga backend must return exactly what the
reference returns, arm the DMA in a deadlock-free order, reuse buffers, keep caches
coherent, and turn every stall or fault into a named error within its deadline."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from neuropynq.backends.fpga import FpgaBackend
from neuropynq.backends.registry import get_backend
from neuropynq.board import bitstreams, registers as r
from neuropynq.board.bitstreams import board_name, find_bitstream
from neuropynq.board.frames import output_capacity
from neuropynq.errors import BackendUnavailable, KernelError, LimitError
from neuropynq.framing import MAGIC_BN, MAGIC_BM, Op, Status, head, output_frame, parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.models.bayesnet import BayesNet
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bm_sampler, bn_sampler

from mocks.pynq_board import MockBoard, MockOverlay

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class FakeClock:
    """Time that passes only when the driver sleeps, so timeouts cost no real time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, dt):
        self.now += dt


def make_backend(bn_fault=None, bm_fault=None, clock=None, timeout=10.0):
    boards = {"bn_sampler": MockBoard(bn_sampler.run_frame, bn_fault),
              "bm_sampler": MockBoard(bm_sampler.run_frame, bm_fault)}
    overlay = MockOverlay(boards, clock, clock.sleep if clock else None)
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


def test_receive_is_armed_before_the_kernel_starts_and_the_send_after(asia_frame):
    backend, boards = make_backend()
    board = boards["bn_sampler"]
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


def test_a_kernel_that_never_finishes_times_out(asia_frame):
    clock = FakeClock()
    backend, boards = make_backend(clock=clock, timeout=0.5)
    boards["bn_sampler"].fault = "hang"
    with pytest.raises(KernelError, match="timed out"):
        backend.execute(asia_frame)
    assert 0.5 < clock.now < 0.6


def test_dma_errors_are_named(asia_frame):
    backend, boards = make_backend()
    boards["bn_sampler"].fault = "slave_error"
    with pytest.raises(KernelError, match="slave error"):
        backend.execute(asia_frame)


def test_start_refused_while_the_kernel_is_busy(asia_frame):
    clock = FakeClock()
    backend, boards = make_backend(clock=clock, timeout=0.1)
    boards["bn_sampler"].fault = "hang"
    with pytest.raises(KernelError, match="timed out"):
        backend.execute(asia_frame)
    with pytest.raises(KernelError, match="busy|still running"):
        backend.execute(asia_frame)


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
    bit = tmp_path / "neuropynq.bit"
    bit.write_bytes(b"bit")
    with pytest.raises(BackendUnavailable, match="no neuropynq.hwh beside it"):
        find_bitstream(bitfile=bit)
    bit.with_suffix(".hwh").write_text("<hwh/>")
    assert find_bitstream(bitfile=bit) == bit
    monkeypatch.setenv("BOARD", "Pynq-Z2")
    assert board_name() == "pynq-z2"
    monkeypatch.setenv("BOARD", "ZedBoard")
    with pytest.raises(BackendUnavailable, match="unsupported board 'ZedBoard'"):
        board_name()
    monkeypatch.delenv("BOARD")
    with pytest.raises(BackendUnavailable, match=r"\$BOARD is not set"):
        find_bitstream()
    monkeypatch.setattr(bitstreams, "PACKAGE_DIR", tmp_path / "pkg")
    monkeypatch.setattr(bitstreams, "REPO_DIR", tmp_path / "repo")
    with pytest.raises(BackendUnavailable, match="build one with 'make bitstream BOARD=<board>'"):
        find_bitstream(board="kv260")
    installed = tmp_path / "repo" / "kv260"
    installed.mkdir(parents=True)
    (installed / "neuropynq.bit").write_bytes(b"bit")
    (installed / "neuropynq.hwh").write_text("<hwh/>")
    assert find_bitstream(board="KV260") == installed / "neuropynq.bit"
