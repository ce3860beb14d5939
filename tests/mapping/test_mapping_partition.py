"""Partition: every slice respects the core limits and every synapse lies in exactly
one slice — property tests on random dense, recurrent, sparse and conv layers,
checked against brute-force counts — plus hand-computed partitions."""
import numpy as np
import pytest

from neuropynq.errors import LimitError, ModelError
from neuropynq.mapping import ConvLayer, DenseLayer, Network, SPINNAKER2, TIANJICX
from neuropynq.mapping.chip import Chip
from neuropynq.mapping.partition import mapping_limit, partition_network


def small_chip(neurons, fanin, synapses, rows=4, cols=4):
    return Chip("test", rows, cols, neurons, fanin, synapses, 10.0, 2.0, 2.0, 1.0, 1.0, 100.0)


def check_limits(slices, chip):
    for s in slices:
        assert 1 <= s.neurons <= chip.neurons_per_core
        assert s.fanin <= chip.fanin_per_core
        assert s.synapses <= chip.synapses_per_core


def check_merges(slices):
    """Each partial group has exactly one merge slice with the same outputs, whose
    fan-in is one partial sum per neuron and partial slice."""
    groups = {}
    for s in slices:
        groups.setdefault((s.layer, s.group), []).append(s)
    for members in groups.values():
        roles = [s.role for s in members]
        if "partial" in roles:
            partials = [s for s in members if s.role == "partial"]
            assert roles.count("merge") == 1 and len(partials) >= 2
            merge = next(s for s in members if s.role == "merge")
            assert all(p.out == merge.out and p.neurons == merge.neurons for p in partials)
            assert merge.fanin == merge.synapses == len(partials) * merge.neurons
        else:
            assert roles.count("direct") == 1 and len(roles) == 1


def dense_cover(layer, slices, rates_in):
    """Brute force: how often each (output, fan-in input) pair is covered, and each
    slice's synapses, distinct inputs and synaptic events."""
    full = np.ones((layer.n_out, layer.fanin_size), dtype=bool)
    if layer.recurrent:
        full[np.arange(layer.n_out), layer.n_in + np.arange(layer.n_out)] = False
    mask = full if layer.mask is None else layer.mask
    cover = np.zeros(mask.shape, dtype=int)
    for s in slices:
        if s.role == "merge":
            continue
        (o0, o1), _, _ = s.out
        (i0, i1), = s.inputs
        cover[o0:o1, i0:i1] += 1
        block = mask[o0:o1, i0:i1]
        assert s.synapses == block.sum()
        assert s.fanin == (block.any(axis=0).sum() if layer.mask is not None else i1 - i0)
        assert s.events == pytest.approx(float((block * rates_in[i0:i1]).sum()))
    return cover, mask


@pytest.mark.parametrize("case", range(40))
def test_random_dense_layers_respect_limits_and_cover_every_synapse_once(case):
    rng = np.random.default_rng(1000 + case)
    chip = small_chip(int(rng.integers(2, 40)), int(rng.integers(4, 40)), int(rng.integers(40, 400)))
    n_in = int(rng.integers(1, chip.fanin_per_core ** 2 // 3 + 2))
    n_out = int(rng.integers(1, 120))
    recurrent = bool(rng.integers(2)) and n_in + n_out <= chip.fanin_per_core ** 2 // 3
    fanin = n_in + (n_out if recurrent else 0)
    mask = rng.random((n_out, fanin)) < rng.uniform(0.05, 1) if case % 3 == 0 else None
    layer = DenseLayer(n_in, n_out, rng.uniform(0, 1, n_out), recurrent, mask)
    net = Network([layer], input_rate=0.3)
    slices = partition_network(net, chip).slices
    check_limits(slices, chip)
    check_merges(slices)
    rates_in = np.concatenate([np.full(n_in, 0.3), layer.rate]) if recurrent else np.full(n_in, 0.3)
    cover, mask = dense_cover(layer, slices, rates_in)
    assert np.all(cover == 1)
    assert sum(s.synapses for s in slices if s.role != "merge") == mask.sum() == layer.synapses
    # Every output neuron is held by exactly one direct or merge slice.
    held = np.zeros(n_out, dtype=int)
    for s in slices:
        if s.role != "partial":
            held[s.out[0][0]:s.out[0][1]] += 1
    assert np.all(held == 1)


def conv_brute_force(layer, s):
    """Synapses and distinct inputs of a conv slice by enumerating its connections."""
    (c0, c1), (y0, y1), (x0, x1) = s.out
    (i0, i1), _, _ = s.inputs
    taps, inputs = 0, set()
    for oy in range(y0, y1):
        for ox in range(x0, x1):
            for ky in range(layer.kernel):
                for kx in range(layer.kernel):
                    iy = oy * layer.stride - layer.padding + ky
                    ix = ox * layer.stride - layer.padding + kx
                    if 0 <= iy < layer.height and 0 <= ix < layer.width:
                        taps += 1
                        inputs.add((iy, ix))
    return (c1 - c0) * (i1 - i0) * taps, (i1 - i0) * len(inputs)


@pytest.mark.parametrize("case", range(30))
def test_random_conv_layers_respect_limits_and_cover_every_synapse_once(case):
    rng = np.random.default_rng(2000 + case)
    kernel = int(rng.integers(1, 5))
    chip = small_chip(int(rng.integers(4, 64)), int(rng.integers(kernel * kernel, 200)),
                      int(rng.integers(kernel * kernel, 2000)))
    layer = ConvLayer(int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(kernel, 12)),
                      int(rng.integers(kernel, 12)), kernel, 0.2, stride=int(rng.integers(1, 3)),
                      padding=int(rng.integers(0, kernel)))
    slices = partition_network(Network([layer], input_rate=0.5), chip).slices
    check_limits(slices, chip)
    check_merges(slices)
    cover = np.zeros((layer.out_channels, layer.out_height, layer.out_width, layer.in_channels), int)
    for s in slices:
        if s.role == "merge":
            continue
        (c0, c1), (y0, y1), (x0, x1) = s.out
        (i0, i1), _, _ = s.inputs
        cover[c0:c1, y0:y1, x0:x1, i0:i1] += 1
        synapses, fanin = conv_brute_force(layer, s)
        assert (s.synapses, s.fanin) == (synapses, fanin)
        assert s.events == pytest.approx(0.5 * synapses)
    assert np.all(cover == 1)
    assert sum(s.synapses for s in slices if s.role != "merge") == layer.synapses


def test_dense_784_300_on_spinnaker2_by_hand():
    # 32768 synapses per core / 784 inputs = 41 neurons per slice: 7 x 41 + 13.
    net = Network([DenseLayer(784, 300, 0.05), DenseLayer(300, 10, 0.05)], input_rate=0.2)
    part = partition_network(net, SPINNAKER2)
    sizes = [s.neurons for s in part.slices]
    assert sizes == [41] * 7 + [13] + [10]
    assert all(s.role == "direct" for s in part.slices)
    assert part.slices[0].events == pytest.approx(41 * 784 * 0.2)
    assert part.limit == mapping_limit(net, SPINNAKER2) == -(-(784 * 300 + 300 * 10) // 32768) == 8


def test_fanin_beyond_core_is_split_and_merged_on_tianjicx():
    # 600 inputs > 256 axons: 3 partial groups of 200; the merge reads 3 partial sums per
    # neuron, so at most 256 // 3 = 85 neurons per group: groups 85 + 15.
    part = partition_network(Network([DenseLayer(600, 100, 0.1)]), TIANJICX)
    assert [(s.role, s.neurons, s.fanin) for s in part.slices] == (
        [("partial", 85, 200)] * 3 + [("merge", 85, 255)] + [("partial", 15, 200)] * 3 + [("merge", 15, 45)])
    assert [s.inputs for s in part.slices[:3]] == [((0, 200),), ((200, 400),), ((400, 600),)]


def test_conv_partition_by_hand():
    # 1 -> 4 channels, 8x8, 3x3 same padding; 64 neurons, 100 inputs, 10000 synapses per core.
    # Whole-image tiles need 64 neurons per channel, so 1 channel per core: 4 slices, each
    # reading the whole 8x8 input with 3*3 taps minus the border: 22 * 22 synapses.
    layer = ConvLayer(1, 4, 8, 8, 3, 0.1)
    part = partition_network(Network([layer]), small_chip(64, 100, 10000))
    assert [(s.out, s.fanin, s.synapses) for s in part.slices] == [
        (((c, c + 1), (0, 8), (0, 8)), 64, 22 * 22) for c in range(4)]
    assert layer.synapses == 4 * 22 * 22


def test_mapping_limit_counts_neurons_and_synapses():
    net = Network([DenseLayer(10, 1000, 0.1)])
    assert mapping_limit(net, small_chip(100, 64, 1_000_000)) == 10       # neurons bound
    assert mapping_limit(net, small_chip(10_000, 64, 999)) == 11          # 10000 synapses / 999


def test_partition_never_beats_the_mapping_limit():
    rng = np.random.default_rng(7)
    for _ in range(10):
        net = Network([DenseLayer(int(rng.integers(1, 500)), int(rng.integers(1, 500)), 0.1)])
        part = partition_network(net, TIANJICX)
        assert part.cores >= part.limit


def test_layers_that_cannot_fit_are_limit_errors():
    with pytest.raises(LimitError, match="layer 0: fan-in 2000 needs more than 16 partial sums"):
        partition_network(Network([DenseLayer(2000, 4, 0.1)]), small_chip(8, 16, 10_000))
    with pytest.raises(LimitError, match="layer 0: a 5x5 convolution"):
        partition_network(Network([ConvLayer(2, 2, 8, 8, 5, 0.1)]), small_chip(8, 20, 10_000))


def test_layer_validation_names_the_problem():
    with pytest.raises(ModelError, match="dense layer n_out must be a positive integer"):
        DenseLayer(3, 0, 0.1)
    with pytest.raises(ModelError, match=r"firing rates must lie in \[0, 1\]"):
        DenseLayer(3, 2, 1.5)
    with pytest.raises(ModelError, match="mask has shape"):
        DenseLayer(3, 2, 0.1, mask=np.ones((3, 2)))
    with pytest.raises(ModelError, match="padding must be an integer in"):
        ConvLayer(1, 1, 4, 4, 3, 0.1, padding=3)
    with pytest.raises(ModelError, match="layer 1 expects 5 inputs but layer 0 has 4 outputs"):
        Network([DenseLayer(3, 4, 0.1), DenseLayer(5, 2, 0.1)])
