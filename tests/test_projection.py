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

EVIDENCE = {"HRBP": "HIGH", "BP": "LOW"}


@pytest.fixture(scope="module")
def alarm():
    return BayesNet.from_bif(resources.example("alarm"))


def test_seconds_are_the_frame_cycles_at_the_board_clock(alarm):
    build = board_build("pynq-z2")
    frame = BNKernelModel.build(alarm, EVIDENCE, limits=build.bn_limits).run_frame(4096, 64, 0, rate_to_rmax(0.5))
    assert posterior_seconds(build, alarm, EVIDENCE, 4096, 64) == frame_cycles(frame, build.bn_lanes) / 100e6


def test_twice_the_clock_and_the_lanes_is_four_times_the_rate_in_the_steady_state(alarm):
    base = board_build("pynq-z2")
    faster = dataclasses.replace(base, clock_mhz=2 * base.clock_mhz, bn_lanes=2 * base.bn_lanes)
    def extra(build):    # seconds of 2^16 more samples: the frame's fixed words cancel
        return (posterior_seconds(build, alarm, EVIDENCE, 2 ** 17, 256)
                - posterior_seconds(build, alarm, EVIDENCE, 2 ** 16, 256))
    assert extra(faster) == pytest.approx(extra(base) / 4, rel=1e-6)
    # Each lane spends about V + T cycles per sample: 37 + 256 on alarm.
    assert extra(base) * base.clock_mhz * 1e6 * base.bn_lanes / 2 ** 16 == pytest.approx(37 + 256, rel=0.01)


def test_more_samples_take_longer(alarm):
    build = board_build("zcu104")
    seconds = [posterior_seconds(build, alarm, EVIDENCE, s, 256) for s in (256, 4096, 65536)]
    assert seconds[0] < seconds[1] < seconds[2]


def test_a_network_past_the_build_limits_is_refused(alarm):
    base = board_build("pynq-z2")
    small = dataclasses.replace(base, bn_limits=dataclasses.replace(base.bn_limits, v_max=16))
    with pytest.raises(LimitError):
        posterior_seconds(small, alarm, EVIDENCE, 4096, 256)
