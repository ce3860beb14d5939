"""Placement: every method is a bijection onto free cores; the mesh loop is a
Hamiltonian cycle (or serpentine); on chain-structured networks the Hamilton loop
beats row-major and random placement on traffic x hops."""
import numpy as np
import pytest

from neuropynq.errors import LimitError, ModelError
from neuropynq.mapping import (PLACEMENTS, SPINNAKER2, TIANJICX, ConvLayer, DenseLayer, Network, map_network,
                               mesh_loop)
from neuropynq.mapping.chip import Chip
from neuropynq.mapping.cost import hop_traffic
from neuropynq.mapping.partition import partition_network
from neuropynq.mapping.placement import anneal, hamilton, place
from neuropynq.mapping.traffic import slice_traffic


def adjacent(a, b, cols):
    return abs(a // cols - b // cols) + abs(a % cols - b % cols) == 1


@pytest.mark.parametrize("rows,cols", [(2, 2), (4, 5), (5, 4), (10, 16), (8, 19), (6, 6)])
def test_mesh_loop_is_a_hamiltonian_cycle_when_one_side_is_even(rows, cols):
    loop = mesh_loop(rows, cols)
    assert sorted(loop) == list(range(rows * cols))
    assert all(adjacent(a, b, cols) for a, b in zip(loop, loop[1:] + loop[:1]))


@pytest.mark.parametrize("rows,cols", [(3, 5), (1, 7), (7, 1), (1, 1)])
def test_mesh_loop_is_a_serpentine_path_otherwise(rows, cols):
    loop = mesh_loop(rows, cols)
    assert sorted(loop) == list(range(rows * cols))
    assert all(adjacent(a, b, cols) for a, b in zip(loop, loop[1:]))
    if rows == 3:
        assert loop[:10] == [0, 1, 2, 3, 4, 9, 8, 7, 6, 5]


def holey_chip():
    return Chip("holey", 4, 5, 64, 64, 4096, 10.0, 3.0, 2.0, 1.0, 1.0, 100.0,
                unavailable=((0, 0), (1, 2), (3, 4)))


def random_chain(n_layers, seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(20, 130, n_layers + 1)
    return Network([DenseLayer(int(a), int(b), 0.1) for a, b in zip(sizes, sizes[1:])])


def one_slice_chain(n_layers):
    """A chain whose every layer fits one core of holey_chip(): n_layers slices."""
    return Network([DenseLayer(8, 64, 0.1)] + [DenseLayer(64, 64, 0.1)] * (n_layers - 1))


@pytest.mark.parametrize("method", sorted(PLACEMENTS))
def test_every_placement_is_a_bijection_onto_free_cores(method):
    chip = holey_chip()
    free = set(chip.free_cores())
    assert len(free) == 17
    for n in (1, 9, 17):
        net = one_slice_chain(n)
        part = partition_network(net, chip)
        assert part.cores == n
        cores = place(method, chip, n, slice_traffic(net, part), seed=5)
        assert len(cores) == n and len(set(cores.tolist())) == n and set(cores.tolist()) <= free
    assert set(cores.tolist()) == free     # as many slices as free cores: a bijection


def test_hamilton_skips_unavailable_cores_along_the_loop():
    chip = holey_chip()
    loop = [k for k in mesh_loop(4, 5) if k not in (0, 7, 19)]
    assert hamilton(chip, 17).tolist() == loop


def test_too_many_slices_and_unknown_methods_are_errors():
    with pytest.raises(LimitError, match="needs 18 cores but chip 'holey' has 17 free"):
        hamilton(holey_chip(), 18)
    with pytest.raises(ModelError, match="unknown placement 'spiral'"):
        map_network(random_chain(2, 0), TIANJICX, "spiral")


CHAINS = {
    "40 dense layers, 1 slice each, tianjicx": (
        Network([DenseLayer(100, 100, 0.1) for _ in range(40)]), TIANJICX),
    "12 dense layers 512 wide (partials + merges), tianjicx": (
        Network([DenseLayer(512, 512, 0.05) for _ in range(12)]), TIANJICX),
    "random-width chain, spinnaker2": (random_chain(60, seed=11), SPINNAKER2),
    "conv chain 8x16x16, tianjicx": (
        Network([ConvLayer(8, 8, 16, 16, 3, 0.1) for _ in range(4)]), TIANJICX),
}


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_hamilton_beats_rowmajor_and_random_on_chains(name):
    net, chip = CHAINS[name]
    ham = map_network(net, chip, "hamilton").cost.hop_traffic
    assert ham < map_network(net, chip, "rowmajor").cost.hop_traffic
    for seed in range(3):
        assert ham < map_network(net, chip, "random", seed=seed).cost.hop_traffic


def test_one_slice_per_layer_chain_is_all_single_hops_under_hamilton():
    net, chip = CHAINS["40 dense layers, 1 slice each, tianjicx"]
    cost = map_network(net, chip, "hamilton").cost
    assert (cost.cores, cost.max_hops) == (40, 1)
    assert cost.hop_traffic == pytest.approx(39 * 100 * 0.1)


def test_anneal_improves_on_its_hamilton_start_and_is_seeded():
    net = Network([ConvLayer(4, 4, 16, 16, 3, 0.1), DenseLayer(1024, 64, 0.1, recurrent=True)])
    part = partition_network(net, SPINNAKER2)
    traffic = slice_traffic(net, part)
    start = hop_traffic(traffic, hamilton(SPINNAKER2, part.cores), SPINNAKER2.cols)
    first = anneal(SPINNAKER2, part.cores, traffic, seed=1, steps=3000)
    assert hop_traffic(traffic, first, SPINNAKER2.cols) < start
    assert np.array_equal(first, anneal(SPINNAKER2, part.cores, traffic, seed=1, steps=3000))
