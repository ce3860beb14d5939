"""The learning rules of issue 14 at full size, several seeds each: accuracy on
held-out data (generated with another seed than the training data) with and
without each mechanism, and the time per training epoch.

    python bench/bench_learning_rules.py [stca|ib|snnwm ...]     (all three by default)

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
from neuropynq.train.data import moving_objects_events  # noqa: E402
from neuropynq.train.layers import Dense  # noqa: E402
from neuropynq.train.losses import RateCrossEntropy  # noqa: E402
from neuropynq.train.network import Network  # noqa: E402
from neuropynq.train.neurons import LIF  # noqa: E402
from neuropynq.train.optim import Adam  # noqa: E402
from neuropynq.train.training import accuracy, train_epoch  # noqa: E402

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


def stca(samples=192, size=12, steps=8, channels=4, epochs=10, bursts=3, burst_noise=0.3) -> None:
    data = dict(size=size, steps=steps, noise=0.02, bursts=bursts, burst_noise=burst_noise)
    x, y = moving_objects_events(samples, seed=0, **data)
    x_test, y_test = moving_objects_events(samples, seed=1, **data)
    print(f"STCA: moving square, {size}×{size}, T = {steps}, {bursts} flicker frames (p = {burst_noise}) per sample, "
          f"{samples} train / {samples} test, {epochs} epochs")
    for mode in (None, "temporal", "channel", "joint"):
        scores, seconds = [], []
        for seed in SEEDS:
            net = stca_network(mode, size, steps, channels, seed)
            optimiser = Adam(net.parameters(), lr=0.03)
            for epoch in range(epochs):
                start = time.perf_counter()
                train_epoch(net, x, y, RateCrossEntropy(5.0), optimiser, batch_size=16, seed=epoch)
                seconds.append(time.perf_counter() - start)
            scores.append(accuracy(net, x_test, y_test))
        print(f"  {mode or 'none':<8}  held-out accuracy {' '.join(f'{s:.3f}' for s in scores)}  "
              f"mean {np.mean(scores):.3f}  epoch {np.median(seconds):.2f} s", flush=True)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["stca", "ib", "snnwm"]:
        globals()[name]()
