"""Throughput of the numpy reference kernels through the `ref` backend: samples/s
of bn_sampler on ALARM and neuron-updates/s of bm_sampler on N=256 Boltzmann
machines (dense and sparse). Only `execute` (one RUN frame) is timed."""
from __future__ import annotations

import time
from pathlib import Path

from neuropynq import BayesNet, BoltzmannMachine
from neuropynq.backends.ref import RefBackend
from neuropynq.framing import parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.kernels.bn_model import BNKernelModel, rate_to_rmax

ALARM = Path(__file__).resolve().parents[1] / "examples" / "alarm.bif"
ALARM_EVIDENCE = {"BP": "LOW", "CVP": "LOW", "HRBP": "HIGH"}


def timed_execute(backend, frame) -> float:
    start = time.perf_counter()
    parse_output(backend.execute(frame))
    return time.perf_counter() - start


def bn_rows(backend) -> list[tuple[str, str, float, str]]:
    model = BNKernelModel.build(BayesNet.from_bif(ALARM), ALARM_EVIDENCE)
    rows = []
    for samples, window in ((65536, 256), (65536, 1024)):
        seconds = timed_execute(backend, model.run_frame(samples, window, 1, rate_to_rmax(0.5)))
        rows.append((f"bn alarm S={samples} T={window}", f"{seconds:.2f}",
                     samples / seconds, "samples/s"))
    return rows


def bm_rows(backend) -> list[tuple[str, str, float, str]]:
    rows = []
    for label, density, sweeps in (("dense", 1.0, 400), ("sparse 5%", 0.05, 4000)):
        bm = BoltzmannMachine.random(256, seed=1, density=density, weight_scale=0.1, bias_scale=0.5)
        model = BMKernelModel.build(bm)
        burn_in = 10
        frame = model.run_frame(sweeps, burn_in, 1, 1, 1, False)
        seconds = timed_execute(backend, frame)
        updates = bm.n * (burn_in + sweeps)
        rows.append((f"bm N=256 {label} ({len(model.colour_end)} colours) {burn_in + sweeps} sweeps",
                     f"{seconds:.2f}", updates / seconds, "neuron-updates/s"))
    return rows


def main() -> None:
    backend = RefBackend()
    rows = bn_rows(backend) + bm_rows(backend)
    width = max(len(r[0]) for r in rows)
    print(f"{'ref backend (numpy reference)':<{width}}  {'seconds':>8}  {'throughput':>12}")
    for name, seconds, rate, unit in rows:
        print(f"{name:<{width}}  {seconds:>8}  {rate:>12.3e}  {unit}")


if __name__ == "__main__":
    main()
