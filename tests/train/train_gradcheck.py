"""Central finite differences against a model's hand-derived gradients (shared by
the tests of the layers added after `test_train_gradients.py`)."""
import numpy as np
import pytest

EPS = 1e-6


def check_gradients(loss_of, parameters, backward, entries_per_parameter=5, seed=0, rel=1e-5):
    """`loss_of()` evaluates the loss at the current parameter values, `backward()`
    fills every parameter's `grad` at those values. Compares `entries_per_parameter`
    random entries of each parameter; fails if every compared gradient is ~0."""
    for p in parameters:
        p.grad[...] = 0.0
    backward()
    rng = np.random.default_rng(seed)
    largest = 0.0
    for p in parameters:
        analytic = p.grad.copy().reshape(-1)
        flat = p.value.reshape(-1)
        for i in rng.choice(flat.size, size=min(entries_per_parameter, flat.size), replace=False):
            keep = flat[i]
            flat[i] = keep + EPS
            up = loss_of()
            flat[i] = keep - EPS
            down = loss_of()
            flat[i] = keep
            numeric = (up - down) / (2 * EPS)
            assert analytic[i] == pytest.approx(numeric, rel=rel, abs=1e-8), (p.name, i)
            largest = max(largest, abs(numeric))
    assert largest > 1e-4          # real gradients were compared, not zeros


def check_network_gradients(net, x, y, loss, **kwargs):
    """`check_gradients` for a `Network` spiking with smooth primitives."""
    net.set_smooth(True)

    def backward():
        net.backward(loss(net.forward(x), y)[1])

    check_gradients(lambda: loss(net.forward(x), y)[0], net.parameters(), backward, **kwargs)
