"""What a board build would take over a run, for a machine without the board: the
kernels' cycle model (`board.frames.frame_cycles`, from the twins' schedules) over the
run's own frame, at the build's lanes and clock (data/boards.txt). A projection, not a
measurement: it leaves out the host's side (Python, DMA set-up, cache maintenance).

Computed rather than read from a stored table of figures so that it follows the board
table (lanes, clock, limits) and any network and window, and so that there is one
cycle model: the one the fpga backend's deadlines use, which tests/test_bench_hw.py
checks against the cycles Verilator measures on the twins.
"""
from __future__ import annotations

from .board.frames import frame_cycles
from .boards import BoardBuild
from .kernels.bn_model import BNKernelModel, rate_to_rmax
from .reference.bn_sampler import window_draws


def posterior_seconds(build: BoardBuild, bn, evidence=None, samples: int = 16384, window: int = 256,
                      rate: float = 0.5, seed: int = 0) -> float:
    """Projected kernel seconds of `Sampler("fpga").posterior(bn, evidence, samples=...,
    window=..., rate=..., seed=...)` on `build`: cycles of the run's frame / the build's
    clock. The spike windows' draws (which set the cycles of the Poisson units) are the
    reference's for that seed. LimitError when the network and evidence do not fit the
    build's bn limits."""
    model = BNKernelModel.build(bn, evidence, limits=build.bn_limits)
    rmax = rate_to_rmax(rate)
    BNKernelModel.check_run(samples, window, rmax, build.bn_limits)
    frame = model.run_frame(samples, window, seed, rmax)
    draws = window_draws(model, samples, window, seed, rmax)
    return frame_cycles(frame, build.bn_lanes, draws) / (build.clock_mhz * 1e6)
