"""neuropynq.projection: a board build's projected seconds follow its clock and lanes,
grow with the samples at the steady-state rate of the cycle model, and refuse a
network past the build's limits. (That the cycle model matches the twins' Verilator
cycles is tests/test_bench_hw.py's rtl test.)"""
import dataclasses

import pytest

from neuropynq import BayesNet, resources
from neuropynq.board.frames import frame_cycles
from neuropynq.boards import board_build
from neuropynq.errors import LimitError
from neuropynq.kernels.bn_model import BNKernelModel, rate_to_rmax
from neuropynq.projection import posterior_seconds
from neuropynq.reference.bn_sampler import window_draws

EVIDENCE = {"HRBP": "HIGH", "BP": "LOW"}


@pytest.fixture(scope="module")
def alarm():
    return BayesNet.from_bif(resources.example("alarm"))


def test_seconds_are_the_frame_cycles_at_the_board_clock(alarm):
    build = board_build("pynq-z2")
    model = BNKernelModel.build(alarm, EVIDENCE, limits=build.bn_limits)
    frame = model.run_frame(4096, 64, 0, rate_to_rmax(0.5))
    draws = window_draws(model, 4096, 64, 0, rate_to_rmax(0.5))
    assert posterior_seconds(build, alarm, EVIDENCE, 4096, 64) == frame_cycles(frame, build.bn_lanes, draws) / 100e6
    assert frame_cycles(frame, build.bn_lanes, draws) < frame_cycles(frame, build.bn_lanes)   # the bound


def test_twice_the_clock_halves_the_time_and_twice_the_lanes_nearly_do(alarm):
    base = board_build("pynq-z2")
    def extra(build):    # seconds of 2^16 more samples: the frame's fixed words cancel
        return (posterior_seconds(build, alarm, EVIDENCE, 2 ** 17, 256)
                - posterior_seconds(build, alarm, EVIDENCE, 2 ** 16, 256))
    assert extra(dataclasses.replace(base, clock_mhz=2 * base.clock_mhz)) == pytest.approx(extra(base) / 2, rel=1e-9)
    # The windows run beside the next round's issue slots; a round waits for the slowest
    # lane's, which outlast the slots in some rounds of more lanes: twice the lanes is a
    # little less than twice the rate.
    wider = extra(dataclasses.replace(base, bn_lanes=2 * base.bn_lanes))
    assert extra(base) / 2 <= wider <= 0.6 * extra(base)
    # Each lane spends V + 1 issue slots per sample (37 + 1 on alarm), and its Poisson
    # unit, beside them, the window's draws and 6 cycles for a live sample: a round
    # takes the longer of the two (at least each one's mean), less than both in turn.
    model = BNKernelModel.build(alarm, EVIDENCE, limits=base.bn_limits)
    draws = window_draws(model, 2 ** 16, 256, 0, rate_to_rmax(0.5))
    per_sample = extra(base) * base.clock_mhz * 1e6 * base.bn_lanes / 2 ** 16
    assert max(37 + 1, (draws + 6).mean()) < per_sample < 37 + 1 + (draws + 6).mean()


def test_more_samples_take_longer(alarm):
    build = board_build("zcu104")
    seconds = [posterior_seconds(build, alarm, EVIDENCE, s, 256) for s in (256, 4096, 65536)]
    assert seconds[0] < seconds[1] < seconds[2]


def test_a_network_past_the_build_limits_is_refused(alarm):
    base = board_build("pynq-z2")
    small = dataclasses.replace(base, bn_limits=dataclasses.replace(base.bn_limits, v_max=16))
    with pytest.raises(LimitError):
        posterior_seconds(small, alarm, EVIDENCE, 4096, 256)
