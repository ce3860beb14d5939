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
                     jitter: int = 1, seed: int = 0,
                     template_seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each class is a frozen Poisson spike pattern (per-step probability `rate`);
    a sample is its class's pattern with every spike moved by a uniform whole
    number of steps in [−jitter, jitter] (clipped to the window). Classes cycle.
    The templates come from `template_seed`, the jitter from `seed`: held-out
    data = the same `template_seed`, another `seed`. Without `template_seed` both
    come from `seed` (one stream: one set of samples to split, not two sets)."""
    classes, channels = _require_positive("classes", classes), _require_positive("channels", channels)
    steps, samples = _require_positive("steps", steps), _require_positive("samples", samples)
    rng = np.random.default_rng(seed)
    template_rng = rng if template_seed is None else np.random.default_rng(template_seed)
    templates = template_rng.random((classes, steps, channels)) < rate
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


def moving_objects_events(samples: int, size: int = 16, steps: int = 16, object_size: int = 3,
                          noise: float = 0.01, bursts: int = 0, burst_noise: float = 0.3,
                          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Event-camera-like streams of a bright square moving one pixel per step, shape
    (T, samples, 2, size, size): channel 0 holds ON events (a pixel turned on since the
    last step), channel 1 OFF events. Class = direction (0 right, 1 left, 2 down,
    3 up; classes cycle over samples); the start is random with the whole path inside
    the frame. Every pixel also fires a spurious event of either polarity with
    probability `noise` per step, and `bursts` random steps per sample carry
    `burst_noise` instead (sensor flicker: frames that carry no information)."""
    samples, size, steps = (_require_positive(n, v) for n, v in
                            (("samples", samples), ("size", size), ("steps", steps)))
    object_size = _require_positive("object_size", object_size)
    if object_size + steps - 1 > size:
        raise ModelError(f"a {object_size}-pixel object moving {steps - 1} pixels does not fit a {size}-pixel frame")
    if not (0 <= noise <= 1 and 0 <= burst_noise <= 1):
        raise ModelError("noise probabilities must lie in [0, 1]")
    if not isinstance(bursts, (int, np.integer)) or not 0 <= bursts <= steps:
        raise ModelError(f"bursts must be a whole number in [0, {steps}], got {bursts!r}")
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % 4
    travel = steps - 1
    directions = np.array([(0, 1), (0, -1), (1, 0), (-1, 0)])          # (row, column) per step
    frames = np.zeros((steps + 1, samples, size, size), dtype=bool)     # occupancy, one frame before t = 0
    for s, label in enumerate(labels):
        dr, dc = directions[label]
        low_r, high_r = (travel if dr < 0 else 0), size - object_size - (travel if dr > 0 else 0)
        low_c, high_c = (travel if dc < 0 else 0), size - object_size - (travel if dc > 0 else 0)
        r0, c0 = rng.integers(low_r, high_r + 1), rng.integers(low_c, high_c + 1)
        for t in range(steps):
            r, c = r0 + dr * t, c0 + dc * t
            frames[t + 1, s, r:r + object_size, c:c + object_size] = True
    frames[0] = frames[1]                  # the object is already there before the first step
    events = np.zeros((steps, samples, 2, size, size))
    events[:, :, 0] = frames[1:] & ~frames[:-1]
    events[:, :, 1] = frames[:-1] & ~frames[1:]
    rate = np.full((steps, samples), noise)
    for s in range(samples):
        rate[rng.choice(steps, size=bursts, replace=False), s] = burst_noise
    spurious = rng.random(events.shape) < rate[:, :, None, None, None] / 2     # either polarity
    return np.maximum(events, spurious), labels


def antipodal_clusters(samples: int, dim: int = 6, noise: float = 0.3,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 4-class problem no linear readout (and no nearest class mean) of the raw
    input solves: the first 3 coordinates sit near a corner c of the cube {±1}³,
    class = which of the 4 antipodal pairs {c, −c} the corner belongs to, so every
    class has mean 0; the remaining dim − 3 coordinates are noise. Every
    coordinate gets N(0, noise²). Returns (x (samples, dim), labels); classes cycle."""
    samples, dim = _require_positive("samples", samples), _require_positive("dim", dim)
    if dim < 3:
        raise ModelError(f"dim must be at least 3, got {dim}")
    rng = np.random.default_rng(seed)
    corners = np.array(list(itertools.product((-1.0, 1.0), repeat=3)))[:4]      # one corner of each pair
    labels = np.arange(samples) % 4
    x = noise * rng.standard_normal((samples, dim))
    x[:, :3] += corners[labels] * rng.choice((-1.0, 1.0), samples)[:, None]
    return x, labels



def symbol_count_band(samples: int, segments: int = 4, segment_steps: int = 5, channels: int = 12,
                      rate: float = 0.3, seed: int = 0, symbol_seed: int = 0,
                      symbol_steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A label spread over the whole train: every segment of `segment_steps` steps
    shows, in its first `symbol_steps` steps (default: all; the rest is silent),
    one of two symbols (frozen Poisson patterns over `channels` inputs,
    per-step probability `rate`; each spike dropped with probability 0.2 and
    spurious ones added at 0.2·rate); label 1 iff exactly half of the `segments`
    (an even number) show symbol 1. Classes are balanced (half the samples have
    label 1, the others a uniformly drawn sequence with another count). The label
    is not monotone in any per-segment evidence, so a readout that sums
    per-segment votes over time cannot tell it. Returns (T = segments·segment_steps,
    samples, channels) spikes and labels. The two symbols come from `symbol_seed`,
    the sequences and noise from `seed`: held-out data = same symbols, another seed."""
    samples, segments = _require_positive("samples", samples), _require_positive("segments", segments)
    segment_steps, channels = _require_positive("segment_steps", segment_steps), _require_positive("channels", channels)
    if segments % 2:
        raise ModelError(f"segments must be even (label: exactly half show symbol 1), got {segments}")
    symbol_steps = segment_steps if symbol_steps is None else _require_positive("symbol_steps", symbol_steps)
    if symbol_steps > segment_steps:
        raise ModelError(f"symbol_steps = {symbol_steps} exceeds segment_steps = {segment_steps}")
    templates = np.random.default_rng(symbol_seed).random((2, symbol_steps, channels)) < rate
    rng = np.random.default_rng(seed)
    sequences = np.array(list(itertools.product((0, 1), repeat=segments)))
    balanced = sequences.sum(axis=1) == segments // 2
    labels = np.arange(samples) % 2
    pool = [sequences[~balanced], sequences[balanced]]
    symbols = np.array([pool[label][rng.integers(len(pool[label]))] for label in labels])
    x = np.zeros((segments * segment_steps, samples, channels))
    for seg in range(segments):
        pattern = templates[symbols[:, seg]].transpose(1, 0, 2)               # (steps, samples, channels)
        kept = pattern & (rng.random(pattern.shape) >= 0.2)
        spurious = rng.random(pattern.shape) < 0.2 * rate
        x[seg * segment_steps:seg * segment_steps + symbol_steps] = kept | spurious
    return x, labels
