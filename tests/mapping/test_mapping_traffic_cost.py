"""Traffic between slices, XY routing and the cost model, on hand-computed examples."""
import json

import numpy as np
import pytest

from neuropynq.mapping import TIANJICX, ConvLayer, DenseLayer, Network, map_network, network_from_dict
from neuropynq.mapping.chip import Chip
from neuropynq.mapping.cost import evaluate
from neuropynq.mapping.partition import partition_network
from neuropynq.mapping.routing import hops, link_loads
from neuropynq.mapping.traffic import slice_traffic


def line_chip(rows, cols, neurons=2, fanin=8, synapses=64):
    return Chip("line", rows, cols, neurons, fanin, synapses, hop_latency_ns=10.0, link_packet_ns=3.0,
                hop_energy_pj=2.0, synop_energy_pj=1.5, synop_time_ns=0.5, core_step_energy_pj=100.0)


def chain():
    # slices: 0 = layer 0 neurons 0-1, 1 = layer 0 neurons 2-3, 2 = layer 1 (both neurons)
    return Network([DenseLayer(3, 4, 0.5), DenseLayer(4, 2, 0.25)], input_rate=0.1)


def edges(traffic):
    return {(int(a), int(b)): float(r) for a, b, r in zip(traffic.src, traffic.dst, traffic.rate)}


def test_chain_traffic_by_hand():
    net = chain()
    part = partition_network(net, line_chip(1, 3))
    assert [s.out[0] for s in part.slices] == [(0, 2), (2, 4), (0, 2)]
    # Two neurons at 0.5 spikes/step each feed the one slice of layer 1.
    assert edges(slice_traffic(net, part)) == {(0, 2): 1.0, (1, 2): 1.0}


def test_recurrent_traffic_by_hand():
    # Recurrent layer, 2 neurons per core: slice 0 holds neurons 0-1, slice 1 neurons 2-3;
    # each reads the other's two neurons (rate 0.25); its own neurons stay inside the core.
    net = Network([DenseLayer(2, 4, 0.25, recurrent=True)])
    part = partition_network(net, line_chip(1, 2))
    assert edges(slice_traffic(net, part)) == {(0, 1): 0.5, (1, 0): 0.5}


def test_partial_sum_traffic_by_hand():
    # Fan-in 12 > 8 inputs per core: two partials (inputs 0-5, 6-11) and a merge;
    # each partial sends one partial sum per neuron per step to its merge.
    net = Network([DenseLayer(12, 2, 0.1)])
    part = partition_network(net, line_chip(1, 3))
    assert [s.role for s in part.slices] == ["partial", "partial", "merge"]
    assert edges(slice_traffic(net, part)) == {(0, 2): 2.0, (1, 2): 2.0}
    # With 4 inputs per core, layer 0 (fan-in 6) becomes two groups of partial, partial,
    # merge (4 // 2 = 2 neurons, then 1); layer 1 reads layer 0 from the merge slices only.
    net = Network([DenseLayer(6, 3, 0.5), DenseLayer(3, 2, 0.1)])
    part = partition_network(net, line_chip(1, 8, neurons=2, fanin=4, synapses=64))
    roles = [(s.layer, s.role) for s in part.slices]
    assert roles == [(0, "partial"), (0, "partial"), (0, "merge")] * 2 + [(1, "direct")]
    assert edges(slice_traffic(net, part)) == {(0, 2): 2.0, (1, 2): 2.0, (3, 5): 1.0, (4, 5): 1.0,
                                               (2, 6): 1.0, (5, 6): 0.5}


def test_sparse_mask_sends_only_to_slices_with_a_synapse():
    # Layer 1 output 0 reads input 0 only, output 1 reads input 3 only (one neuron per core).
    mask = np.array([[1, 0, 0, 0], [0, 0, 0, 1]], dtype=bool)
    net = Network([DenseLayer(1, 4, [0.1, 0.2, 0.3, 0.4]), DenseLayer(4, 2, 0.1, mask=mask)])
    part = partition_network(net, line_chip(1, 8, neurons=1))
    assert edges(slice_traffic(net, part)) == {(0, 4): 0.1, (3, 5): 0.4}


def test_conv_traffic_reads_the_receptive_field_halo():
    # 1x1x4 -> conv 1 channel, kernel 3, one output column pair per core (2 neurons):
    # slice 0 holds x = 0-1 and slice 1 holds x = 2-3 of layer 0; a layer-1 tile at
    # x = 0-1 reads x = 0-2 (one neuron of slice 1), the tile at x = 2-3 reads x = 1-3.
    net = Network([ConvLayer(1, 1, 1, 4, 1, 0.5, padding=0), ConvLayer(1, 1, 1, 4, 3, 0.1)])
    part = partition_network(net, line_chip(1, 4, neurons=2, fanin=4, synapses=64))
    assert [(s.layer, s.out[2]) for s in part.slices] == [(0, (0, 2)), (0, (2, 4)), (1, (0, 2)), (1, (2, 4))]
    assert edges(slice_traffic(net, part)) == {(0, 2): 1.0, (1, 2): 0.5, (0, 3): 0.5, (1, 3): 1.0}


def test_xy_routing_hops_and_link_loads():
    cols = 3   # 2 x 3 mesh; core ids 0 1 2 / 3 4 5
    assert hops(np.array([0, 5, 3]), np.array([5, 0, 3]), cols).tolist() == [3, 3, 0]
    # 0 -> 5: east (0,0) and (0,1), then south in column 2. 5 -> 0: west in row 1, north in column 0.
    loads = link_loads(2, cols, np.array([0, 5]), np.array([5, 0]), np.array([1.5, 2.0]))
    assert loads.east.tolist() == [[1.5, 1.5], [0.0, 0.0]]
    assert loads.west.tolist() == [[0.0, 0.0], [2.0, 2.0]]
    assert loads.south.tolist() == [[0.0, 0.0, 1.5]]
    assert loads.north.tolist() == [[2.0, 0.0, 0.0]]
    assert loads.max() == 2.0



def test_a_link_every_flow_has_left_carries_exactly_zero():
    # 1 x 5 row: 0 -> 2 at 0.7 and 1 -> 3 at 0.1. A float prefix sum of the +rate/-rate
    # pairs gives ((0.7 + 0.1) - 0.7) - 0.1 = -2.8e-17 on the last link.
    loads = link_loads(1, 5, np.array([0, 1]), np.array([2, 3]), np.array([0.7, 0.1]))
    assert loads.east[0, :3] == pytest.approx([0.7, 0.8, 0.1], abs=1e-15)
    assert loads.east[0, 3] == 0.0


def xy_route_loads(rows, cols, src, dst, rate):
    """Link loads by walking every flow's XY route hop by hop, adding positive rates only."""
    east, west = np.zeros((rows, cols - 1)), np.zeros((rows, cols - 1))
    south, north = np.zeros((rows - 1, cols)), np.zeros((rows - 1, cols))
    for s, d, r in zip(src, dst, rate):
        (r0, c0), (r1, c1) = divmod(int(s), cols), divmod(int(d), cols)
        for c in range(min(c0, c1), max(c0, c1)):
            (east if c1 > c0 else west)[r0, c] += r
        for row in range(min(r0, r1), max(r0, r1)):
            (south if r1 > r0 else north)[row, c1] += r
    return {"east": east, "west": west, "south": south, "north": north}


def test_mapped_link_loads_are_never_negative():
    # Row-major placement of a 784-300-10 MLP on TIANJI-CX: the float difference array
    # left east loads down to -2.1e-14 packets per step, printed by `neuropynq map --json`.
    net = network_from_dict({"input_rate": 0.2, "layers": [
        {"kind": "dense", "n_in": 784, "n_out": 300, "rate": 0.05}, {"kind": "dense", "n_in": 300, "n_out": 10}]})
    mapping = map_network(net, TIANJICX, "rowmajor")
    traffic = slice_traffic(net, partition_network(net, TIANJICX))
    cores = mapping.cores
    walked = xy_route_loads(TIANJICX.rows, TIANJICX.cols, cores[traffic.src], cores[traffic.dst], traffic.rate)
    printed = json.loads(mapping.to_json())["links"]
    for name, expected in walked.items():
        loads = np.array(printed[name])
        assert (loads >= 0).all(), name
        assert ((loads == 0) == (expected == 0)).all(), f"{name}: a link no flow crosses must read 0"
        assert loads == pytest.approx(expected, rel=1e-12, abs=1e-12), name
    assert (walked["east"] == 0).any() and (walked["east"] > 0).any()

def test_cost_model_by_hand():
    net = chain()
    chip = line_chip(1, 3)
    part = partition_network(net, chip)
    cost, links = evaluate(chip, part, slice_traffic(net, part), np.array([0, 1, 2]))
    # Events: layer 0 slices 2 neurons x 3 inputs x 0.1, layer 1 2 x 4 x 0.5 = 0.6 + 0.6 + 4.0.
    assert cost.synaptic_events == pytest.approx(5.2)
    assert (cost.cores, cost.traffic, cost.hop_traffic, cost.max_hops) == (3, 2.0, 3.0, 2)
    assert links.east.tolist() == [[1.0, 2.0]] and cost.max_link_load == 2.0
    assert cost.latency_ns == pytest.approx(4.0 * 0.5 + 2 * 10.0 + 2.0 * 3.0)
    assert cost.energy_nj == pytest.approx((5.2 * 1.5 + 3.0 * 2.0 + 3 * 100.0) / 1000)
