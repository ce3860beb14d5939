"""On a PYNQ board with every overlay of its board (bitstreams/$BOARD/): each overlay holds
its kernel, and the fpga backend returns exactly what the cpu backend returns (a sparse
machine beyond the dense bm overlay on the sparse one, where the board has it). Skipped
elsewhere (marker `board`)."""
import numpy as np
import pytest

from neuropynq import BayesNet, BoltzmannMachine, Sampler
from neuropynq.boards import BM_SPARSE

pytestmark = pytest.mark.board


def _has(kernel: str) -> bool:
    from neuropynq.board.bitstreams import board_name, board_overlays
    return kernel in board_overlays(board_name())


@pytest.mark.parametrize("kernel, driver", [("bn_sampler", "BnSamplerIP"), ("bm_sampler", "BmSamplerIP"),
                                            (BM_SPARSE, "BmSamplerIP")])
def test_each_overlay_exposes_its_kernel_and_dma_only(kernel, driver):
    from neuropynq.board import overlay as board_overlay
    from neuropynq.board.bitstreams import overlays
    if not _has(kernel):
        pytest.skip(f"this board has no {kernel} overlay (boards.txt)")
    loaded = board_overlay.load_overlay(kernel)
    ip_name = overlays()[kernel].ip
    other = {"bn_sampler": "bm_sampler", "bm_sampler": "bn_sampler"}[ip_name]
    ip = getattr(loaded, ip_name)
    assert isinstance(ip, getattr(board_overlay, driver)) and ip.is_idle()
    assert getattr(loaded, f"{ip_name}_dma") is not None
    assert other not in loaded.ip_dict


def test_fpga_posterior_equals_cpu(examples_dir):
    bn = BayesNet.from_bif(examples_dir / "alarm.bif")
    evidence = {"HRBP": "HIGH", "BP": "LOW"}
    fpga = Sampler("fpga").posterior(bn, evidence, samples=65536, window=256, seed=5)
    cpu = Sampler("cpu").posterior(bn, evidence, samples=65536, window=256, seed=5)
    assert fpga.total == cpu.total > 0
    for v in fpga.counts:
        assert np.array_equal(fpga.counts[v], cpu.counts[v]), v


def test_fpga_boltzmann_samples_equal_cpu():
    bm = BoltzmannMachine.random(16, seed=4, density=0.5)
    fpga = Sampler("fpga").sample(bm, sweeps=5000, burn_in=50, tau=3, clamp={0: 1}, seed=9)
    cpu = Sampler("cpu").sample(bm, sweeps=5000, burn_in=50, tau=3, clamp={0: 1}, seed=9)
    assert np.array_equal(fpga.states, cpu.states)
    assert np.array_equal(fpga.spike_counts, cpu.spike_counts)


def test_fpga_sparse_machine_beyond_the_dense_overlay_equals_cpu():
    """A 32 x 32 king's graph (N = 1024): RUN_SPARSE on the sparse bm overlay."""
    if not _has(BM_SPARSE):
        pytest.skip("this board has no sparse bm overlay (boards.txt bm_units = 0)")
    bm = BoltzmannMachine.king_graph(32, seed=1)
    fpga = Sampler("fpga").sample(bm, sweeps=200, burn_in=20, tau=2, clamp={5: 1}, seed=3)
    cpu = Sampler("cpu").sample(bm, sweeps=200, burn_in=20, tau=2, clamp={5: 1}, seed=3)
    assert np.array_equal(fpga.states, cpu.states)
    assert np.array_equal(fpga.final_state, cpu.final_state)
