"""SNN training cost on the CPU: a 100-100-10 LIF network, T = 50 steps, trained by
surrogate-gradient BPTT (neuropynq.train) on 1024 Poisson spike patterns in
batches of 64, then the time per training epoch of each model of issue 14 at
the size docs/train.md measures it (conv, STCA attention, SNNWM, IB Hebbian rule).
Reports per epoch: wall time, peak traced memory (tracemalloc
sees numpy's buffers), synaptic events per second (every input spike of a layer
times its fan-out, forward pass only, divided by the training epoch's time), and
the share of an epoch spent in the BLAS-backed `np.dot` products, in wall-clock
time and in this thread's CPU time (the latter does not count time the shared
machine gave to other jobs)."""
from __future__ import annotations

import os

# One BLAS thread unless the caller says otherwise: the products here are small
# (at most 3200×100 by 100×100), and on a 2-core machine shared with other jobs
# threaded OpenBLAS measured 5× slower than one thread. Must be set before numpy loads.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from neuropynq.train.data import poisson_patterns  # noqa: E402
from neuropynq.train.layers import Dense  # noqa: E402
from neuropynq.train.losses import RateCrossEntropy  # noqa: E402
from neuropynq.train.network import Network  # noqa: E402
from neuropynq.train.neurons import LIF  # noqa: E402
from neuropynq.train.optim import Adam  # noqa: E402
from neuropynq.train.training import accuracy, train_epoch  # noqa: E402

SIZES = (100, 100, 10)
STEPS, SAMPLES, BATCH, EPOCHS = 50, 1024, 64, 5


def build() -> tuple[Network, Adam]:
    neuron = LIF(beta=0.9)
    net = Network([Dense(SIZES[0], SIZES[1], neuron, seed=1, weight_scale=2.0),
                   Dense(SIZES[1], SIZES[2], neuron, seed=2, weight_scale=2.0)])
    return net, Adam(net.parameters(), lr=0.01)


class DotTimer:
    """Wraps `np.dot` (through which the layers do every synaptic product) with a
    timer while active; cProfile does not see numpy 2's dispatched C functions."""

    def __init__(self):
        self.seconds = 0.0
        self.cpu_seconds = 0.0       # this thread's CPU time: robust to other jobs on a shared machine
        self._original = np.dot

    def _timed_dot(self, *args, **kwargs):
        start, cpu_start = time.perf_counter(), time.thread_time()
        result = self._original(*args, **kwargs)
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.thread_time() - cpu_start
        return result

    def __enter__(self):
        np.dot = self._timed_dot
        return self

    def __exit__(self, *exc):
        np.dot = self._original


def main() -> None:
    x, y = poisson_patterns(classes=SIZES[-1], channels=SIZES[0], steps=STEPS, samples=SAMPLES,
                            rate=0.05, jitter=1, seed=0)
    net, optimiser = build()
    loss = RateCrossEntropy()
    seconds, cpu_seconds = [], []
    with DotTimer() as blas:
        for epoch in range(EPOCHS):
            start, cpu_start = time.perf_counter(), time.thread_time()
            train_epoch(net, x, y, loss, optimiser, batch_size=BATCH, seed=epoch)
            seconds.append(time.perf_counter() - start)
            cpu_seconds.append(time.thread_time() - cpu_start)
    # Memory in a separate epoch: tracemalloc slows every allocation down.
    tracemalloc.start()
    train_epoch(net, x, y, loss, optimiser, batch_size=BATCH, seed=EPOCHS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    epoch_seconds = float(np.median(seconds))
    events = net.synaptic_operations(x)
    dense_macs = STEPS * SAMPLES * (SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2])
    rows = [(f"epoch time (median of {EPOCHS})", f"{epoch_seconds:.3f}", "s"),
            ("peak traced memory per epoch", f"{peak / 2**20:.1f}", "MiB"),
            ("synaptic events per forward pass", f"{events:.3e}", "events"),
            ("synaptic events / s of training", f"{events / epoch_seconds:.3e}", "events/s"),
            ("dense synaptic MACs / s (forward)", f"{dense_macs / epoch_seconds:.3e}", "MAC/s"),
            ("time in BLAS np.dot per epoch", f"{blas.seconds / EPOCHS:.3f}", "s"),
            ("BLAS share of the epochs", f"{100 * blas.seconds / sum(seconds):.0f}", "%"),
            ("epoch CPU time (median)", f"{np.median(cpu_seconds):.3f}", "s"),
            ("BLAS share of the epochs' CPU time", f"{100 * blas.cpu_seconds / sum(cpu_seconds):.0f}", "%"),
            (f"train accuracy after {EPOCHS + 1} epochs", f"{accuracy(net, x, y):.3f}", "")]
    print(f"SNN training, {'-'.join(map(str, SIZES))} LIF, T = {STEPS}, {SAMPLES} samples, batch {BATCH}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"{name:<{width}}  {value:>10}  {unit}")


def _epoch_seconds(run_epoch, epochs: int = 3) -> float:
    """Median wall time of `epochs` calls of run_epoch(epoch)."""
    seconds = []
    for epoch in range(epochs):
        start = time.perf_counter()
        run_epoch(epoch)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def learning_rules() -> None:
    """Time per epoch of the issue-14 models, as bench_learning_rules.py trains them."""
    import bench_learning_rules as rules
    from neuropynq.train.data import antipodal_clusters, moving_objects_events, symbol_count_band
    from neuropynq.train.ib_hebbian import ExactMemory, ReservoirMemory
    from neuropynq.train.working_memory import LastSegmentLoss

    rows = []
    events, labels = moving_objects_events(192, size=12, steps=8, noise=0.02, bursts=3, seed=0)
    for mode, name in ((None, "conv 3x3 -> pool -> dense, 192 event streams 12x12, T = 8, batch 16"),
                       ("joint", "  + STCA joint attention on the input")):
        net = rules.stca_network(mode, 12, 8, 4, seed=0)
        optimiser = Adam(net.parameters(), lr=0.03)
        rows.append((name, _epoch_seconds(lambda e: train_epoch(net, events, labels, RateCrossEntropy(5.0),
                                                                optimiser, batch_size=16, seed=e))))
    segment = 12
    x, y = symbol_count_band(512, segments=2, segment_steps=segment, channels=rules.WM_CHANNELS,
                             symbol_steps=rules.WM_SYMBOL_STEPS, seed=0)
    net = rules.snnwm_network(True, segment, seed=0)
    optimiser = Adam(net.parameters(), lr=0.01)
    loss = LastSegmentLoss(RateCrossEntropy(5.0), segment)
    rows.append(("SNNWM (delay taps, working memory), 512 trains, T = 24, batch 32",
                 _epoch_seconds(lambda e: train_epoch(net, x, y, loss, optimiser, batch_size=32, seed=e))))
    x, y = antipodal_clusters(512, seed=0)
    leaky = dict(presentation_steps=rules.IB_PRESENTATION_STEPS, leak=rules.IB_LEAK)
    net = rules.ib_network(ExactMemory(rules.IB_MEMORY_DIM, 15), seed=0, **leaky)
    rows.append(("IB Hebbian, exact memory N = 16, 512 samples x 20 steps",
                 _epoch_seconds(lambda e: net.train_epoch(x, y, seed=e))))
    memory = ReservoirMemory(rules.IB_MEMORY_DIM, 15, 1024, seed=0)
    start = time.perf_counter()
    memory.train(seed=0)
    rows.append(("  reservoir memory of 1024 units: training its readout (once)", time.perf_counter() - start))
    net = rules.ib_network(memory, seed=0, **leaky)
    rows.append(("  reservoir memory of 1024 units: one epoch", _epoch_seconds(lambda e: net.train_epoch(x, y, seed=e))))
    print("\nissue-14 models, wall time per training epoch (median of 3; the reservoir's training once)")
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>8.2f}  s")


if __name__ == "__main__":
    main()
    learning_rules()
