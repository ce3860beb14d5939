"""On a PYNQ board with both kernels' overlays (bitstreams/$BOARD/): each overlay holds
its kernel, and the fpga backend returns exactly what the cpu backend returns. Skipped elsewhere (marker `board`)."""
import numpy as np
import pytest

from neuropynq import BayesNet, BoltzmannMachine, Sampler

pytestmark = pytest.mark.board


@pytest.mark.parametrize("kernel, driver", [("bn_sampler", "BnSamplerIP"), ("bm_sampler", "BmSamplerIP")])
def test_each_overlay_exposes_its_kernel_and_dma_only(kernel, driver):
    from neuropynq.board import overlay as board_overlay
    loaded = board_overlay.load_overlay(kernel)
    other = {"bn_sampler": "bm_sampler", "bm_sampler": "bn_sampler"}[kernel]
    ip = getattr(loaded, kernel)
    assert isinstance(ip, getattr(board_overlay, driver)) and ip.is_idle()
    assert getattr(loaded, f"{kernel}_dma") is not None
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
