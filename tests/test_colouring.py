import numpy as np
import pytest

from neuropynq.colouring import greedy_colouring, is_proper, loop_order
from neuropynq.errors import ModelError
from neuropynq.framing import HEAD_WORDS


def _colours_of(order, colour_end):
    bounds = np.concatenate(([0], colour_end))
    return [list(order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("density", [0.1, 0.3, 0.7])
def test_greedy_colouring_is_proper_on_random_graphs(seed, density):
    rng = np.random.default_rng(seed)
    n = 30
    upper = np.triu(rng.random((n, n)) < density, k=1)
    W = np.where(upper | upper.T, rng.integers(-500, 500, (n, n)) | 1, 0)   # | 1: never 0
    order, colour_end = greedy_colouring(W)
    assert is_proper(W, order, colour_end)
    assert sorted(order) == list(range(n))
    for colour in _colours_of(order, colour_end):
        assert colour == sorted(colour)            # inside a colour, increasing index
    degree = (W != 0).sum(axis=1)
    assert colour_end.size <= degree.max() + 1     # greedy never needs more


def test_dense_machine_needs_one_colour_per_neuron():
    W = np.ones((7, 7)) - np.eye(7)
    order, colour_end = greedy_colouring(W)
    assert order.tolist() == list(range(7))
    assert colour_end.tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_bipartite_machine_needs_two_colours():
    visible, hidden = 3, 5
    W = np.zeros((8, 8))
    W[:visible, visible:] = np.arange(1, 16).reshape(3, 5)
    W[visible:, :visible] = W[:visible, visible:].T
    order, colour_end = greedy_colouring(W)
    # Visible units have the larger degree (5 > 3), so they are coloured first.
    assert order.tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert colour_end.tolist() == [3, 8]


def test_isolated_neurons_share_colour_zero():
    order, colour_end = greedy_colouring(np.zeros((4, 4)))
    assert order.tolist() == [0, 1, 2, 3]
    assert colour_end.tolist() == [4]


def test_visit_order_is_saturation_then_degree_then_index():
    # Path 0-1-2-3: degrees 1, 2, 2, 1 -> 1 first (degree, then index): colour 0; then
    # 0 and 2 both see one colour, 2 has the larger degree: colour 1; then 0 and 3 see
    # one colour each, 0 has the lower index: colour 1; 3: colour 0.
    # (Visiting by index alone would give {0, 2}, {1, 3}.)
    W = np.zeros((4, 4))
    for i in range(3):
        W[i, i + 1] = W[i + 1, i] = 1
    order, colour_end = greedy_colouring(W)
    assert _colours_of(order, colour_end) == [[1, 3], [0, 2]]


def test_ties_in_degree_go_to_the_lower_index():
    # Triangle 0-1-2 with a pendant 3 on 2: degrees 2, 2, 3, 1. 2 -> 0; 0, 1 and 3
    # each see one colour: 0 (degree 2, lower index) -> 1; 1 now sees two -> 2; 3 -> 1.
    W = np.zeros((4, 4))
    for i, j in [(0, 1), (0, 2), (1, 2), (2, 3)]:
        W[i, j] = W[j, i] = 1
    order, colour_end = greedy_colouring(W)
    assert _colours_of(order, colour_end) == [[2], [0, 3], [1]]


def test_saturation_first_needs_fewer_colours_than_degree_first():
    # The crown graph (K4,4 without a perfect matching), sides interleaved by index:
    # u_i = 2i, v_i = 2i + 1, u_i - v_j for i != j. Every degree is 3, so visiting by
    # degree then index colours u0, v0 | u1, v1 | ... four colours; DSatur, which
    # follows the saturated neurons, finds the two sides.
    n = 4
    W = np.zeros((2 * n, 2 * n))
    for i in range(n):
        for j in range(n):
            if i != j:
                W[2 * i, 2 * j + 1] = W[2 * j + 1, 2 * i] = 1
    order, colour_end = greedy_colouring(W)
    assert _colours_of(order, colour_end) == [[0, 2, 4, 6], [1, 3, 5, 7]]


def test_bounded_degree_graph_takes_five_colours():
    """bench_hw's sparse1024 (N = 1024, degree <= 8): five colours, the smallest 48 neurons
    (visiting by degree alone took seven, the last two of 32 and 2 neurons)."""
    from neuropynq.models.boltzmann import BoltzmannMachine
    from neuropynq.kernels.bm_model import BMKernelModel
    model = BMKernelModel.build(BoltzmannMachine.bounded_degree(1024, 8, seed=1))
    assert is_proper(model.W_q, model.order, model.colour_end)
    assert np.diff(np.concatenate(([0], model.colour_end))).tolist() == [267, 262, 250, 197, 48]


def test_zero_entries_are_not_edges_and_one_direction_is():
    W = np.zeros((3, 3), dtype=np.int64)
    W[0, 1] = 7          # asymmetric: still an edge 0-1
    order, colour_end = greedy_colouring(W)
    assert _colours_of(order, colour_end) == [[0, 2], [1]]


def test_is_proper_rejects_bad_schedules():
    W = np.zeros((3, 3))
    W[0, 1] = W[1, 0] = 1
    assert is_proper(W, [0, 2, 1], [2, 3])
    assert not is_proper(W, [0, 1, 2], [2, 3])       # 0 and 1 adjacent in one colour
    assert not is_proper(W, [0, 0, 1], [2, 3])       # not a permutation
    assert not is_proper(W, [0, 2, 1], [2, 2, 3])    # empty colour
    assert not is_proper(W, [0, 2, 1], [2])          # does not end at N
    assert not is_proper(W, [0, 2, 1], [0, 2, 3])    # colour 0 empty


def test_non_square_weights_are_a_model_error():
    with pytest.raises(ModelError, match="square"):
        greedy_colouring(np.zeros((2, 3)))


@pytest.mark.parametrize("seed", range(3))
def test_loop_order_keeps_the_colours_and_puts_far_reads_first(seed):
    """Each colour keeps its neurons; colour c then reads colour c − 1 late-first:
    its neurons sorted by their latest neighbour in c − 1, so the sparse engine's
    z loop (docs/rtl.md) waits fewer bubbles than with the index order."""
    from neuropynq.board.frames import bm_sparse_schedule, bm_sparse_sweep_cycles
    from neuropynq.kernels.bm_model import BMKernelModel
    from neuropynq.models.boltzmann import BoltzmannMachine
    model = BMKernelModel.build(BoltzmannMachine.bounded_degree(512, 8, seed=seed))
    order = loop_order(model.W_q, model.order, model.colour_end)
    assert [sorted(c) for c in _colours_of(order, model.colour_end)] == \
        [sorted(c) for c in _colours_of(model.order, model.colour_end)]
    adjacent = model.W_q != 0
    position = np.empty(model.n, dtype=np.int64)
    position[order] = np.arange(model.n)
    colours = _colours_of(order, model.colour_end)
    for before, here in zip(colours[:-1], colours[1:]):
        latest = [max(position[j] for j in before if adjacent[k, j]) for k in here]
        assert latest == sorted(latest)       # greedy: each neuron has one in c − 1
    frame = model.run_sparse_frame(1, 0, 1, 1, 1, False)
    at = HEAD_WORDS + 3                       # N, C, D, then the order (spec §4.3.1)
    assert list(frame[at:at + model.n]) == list(order)
    index_order = frame.copy()
    index_order[at:at + model.n] = model.order

    def sweep(words, units=16):
        ends, deferred, hazard = bm_sparse_schedule(words, units)
        return bm_sparse_sweep_cycles(ends, units, deferred, hazard)
    assert sweep(frame) < sweep(index_order)
