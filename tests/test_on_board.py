"""On a PYNQ board with the neuropynq overlay (bitstreams/$BOARD/): the fpga backend
returns exactly what the cpu backend returns. Skipped elsewhere (marker `board`)."""
import numpy as np
import pytest

from neuropynq import BayesNet, BoltzmannMachine, Sampler

pytestmark = pytest.mark.board


def test_overlay_exposes_both_kernels_and_their_dmas():
    from neuropynq.board.overlay import BmSamplerIP, BnSamplerIP, NeuropynqOverlay
    overlay = NeuropynqOverlay()
    assert isinstance(overlay.bn_sampler, BnSamplerIP) and isinstance(overlay.bm_sampler, BmSamplerIP)
    assert overlay.bn_sampler.is_idle() and overlay.bm_sampler.is_idle()
    assert overlay.bn_sampler_dma is not None and overlay.bm_sampler_dma is not None


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
