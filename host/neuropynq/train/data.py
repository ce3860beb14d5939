"""Synthetic spatio-temporal data and spike encoders (nothing is downloaded).

Spike trains are float64 arrays of shape (T, samples, channels) holding 0/1, the
layout `Network.forward` takes; labels are int64 vectors.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..errors import ModelError


def _require_positive(name: str, value) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ModelError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_unit_values(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ModelError(f"values must be a (samples, features) array, got shape {values.shape}")
    if np.any(~np.isfinite(values)) or np.any(values < 0) or np.any(values > 1):
        raise ModelError("values to encode must lie in [0, 1]")
    return values


def rate_encode(values, steps: int, seed: int, max_rate: float = 1.0) -> np.ndarray:
    """Bernoulli spikes: feature v spikes at each step with probability v·max_rate."""
    values = _check_unit_values(values)
    steps = _require_positive("steps", steps)
    if not 0 < max_rate <= 1:
        raise ModelError(f"max_rate must be in (0, 1], got {max_rate!r}")
    rng = np.random.default_rng(seed)
    return (rng.random((steps,) + values.shape) < max_rate * values).astype(np.float64)


def latency_times(values, steps: int) -> np.ndarray:
    """Spike step of each feature under `latency_encode`: round((1 − v)·(T − 1))
    (larger values spike earlier)."""
    values = _check_unit_values(values)
    steps = _require_positive("steps", steps)
    return np.rint((1.0 - values) * (steps - 1)).astype(np.int64)


def latency_encode(values, steps: int) -> np.ndarray:
    """One spike per feature, at `latency_times`."""
    times = latency_times(values, steps)
    spikes = np.zeros((steps,) + times.shape)
    samples, features = np.indices(times.shape)
    spikes[times, samples, features] = 1.0
    return spikes


def poisson_patterns(classes: int, channels: int, steps: int, samples: int, rate: float = 0.05,
                     jitter: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each class is a frozen Poisson spike pattern (per-step probability `rate`);
    a sample is its class's pattern with every spike moved by a uniform whole
    number of steps in [−jitter, jitter] (clipped to the window). Classes cycle."""
    classes, channels = _require_positive("classes", classes), _require_positive("channels", channels)
    steps, samples = _require_positive("steps", steps), _require_positive("samples", samples)
    rng = np.random.default_rng(seed)
    templates = rng.random((classes, steps, channels)) < rate
    labels = np.arange(samples) % classes
    x = np.zeros((steps, samples, channels))
    for s, label in enumerate(labels):
        t, c = np.nonzero(templates[label])
        t = np.clip(t + rng.integers(-jitter, jitter + 1, t.size), 0, steps - 1)
        x[t, s, c] = 1.0
    return x, labels


def delayed_coincidence(samples: int, channels: int = 2, steps: int = 40, gap: int = 8,
                        jitter: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Order of channels, a task that needs delays: every channel spikes exactly
    once, `gap` steps after the previous one (± `jitter`), at a random onset; in
    class 0 the channels fire in the order 0, 1, …, in class 1 in reverse order.
    Spike counts and inter-spike gaps are identical, so a network whose membranes
    forget within `gap` steps can only tell the classes apart by delaying the
    channels into coincidence."""
    samples, channels = _require_positive("samples", samples), _require_positive("channels", channels)
    if channels < 2:
        raise ModelError("delayed coincidence needs at least 2 channels")
    span = (channels - 1) * gap + 2 * jitter
    if steps <= span:
        raise ModelError(f"steps = {steps} cannot hold {channels} channels {gap} steps apart (need > {span})")
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, samples)
    onset = rng.integers(jitter, steps - span + jitter, samples)
    rank = np.where(labels[:, None] == 0, np.arange(channels), np.arange(channels)[::-1])
    times = onset[:, None] + gap * rank + rng.integers(-jitter, jitter + 1, (samples, channels))
    x = np.zeros((steps, samples, channels))
    x[times, np.arange(samples)[:, None], np.arange(channels)] = 1.0
    return x, labels


def bars_and_stripes(size: int = 4) -> np.ndarray:
    """All distinct size×size bars-and-stripes images, flattened row-major: every
    pattern whose rows are all equal (stripes) or columns all equal (bars);
    2^(size+1) − 2 of them (all-off and all-on counted once), uint8."""
    size = _require_positive("size", size)
    patterns = set()
    for bits in itertools.product((0, 1), repeat=size):
        column = np.array(bits, dtype=np.uint8)
        patterns.add(tuple(np.repeat(column, size)))         # each row constant: stripes
        patterns.add(tuple(np.tile(column, size)))           # each column constant: bars
    return np.array(sorted(patterns), dtype=np.uint8)


def prototype_patterns(prototypes, samples: int, noise: float = 0.05,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy copies of `prototypes` (K, features) in [0, 1]: sample s copies prototype
    s mod K plus N(0, noise²) per feature, clipped to [0, 1]. Returns (values, labels)."""
    prototypes = _check_unit_values(prototypes)
    samples = _require_positive("samples", samples)
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % prototypes.shape[0]
    values = prototypes[labels] + noise * rng.standard_normal((samples, prototypes.shape[1]))
    return np.clip(values, 0.0, 1.0), labels
