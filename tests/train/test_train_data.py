"""Synthetic data generators and spike encoders."""
import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.train.data import (bars_and_stripes, delayed_coincidence, latency_encode, latency_times,
                                  poisson_patterns, prototype_patterns, rate_encode)


def test_bars_and_stripes_2x2_and_4x4():
    assert bars_and_stripes(2).tolist() == [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 1],
                                            [1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]
    patterns = bars_and_stripes(4)
    assert patterns.shape == (30, 16)
    assert len({p.tobytes() for p in patterns}) == 30
    images = patterns.reshape(30, 4, 4)
    rows_equal = np.all(images == images[:, :1, :], axis=(1, 2))
    cols_equal = np.all(images == images[:, :, :1], axis=(1, 2))
    assert np.all(rows_equal | cols_equal)


def test_latency_code():
    values = np.array([[1.0, 0.0, 0.5]])
    assert latency_times(values, 11).tolist() == [[0, 10, 5]]
    spikes = latency_encode(values, 11)
    assert spikes.shape == (11, 1, 3)
    assert spikes.sum() == 3 and spikes[0, 0, 0] == spikes[10, 0, 1] == spikes[5, 0, 2] == 1


def test_rate_code_frequency():
    spikes = rate_encode(np.array([[0.0, 0.25, 1.0]]), 4000, seed=0, max_rate=0.8)
    rates = spikes.mean(axis=0)[0]
    assert rates[0] == 0.0
    assert rates[2] == pytest.approx(0.8, abs=0.03)
    assert rates[1] == pytest.approx(0.2, abs=0.03)
    with pytest.raises(ModelError, match=r"\[0, 1\]"):
        rate_encode(np.array([[2.0]]), 4, seed=0)


def test_delayed_coincidence_orders_channels():
    x, y = delayed_coincidence(64, channels=3, steps=40, gap=8, jitter=0, seed=0)
    assert x.shape == (40, 64, 3) and set(y.tolist()) == {0, 1}
    assert np.all(x.sum(axis=0) == 1)                       # one spike per channel
    times = x.argmax(axis=0)                                # (samples, channels)
    gaps = np.diff(times, axis=1)
    assert np.all(gaps[y == 0] == 8) and np.all(gaps[y == 1] == -8)
    with pytest.raises(ModelError, match="cannot hold"):
        delayed_coincidence(4, channels=3, steps=16, gap=8)


def test_poisson_patterns_are_jittered_templates():
    x, y = poisson_patterns(classes=2, channels=5, steps=50, samples=4, rate=0.1, jitter=0, seed=1)
    assert y.tolist() == [0, 1, 0, 1]
    assert np.array_equal(x[:, 0], x[:, 2]) and not np.array_equal(x[:, 0], x[:, 1])
    jittered, _ = poisson_patterns(classes=2, channels=5, steps=50, samples=4, rate=0.1, jitter=2, seed=1)
    assert jittered.shape == x.shape and not np.array_equal(jittered, x)


def test_poisson_patterns_held_out_share_templates_not_samples():
    data = dict(classes=2, channels=5, steps=50, samples=4, rate=0.1, template_seed=7)
    train, _ = poisson_patterns(jitter=0, seed=1, **data)
    held_out, _ = poisson_patterns(jitter=0, seed=2, **data)
    assert np.array_equal(train, held_out)              # no jitter: the same templates
    train, _ = poisson_patterns(jitter=1, seed=1, **data)
    held_out, _ = poisson_patterns(jitter=1, seed=2, **data)
    assert not np.array_equal(train, held_out)          # fresh jitter
    other, _ = poisson_patterns(jitter=0, seed=1, **{**data, "template_seed": 8})
    assert not np.array_equal(other[:, :2], poisson_patterns(jitter=0, seed=1, **data)[0][:, :2])


def test_prototype_patterns():
    values, labels = prototype_patterns(np.array([[0.0, 1.0], [0.5, 0.5]]), 6, noise=0.0)
    assert labels.tolist() == [0, 1, 0, 1, 0, 1]
    assert values.tolist() == [[0.0, 1.0], [0.5, 0.5]] * 3
