"""Fixed-point formats and LUTs of docs/spec.md (§2.1, §2.2, §3.1, §3.2)."""
import numpy as np
import pytest

from neuropynq import fixedpoint as fx
from neuropynq.luts import EXP2_LUT, LNTAU_LUT, SIGMOID_LUT


def test_luts_have_the_specified_contents():
    assert EXP2_LUT.size == 1024 and EXP2_LUT[0] == 1 << 23
    assert EXP2_LUT[512] == round(2**23 / np.sqrt(2))
    assert np.all(np.diff(EXP2_LUT) < 0) and EXP2_LUT.max() < 1 << 24
    assert SIGMOID_LUT.size == 1024
    assert SIGMOID_LUT[511] + SIGMOID_LUT[512] == 1 << 24      # symmetric bin midpoints
    assert SIGMOID_LUT[512] == round(2**24 / (1 + np.exp(-0.5 / 64)))
    assert 0 < SIGMOID_LUT.min() and SIGMOID_LUT.max() < 1 << 24
    assert LNTAU_LUT[1] == 0 and LNTAU_LUT[4] == round(1024 * np.log(4))


def test_luts_are_read_only():
    with pytest.raises(ValueError):
        EXP2_LUT[0] = 0


def test_cdf_thresholds_round_cumulative_sums():
    c = fx.cdf_thresholds(np.array([[0.25, 0.25, 0.5], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    assert c.tolist() == [[16384, 32768], [65536, 65536], [0, 0]]


def test_negative_log_weights_saturate_and_mark_zero():
    nl = fx.neg_log2_weight(np.array([1.0, 0.5, 0.001, 1e-30, 0.0]))
    assert nl.tolist() == [0, 1024, round(-1024 * np.log2(0.001)), 65534, 65535]


def test_firing_threshold_follows_the_formula():
    rmax = 32768
    assert fx.firing_threshold(0, rmax) == (rmax * 2**23) >> 15      # = rate 0.5 in UQ0.24
    d = np.array([1024, 1024 + 512, 23 * 1024 + 5, 24 * 1024, 10**6])
    f = fx.firing_threshold(d, rmax)
    assert f[0] == (rmax * 2**23) >> 16
    assert f[1] == (rmax * int(EXP2_LUT[512])) >> 16
    assert f[2] == (rmax * int(EXP2_LUT[5])) >> 38
    assert f[3] == 0 and f[4] == 0


def test_quantise_weights_names_the_entry_out_of_range():
    assert fx.quantise_weights(np.array([0.5, -1.25])).tolist() == [512, -1280]
    with pytest.raises(ValueError, match=r"index \(1, 0\)"):
        fx.quantise_weights(np.array([[0.0, 1.0], [40.0, 0.0]]))


def test_spike_probability_index_floors_and_clamps():
    tau = 1
    assert fx.spike_probability_index(0, tau) == 512
    assert fx.spike_probability_index(-1, tau) == 511             # arithmetic shift floors
    assert fx.spike_probability_index(10**6, tau) == 1023
    assert fx.spike_probability_index(-10**6, tau) == 0
    assert fx.spike_probability_index(int(LNTAU_LUT[4]), 4) == 512
