"""Spiking convolution and pooling: shapes, the unfolding against a direct
convolution, gradients against finite differences, and learning on held-out data."""
import numpy as np
import pytest
from train_gradcheck import check_gradients, check_network_gradients

from neuropynq.errors import ModelError
from neuropynq.train.conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from neuropynq.train.layers import Dense
from neuropynq.train.losses import RateCrossEntropy
from neuropynq.train.network import Network
from neuropynq.train.neurons import LIF, AdaptiveLIF
from neuropynq.train.parameter import Parameter
from neuropynq.train.surrogates import make_surrogate


def _spikes(shape, rate=0.4, seed=0):
    return (np.random.default_rng(seed).random(shape) < rate).astype(float)


def test_conv_currents_equal_a_direct_convolution():
    # Threshold out of reach: no spikes, so the membrane after step 0 is the current.
    conv = Conv2d((2, 5, 6), 3, 3, LIF(beta=0.0, threshold=1e9), stride=2, padding=1, seed=1)
    x = _spikes((1, 2, 2, 5, 6))
    conv.forward(x)
    current = conv._run.margin[0] + 1e9                                   # (batch, H'·W'·C')
    kernel = conv.W.value.reshape(2, 3, 3, 3)                            # (C, kh, kw, C')
    padded = np.pad(x[0], ((0, 0), (0, 0), (1, 1), (1, 1)))
    assert conv.out_shape == (3, 3, 3)
    for b in range(2):
        for i in range(3):
            for j in range(3):
                patch = padded[b, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
                expected = np.einsum("cxy,cxyo->o", patch, kernel)
                assert np.allclose(current[b].reshape(3, 3, 3)[i, j], expected)


def test_pooling_values():
    x = np.arange(16.0).reshape(1, 1, 1, 4, 4)
    assert AvgPool2d((1, 4, 4)).forward(x)[0, 0, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]
    assert MaxPool2d((1, 4, 4)).forward(x)[0, 0, 0].tolist() == [[5.0, 7.0], [13.0, 15.0]]


@pytest.mark.parametrize("pool", [AvgPool2d, MaxPool2d])
@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_conv_network_gradients(pool, reset):
    neuron = LIF(beta=0.8, threshold=0.6, reset=reset, surrogate=make_surrogate("sigmoid", 2.0))
    conv1 = Conv2d((2, 6, 6), 3, 3, neuron, padding=1, seed=2, weight_scale=2.0)
    conv2 = Conv2d((3, 6, 6), 2, 3, neuron, stride=1, padding=0, seed=3, weight_scale=2.0)
    net = Network([conv1, conv2, pool((2, 4, 4)), Flatten((2, 2, 2)), Dense(8, 3, neuron, seed=4, weight_scale=2.0)])
    x = _spikes((5, 3, 2, 6, 6), seed=5)
    check_network_gradients(net, x, np.array([0, 2, 1]), RateCrossEntropy(4.0))


def test_strided_adaptive_conv_gradients():
    neuron = AdaptiveLIF(beta=0.85, threshold=0.5, surrogate=make_surrogate("arctan", 2.0), rho=0.8, kappa=0.3)
    net = Network([Conv2d((1, 7, 7), 2, 3, neuron, stride=2, padding=1, seed=6, weight_scale=2.0),
                   Flatten((2, 4, 4)), Dense(32, 2, LIF(surrogate=make_surrogate("arctan", 2.0)), seed=7)])
    check_network_gradients(net, _spikes((4, 2, 1, 7, 7), seed=8), np.array([1, 0]), RateCrossEntropy(4.0))


def test_pool_input_gradient_matches_finite_differences():
    # Max pooling is piecewise linear: away from ties its input gradient is exact.
    x = Parameter("x", np.random.default_rng(9).random((2, 1, 2, 4, 4)))
    weights = np.random.default_rng(10).standard_normal((2, 1, 2, 2, 2))
    for pool in (AvgPool2d((2, 4, 4)), MaxPool2d((2, 4, 4))):
        def backward(pool=pool):
            pool.forward(x.value)
            x.grad += pool.backward(weights)
        check_gradients(lambda pool=pool: float(np.sum(pool.forward(x.value) * weights)), [x], backward, x.value.size)


def test_bad_shapes_are_rejected():
    with pytest.raises(ModelError, match="does not fit"):
        Conv2d((1, 2, 2), 1, 3)
    with pytest.raises(ModelError, match="does not split"):
        AvgPool2d((1, 5, 4))
    with pytest.raises(ModelError, match=r"expects inputs of shape \(4, 2, 4\)"):
        Network([Conv2d((1, 4, 4), 2, 1), MaxPool2d((4, 2, 4))])
    with pytest.raises(ModelError, match=r"\(T, batch, 1, 4, 4\)"):
        Conv2d((1, 4, 4), 2, 3, padding=1).forward(np.zeros((2, 1, 4, 4)))


def test_conv_network_learns_motion_direction_on_held_out_events():
    from neuropynq.train.data import moving_objects_events
    from neuropynq.train.optim import Adam
    from neuropynq.train.training import accuracy, train_epoch
    x, y = moving_objects_events(192, size=12, steps=8, seed=0)
    x_test, y_test = moving_objects_events(192, size=12, steps=8, seed=1)       # held out: another seed
    neuron = LIF(beta=0.8)
    net = Network([Conv2d((2, 12, 12), 4, 3, neuron, padding=1, seed=0, weight_scale=2.0), AvgPool2d((4, 12, 12), 4),
                   Flatten((4, 3, 3)), Dense(36, 4, neuron, seed=10, weight_scale=2.0)])
    optimiser = Adam(net.parameters(), lr=0.03)
    assert accuracy(net, x_test, y_test) <= 0.4                  # 4 classes: chance 0.25
    for epoch in range(10):
        train_epoch(net, x, y, RateCrossEntropy(5.0), optimiser, batch_size=16, seed=epoch)
    # Seeds 0, 1, 2 of the network all reach 1.0 on this split.
    assert accuracy(net, x_test, y_test) >= 0.95


def test_moving_objects_events_are_on_off_edges():
    from neuropynq.train.data import moving_objects_events
    x, y = moving_objects_events(4, size=8, steps=4, object_size=2, noise=0.0, seed=3)
    assert x.shape == (4, 4, 2, 8, 8) and y.tolist() == [0, 1, 2, 3]
    # Without noise a 2-pixel square moving one pixel per step turns on 2 pixels
    # (its leading edge) and off 2 (its trailing edge) at every step after the first.
    assert np.all(x[1:].sum(axis=(3, 4)) == 2) and np.all(x[0] == 0)
    with pytest.raises(ModelError, match="does not fit"):
        moving_objects_events(4, size=8, steps=8, object_size=2)


def test_conv_networks_count_events_and_refuse_to_be_saved(tmp_path):
    from neuropynq.train.serialise import save_network
    net = Network([Conv2d((1, 4, 4), 3, 3, LIF(threshold=1e9), padding=1), AvgPool2d((3, 4, 4), 2),
                   Flatten((3, 2, 2)), Dense(12, 2)])
    x = np.zeros((2, 1, 1, 4, 4))
    x[0, 0, 0, 1, 1] = x[1, 0, 0, 2, 3] = 1.0
    # 2 input spikes × 3 maps × 9 offsets; nothing fires after (threshold out of reach).
    assert net.synaptic_operations(x) == 2 * 27
    with pytest.raises(ModelError, match="layer 0 is a conv2d layer"):
        save_network(net, tmp_path / "conv.npz")
