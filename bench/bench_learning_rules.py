"""The learning rules of issue 14 at full size, several seeds each: accuracy on
held-out data (generated with another seed than the training data) with and
without each mechanism, and the time per training epoch.

    python bench/bench_learning_rules.py [stca|ib|ib-instant|ib-reservoir|ib-backprop|snnwm ...]
                                                   (stca, ib, ib-reservoir, snnwm by default)

ib: exact memories, the authors' leaky-integrator presentation; ib-instant the
same with the instantaneous tanh network; ib-reservoir: reservoir memories
trained by the reward-modulated rule, both neuron kinds; ib-backprop the same
layers trained end to end by backpropagation (the paper's reference).

Figures go to docs/train.md. One BLAS thread (see bench_train.py)."""
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from neuropynq.train.attention import TemporalChannelAttention  # noqa: E402
from neuropynq.train.conv import AvgPool2d, Conv2d, Flatten  # noqa: E402
from neuropynq.train.data import antipodal_clusters, moving_objects_events, symbol_count_band  # noqa: E402
from neuropynq.train.ib_hebbian import ExactMemory, IBHebbianNetwork, ReservoirMemory  # noqa: E402
from neuropynq.train.layers import Dense  # noqa: E402
from neuropynq.train.losses import RateCrossEntropy  # noqa: E402
from neuropynq.train.network import Network  # noqa: E402
from neuropynq.train.neurons import LIF  # noqa: E402
from neuropynq.train.optim import Adam  # noqa: E402
from neuropynq.train.training import accuracy, train_epoch  # noqa: E402
from neuropynq.train.working_memory import (DelayTaps, LastSegmentLoss, WorkingMemory,  # noqa: E402
                                            last_segment_accuracy)

SEEDS = (0, 1, 2, 3, 4)


def stca_network(mode: str | None, size: int, steps: int, channels: int, seed: int) -> Network:
    """[attention] → conv 3×3 → average pool 4×4 → dense readout; `mode` None = no attention."""
    lif = LIF(beta=0.8)
    layers = [] if mode is None else [TemporalChannelAttention((2, size, size), steps, mode=mode, key_dim=4,
                                                                seed=seed, gain_lr_scale=10.0)]
    pooled = size // 4
    layers += [Conv2d((2, size, size), channels, 3, lif, padding=1, seed=seed, weight_scale=2.0),
               AvgPool2d((channels, size, size), 4), Flatten((channels, pooled, pooled)),
               Dense(channels * pooled ** 2, 4, lif, seed=seed + 10, weight_scale=2.0)]
    return Network(layers)


def dense_network(size: int, hidden: int, seed: int) -> Network:
    """The convolution's baseline: the events flattened into a dense layer of `hidden`
    LIF neurons (as many as the pooled maps' outputs) and the same readout."""
    lif = LIF(beta=0.8)
    return Network([Flatten((2, size, size)), Dense(2 * size * size, hidden, lif, seed=seed, weight_scale=2.0),
                    Dense(hidden, 4, lif, seed=seed + 10, weight_scale=2.0)])


def stca(samples=192, size=12, steps=8, channels=4, epochs=10, bursts=3, burst_noise=0.3) -> None:
    data = dict(size=size, steps=steps, noise=0.02, bursts=bursts, burst_noise=burst_noise)
    x, y = moving_objects_events(samples, seed=0, **data)
    x_test, y_test = moving_objects_events(samples, seed=1, **data)
    print(f"STCA: moving square, {size}×{size}, T = {steps}, {bursts} flicker frames (p = {burst_noise}) per sample, "
          f"{samples} train / {samples} test, {epochs} epochs")
    for mode in ("dense", None, "temporal", "channel", "joint"):
        scores, seconds = [], []
        for seed in SEEDS:
            net = (dense_network(size, channels * (size // 4) ** 2, seed) if mode == "dense"
                   else stca_network(mode, size, steps, channels, seed))
            optimiser = Adam(net.parameters(), lr=0.03)
            for epoch in range(epochs):
                start = time.perf_counter()
                train_epoch(net, x, y, RateCrossEntropy(5.0), optimiser, batch_size=16, seed=epoch)
                seconds.append(time.perf_counter() - start)
            scores.append(accuracy(net, x_test, y_test))
        print(f"  {mode or 'none':<8}  held-out accuracy {' '.join(f'{s:.3f}' for s in scores)}  "
              f"mean {np.mean(scores):.3f}  epoch {np.median(seconds):.2f} s", flush=True)


IB_SIZES, IB_CLASSES = [6, 16, 8], 4
IB_MEMORY_DIM = IB_SIZES[0] + IB_CLASSES + sum(IB_SIZES[1:])
# The authors' presentation (github.com/darsnack/biological-hsic, experiments/mnist/memory_sweep.jl):
# membrane time constant 2 ms, time step 1 ms, each sample shown for 20 ms.
IB_PRESENTATION_STEPS, IB_LEAK = 20, 0.5


def ib_network(memory, seed: int, presentation_steps: int = 1, leak: float = 1.0) -> IBHebbianNetwork:
    """6 → 16 → 8 tanh layers, γ = 5, kernel widths σ_x = 1, σ_y = 0.3, σ_z = 0.5, lr 2 per
    sample presentation (split over its steps)."""
    return IBHebbianNetwork(IB_SIZES, IB_CLASSES, memory, gamma=5.0, sigmas=(1.0, 0.3, 0.5),
                            lr=2.0 / presentation_steps, seed=seed, presentation_steps=presentation_steps, leak=leak)


def _ib_run(memory, seed: int, x, y, x_test, y_test, epochs: int, **neurons) -> tuple[float, float]:
    net = ib_network(memory, seed, **neurons)
    start = time.perf_counter()
    for epoch in range(epochs):
        net.train_epoch(x, y, seed=epoch)
    return net.accuracy(x_test, y_test), (time.perf_counter() - start) / epochs


def ib(samples=512, epochs=6, batches=(2, 4, 8, 16, 32), presentation_steps=IB_PRESENTATION_STEPS,
       leak=IB_LEAK) -> None:
    """Exact memories. Default neurons: the paper's leaky integrators (see IB_LEAK);
    `presentation_steps=1, leak=1` is the instantaneous tanh network."""
    x, y = antipodal_clusters(samples, seed=0)
    x_test, y_test = antipodal_clusters(samples, seed=1)
    neurons = dict(presentation_steps=presentation_steps, leak=leak)
    print(f"IB Hebbian: antipodal clusters (4 classes, chance 0.25), {samples} train / {samples} test, "
          f"{'-'.join(map(str, IB_SIZES))} tanh rate neurons, membrane leak {leak}, {presentation_steps} steps "
          f"per sample, {epochs} epochs, one sample at a time")
    for n in batches:
        runs = [_ib_run(ExactMemory(IB_MEMORY_DIM, n - 1), seed, x, y, x_test, y_test, epochs, **neurons)
                for seed in SEEDS]
        scores = [r[0] for r in runs]
        print(f"  exact memory, batch N = {n:>2}: held-out {' '.join(f'{s:.3f}' for s in scores)}  "
              f"mean {np.mean(scores):.3f}  epoch {np.median([r[1] for r in runs]):.2f} s", flush=True)


def ib_reservoir(samples=512, epochs=6, batch=16, sizes=(128, 256, 512, 1024), global_reward_size=1024) -> None:
    """Reservoir memories whose readouts the reward-modulated rule trains beforehand on
    random inputs (ReservoirMemory.train defaults), seeds 0–2; each trained memory serves
    both the leaky and the instantaneous network. Last row: the authors' single scalar
    reward instead of one per readout."""
    x, y = antipodal_clusters(samples, seed=0)
    x_test, y_test = antipodal_clusters(samples, seed=1)
    kinds = {"leaky": dict(presentation_steps=IB_PRESENTATION_STEPS, leak=IB_LEAK),
             "instantaneous": dict(presentation_steps=1, leak=1.0)}
    print(f"IB Hebbian with reservoir memories (batch N = {batch}), {samples} train / {samples} test, {epochs} epochs")
    rows = [(size, "per_readout") for size in sizes] + [(global_reward_size, "global")]
    for size, reward in rows:
        errors, train_seconds, results = [], [], {kind: [] for kind in kinds}
        for seed in SEEDS[:3]:
            memory = ReservoirMemory(IB_MEMORY_DIM, batch - 1, size, seed=seed)
            start = time.perf_counter()
            errors.append(memory.train(seed=seed, reward=reward))
            train_seconds.append(time.perf_counter() - start)
            for kind, neurons in kinds.items():
                results[kind].append(_ib_run(memory, seed, x, y, x_test, y_test, epochs, **neurons))
        print(f"  {size:>4} units, {reward} reward: recall error {' '.join(f'{e:.2f}' for e in errors)}, "
              f"readout training {np.median(train_seconds):.0f} s", flush=True)
        for kind, runs in results.items():
            scores = [r[0] for r in runs]
            print(f"      {kind:<13} held-out {' '.join(f'{s:.3f}' for s in scores)}  mean {np.mean(scores):.3f}  "
                  f"epoch {np.median([r[1] for r in runs]):.2f} s", flush=True)


def ib_backprop(samples=512, epochs=6, lr=0.05) -> None:
    """The paper's reference: the same 6 → 16 → 8 tanh layers plus a softmax layer of 4,
    trained end to end by backpropagation of the cross-entropy, one sample at a time."""
    x, y = antipodal_clusters(samples, seed=0)
    x_test, y_test = antipodal_clusters(samples, seed=1)
    sizes = IB_SIZES + [IB_CLASSES]
    scores, seconds = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        weights = [rng.standard_normal((n_in, n_out)) / np.sqrt(n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        biases = [np.zeros(n) for n in sizes[1:]]

        def forward(v):
            activity = [v]
            for layer, (w, b) in enumerate(zip(weights, biases)):
                u = np.dot(activity[-1], w) + b
                activity.append(u if layer == len(weights) - 1 else np.tanh(u))
            return activity

        start = time.perf_counter()
        for epoch in range(epochs):
            for n in np.random.default_rng(epoch).permutation(samples):
                activity = forward(x[n])
                p = np.exp(activity[-1] - activity[-1].max())
                error = p / p.sum() - np.eye(IB_CLASSES)[y[n]]         # d(cross-entropy)/d(logits)
                for layer in range(len(weights) - 1, -1, -1):
                    below = np.dot(weights[layer], error) * (1.0 - activity[layer] ** 2) if layer else None
                    weights[layer] -= lr * np.outer(activity[layer], error)
                    biases[layer] -= lr * error
                    error = below
        seconds.append((time.perf_counter() - start) / epochs)
        scores.append(float(np.mean(np.argmax(forward(x_test)[-1], axis=1) == y_test)))
    print(f"IB reference: backpropagation, {'-'.join(map(str, sizes))} (tanh, softmax), lr {lr}, {epochs} epochs: "
          f"held-out {' '.join(f'{s:.3f}' for s in scores)}  mean {np.mean(scores):.3f}  "
          f"epoch {np.median(seconds):.2f} s", flush=True)


WM_CHANNELS, WM_SYMBOL_STEPS = 12, 4


def snnwm_network(memory: bool, segment: int, seed: int) -> Network:
    """3 delay taps → 32 LIF → [working memory, 16 slots] → 16 LIF → 2 LIF."""
    lif = LIF(beta=0.8)
    layers = [DelayTaps(WM_CHANNELS, 3), Dense(3 * WM_CHANNELS, 32, lif, seed=seed, weight_scale=2.0)]
    if memory:
        layers += [WorkingMemory(32, 16, segment, seed=seed + 1),
                   Dense(48, 16, lif, seed=seed + 2, weight_scale=2.0)]
    else:
        layers += [Dense(32, 16, lif, seed=seed + 2, weight_scale=2.0)]
    return Network(layers + [Dense(16, 2, lif, seed=seed + 3, weight_scale=2.0)])


def snnwm_run(variant: str, segment: int, seed: int, x, y, x_test, y_test, epochs: int) -> tuple[float, float]:
    """variant "memory" (SNNWM, decision in the last segment), "last" (no memory, decision
    in the last segment) or "whole" (no memory, spike counts over the whole train)."""
    net = snnwm_network(variant == "memory", segment, seed)
    optimiser = Adam(net.parameters(), lr=0.01)
    loss = RateCrossEntropy(5.0) if variant == "whole" else LastSegmentLoss(RateCrossEntropy(5.0), segment)
    start = time.perf_counter()
    for epoch in range(epochs):
        train_epoch(net, x, y, loss, optimiser, batch_size=32, seed=epoch)
    seconds = (time.perf_counter() - start) / epochs
    score = accuracy(net, x_test, y_test) if variant == "whole" else last_segment_accuracy(net, x_test, y_test, segment)
    return score, seconds


def snnwm(samples=512, epochs=20, segments=2, segment_lengths=(8, 12)) -> None:
    print(f"SNNWM: {segments} segments, each one of two symbols ({WM_SYMBOL_STEPS} steps, {WM_CHANNELS} channels) "
          f"then silence; label: exactly half the segments show symbol 1; {samples} train / {samples} test, "
          f"{epochs} epochs")
    for segment in segment_lengths:
        data = dict(segments=segments, segment_steps=segment, channels=WM_CHANNELS, symbol_steps=WM_SYMBOL_STEPS)
        x, y = symbol_count_band(samples, seed=0, **data)
        x_test, y_test = symbol_count_band(samples, seed=1, **data)
        for variant in ("memory", "last", "whole"):
            runs = [snnwm_run(variant, segment, seed, x, y, x_test, y_test, epochs) for seed in SEEDS]
            scores = [r[0] for r in runs]
            print(f"  T = {segments * segment:>2}, {variant:<6}  held-out {' '.join(f'{s:.3f}' for s in scores)}  "
                  f"mean {np.mean(scores):.3f}  epoch {np.median([r[1] for r in runs]):.2f} s", flush=True)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["stca", "ib", "ib-reservoir", "snnwm"]:
        if name == "ib-reservoir":
            ib_reservoir()
        elif name == "ib-instant":
            ib(presentation_steps=1, leak=1.0)
        elif name == "ib-backprop":
            ib_backprop()
        else:
            globals()[name]()
