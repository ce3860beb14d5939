import numpy as np
import pytest

from neuropynq.boards import board_builds
from neuropynq.colouring import (ROW_ALIGN, SWEEP_UNITS, _adjacency, aligned_sizes, balance_colours,
                                 dsatur, greedy_colouring, is_proper, loop_order, move_to_sizes,
                                 sweep_cycles)
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


def _sizes(colour_end):
    return np.diff(np.concatenate(([0], colour_end))).tolist()


def _sparse1024():
    from neuropynq.kernels.bm_model import BMKernelModel
    from neuropynq.models.boltzmann import BoltzmannMachine
    return BMKernelModel.build(BoltzmannMachine.bounded_degree(1024, 8, seed=1))


def test_bounded_degree_graph_takes_five_colours_of_whole_rows():
    """bench_hw's sparse1024 (N = 1024, degree <= 8): DSatur's five colours (267, 262,
    250, 197, 48 neurons; visiting by degree alone took seven) balanced to multiples of
    64 with no colour of one row, which sweeps in fewer cycles at U = 32 and 64
    (39 -> 33 and 27 -> 23)."""
    model = _sparse1024()
    adjacent = _adjacency(model.W_q)
    greedy = dsatur(adjacent)
    assert np.bincount(greedy).tolist() == [267, 262, 250, 197, 48]
    assert is_proper(model.W_q, model.order, model.colour_end)
    assert _sizes(model.colour_end) == [256, 256, 256, 128, 128]
    colour = np.empty(model.n, dtype=np.int64)
    colour[model.order] = np.searchsorted(model.colour_end, np.arange(model.n), side="right")
    assert [sweep_cycles(adjacent, greedy, u) for u in SWEEP_UNITS] == [39, 27]
    assert [sweep_cycles(adjacent, colour, u) for u in SWEEP_UNITS] == [33, 23]
    # the same on the RUN_SPARSE frame the sparse engine gets (each colour in loop_order)
    from neuropynq.board.frames import bm_sparse_schedule, bm_sparse_sweep_cycles
    frame = model.run_sparse_frame(1, 0, 1, 1, 1, False)

    def frame_sweep(units):
        ends, deferred, hazard = bm_sparse_schedule(frame, units)
        return bm_sparse_sweep_cycles(ends, units, deferred, hazard)
    assert [frame_sweep(u) for u in SWEEP_UNITS] == [33, 23]


def test_loop_order_keeps_its_fastest_pass(monkeypatch):
    """On sparse1024's colours one pass leaves 34 and 26 cycles per sweep (U = 32, 64);
    the later passes, colour 0 following colour C − 1's order, reach 33 and 23."""
    import neuropynq.colouring as colouring
    from neuropynq.board.frames import bm_sparse_hazards, bm_sparse_sweep_cycles
    model = _sparse1024()
    edges = np.nonzero(_adjacency(model.W_q))

    def cycles(order):
        return [bm_sparse_sweep_cycles(model.colour_end, u, *bm_sparse_hazards(order, model.colour_end, *edges, u))
                for u in SWEEP_UNITS]
    assert cycles(loop_order(model.W_q, model.order, model.colour_end)) == [33, 23]
    monkeypatch.setattr(colouring, "LOOP_ORDER_PASSES", 1)
    assert cycles(loop_order(model.W_q, model.order, model.colour_end)) == [34, 26]


def test_row_alignment_is_the_most_units_of_any_board():
    """The colouring is the same on every board: aligned to the largest bm_units (a
    multiple of every smaller one) and judged at every board's bm_units."""
    units = sorted({b.bm_units for b in board_builds().values() if b.bm_units})
    assert ROW_ALIGN == units[-1] and all(ROW_ALIGN % u == 0 for u in units)
    assert list(SWEEP_UNITS) == units


def test_colouring_is_deterministic():
    model = _sparse1024()
    again = greedy_colouring(model.W_q)
    assert np.array_equal(again[0], model.order) and np.array_equal(again[1], model.colour_end)


def test_king_graph_colours_are_already_whole_rows():
    """The 32 x 32 king's graph: DSatur's 4 colours of 256 are left as they are."""
    from neuropynq.models.boltzmann import BoltzmannMachine
    W = BoltzmannMachine.king_graph(32, seed=1).W
    adjacent = _adjacency(W)
    assert aligned_sizes(np.bincount(dsatur(adjacent)), ROW_ALIGN) == []
    assert _sizes(greedy_colouring(W)[1]) == [256] * 4


def test_aligned_sizes_put_colour_ends_on_row_edges():
    # ends 267, 529, 779, 976 -> nearest 256, 512, 768, 960 (896: the last colour two
    # rows); sizes rounded down 256, 256, 192, 192 (the last takes 128); then one row
    # is enough (the second candidate of one row a colour is the same as the first)
    assert [t.tolist() for t in aligned_sizes([267, 262, 250, 197, 48], 64)] == \
        [[256, 256, 256, 128, 128], [256, 256, 192, 192, 128], [256, 256, 256, 192, 64]]
    # N not a multiple: the last colour takes the rest; two rows each do not fit
    assert [t.tolist() for t in aligned_sizes([100, 100, 100], 64)] == [[128, 64, 108], [64, 64, 172]]
    # too few neurons for a row each, or already aligned: nothing to try
    assert aligned_sizes([30, 20], 64) == []
    assert aligned_sizes([256, 256], 64) == []


def test_colouring_that_balancing_does_not_speed_up_is_kept():
    """A bounded-degree machine of 300 (degree <= 4): DSatur's 107, 106, 86, 1 can be
    moved to 64, 64, 64, 108, but that sweeps slower at U = 64 (17 cycles against 16)
    and no faster at U = 32, so the DSatur colouring stays."""
    from neuropynq.models.boltzmann import BoltzmannMachine
    adjacent = _adjacency(BoltzmannMachine.bounded_degree(300, 4, seed=2).W)
    greedy = dsatur(adjacent)
    assert np.bincount(greedy).tolist() == [107, 106, 86, 1]
    target = aligned_sizes(np.bincount(greedy), ROW_ALIGN)
    assert [t.tolist() for t in target] == [[64, 64, 64, 108]]
    moved = move_to_sizes(adjacent, greedy, target[0])
    assert np.bincount(moved).tolist() == [64, 64, 64, 108]
    assert [sweep_cycles(adjacent, moved, u) for u in SWEEP_UNITS] == [18, 17]
    assert [sweep_cycles(adjacent, greedy, u) for u in SWEEP_UNITS] == [18, 16]
    assert np.array_equal(balance_colours(adjacent, greedy), greedy)


def test_rigid_colourings_are_kept():
    """The 17 x 17 king's graph: every neuron has a neighbour in each other colour,
    so DSatur's 64, 72, 72, 81 cannot move towards 64, 64, 64, 97."""
    from neuropynq.models.boltzmann import BoltzmannMachine
    adjacent = _adjacency(BoltzmannMachine.king_graph(17, seed=3).W)
    greedy = dsatur(adjacent)
    assert np.bincount(greedy).tolist() == [64, 72, 72, 81]
    assert [t.tolist() for t in aligned_sizes(np.bincount(greedy), ROW_ALIGN)] == [[64, 64, 64, 97]]
    assert move_to_sizes(adjacent, greedy, [64, 64, 64, 97]) is None
    assert np.array_equal(balance_colours(adjacent, greedy), greedy)


def test_small_machines_keep_the_dsatur_colouring():
    """Below two rows of 64 a colour, balancing has nothing to try."""
    rng = np.random.default_rng(4)
    upper = np.triu(rng.random((100, 100)) < 0.1, k=1)
    W = (upper | upper.T).astype(np.int64)
    adjacent = _adjacency(W)
    greedy = dsatur(adjacent)
    assert np.array_equal(balance_colours(adjacent, greedy), greedy)


def test_move_to_sizes_keeps_a_proper_colouring_or_says_none():
    # Edges 0-1 and 2-3, 4 and 5 alone: DSatur gives {0, 2, 4, 5}, {1, 3}
    W = np.zeros((6, 6), dtype=np.int64)
    for i, j in [(0, 1), (2, 3)]:
        W[i, j] = W[j, i] = 1
    adjacent = _adjacency(W)
    colour = dsatur(adjacent)
    assert colour.tolist() == [0, 1, 0, 1, 0, 0]
    # only 4 and 5 are free to join colour 1
    moved = move_to_sizes(adjacent, colour, [2, 4])
    assert moved.tolist() == [0, 1, 0, 1, 1, 1]
    # a colour of five would hold both ends of an edge: no move leads there
    assert move_to_sizes(adjacent, colour, [1, 5]) is None


def test_move_to_sizes_moves_along_a_chain_of_colours():
    # Colours {0, 1}, {2}, {3}; edges 0-3, 1-3, 1-2. Colour 2 is short, but 0 and 1
    # both neighbour 3; 2 may join colour 2 and 0 colour 1: 0 moves 0 -> 1, then 2
    # (the lowest index in colour 1 free to join colour 2; 0 is not) 1 -> 2.
    W = np.zeros((4, 4), dtype=np.int64)
    for i, j in [(0, 3), (1, 3), (1, 2)]:
        W[i, j] = W[j, i] = 1
    moved = move_to_sizes(_adjacency(W), np.array([0, 0, 1, 2]), [1, 1, 2])
    assert moved.tolist() == [1, 0, 2, 2]
    assert is_proper(W, np.lexsort((np.arange(4), moved)), [1, 2, 4])


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
    its neurons sorted by their latest neighbour in c − 1 (the kept pass's), so the
    sparse engine's z loop (docs/rtl.md) waits fewer bubbles than with the index order."""
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
        latest = [max((position[j] for j in before if adjacent[k, j]), default=-1) for k in here]
        assert latest == sorted(latest)       # none in c − 1 (-1): first
    frame = model.run_sparse_frame(1, 0, 1, 1, 1, False)
    at = HEAD_WORDS + 3                       # N, C, D, then the order (spec §4.3.1)
    assert list(frame[at:at + model.n]) == list(order)
    index_order = frame.copy()
    index_order[at:at + model.n] = model.order

    def sweep(words, units=16):
        ends, deferred, hazard = bm_sparse_schedule(words, units)
        return bm_sparse_sweep_cycles(ends, units, deferred, hazard)
    assert sweep(frame) < sweep(index_order)
