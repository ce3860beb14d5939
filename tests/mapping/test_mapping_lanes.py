"""Lane order for the accelerator: a permutation dealt in echelon order, with
per-lane loads that match the rows each lane gets and stay within one row of balance."""
import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.mapping import lane_balance, lane_order


def rows_with(nnz):
    """A matrix whose row r has nnz[r] non-zeros."""
    W = np.zeros((len(nnz), max(nnz) + 1))
    for r, k in enumerate(nnz):
        W[r, :k] = 1.5
    return W


def test_boustrophedon_deal_by_hand():
    # Echelon 0(5) 2(3) 3(2) 1(1): lanes 0,1 get rows 0,2; then lanes 1,0 get rows 3,1.
    order, loads = lane_order(rows_with([5, 1, 3, 2]), 2)
    assert order.tolist() == [0, 2, 1, 3]
    assert loads.tolist() == [6, 5]


def test_short_last_round_goes_to_the_least_loaded_of_the_first_lanes():
    # Echelon 0(9) 4(5) 1(1) 2(1) 3(1); round 1 -> loads [9, 5, 1]; rows 2, 3 go to
    # lanes 0 and 1, the first of them to the lighter lane 1.
    order, loads = lane_order(rows_with([9, 1, 1, 1, 5]), 3)
    assert order.tolist() == [0, 4, 1, 3, 2]
    assert loads.tolist() == [10, 6, 1]
    # More lanes than rows: one row per lane, largest first.
    order, loads = lane_order(rows_with([1, 4]), 4)
    assert order.tolist() == [1, 0] and loads.tolist() == [4, 1, 0, 0]


@pytest.mark.parametrize("seed", range(12))
def test_random_sparse_matrices(seed):
    rng = np.random.default_rng(seed)
    n, lanes = int(rng.integers(1, 300)), int(rng.integers(1, 17))
    W = rng.standard_normal((n, n)) * (rng.random((n, n)) < rng.random((n, 1)) ** 3)
    order, loads = lane_order(W, lanes)
    nnz = np.count_nonzero(W, axis=1)
    assert sorted(order.tolist()) == list(range(n))
    assert loads.tolist() == [int(nnz[order[p::lanes]].sum()) for p in range(lanes)]
    assert loads.max() - loads.min() <= nnz.max()


def test_echelon_balances_better_than_plain_interleaving():
    # Rows of decreasing density, as in a layered network: plain order (row i -> lane i % 4)
    # puts every heavy row on lane 0.
    W = rows_with([40, 1, 1, 1] * 8)
    _, loads = lane_order(W, 4)
    plain = [int(np.count_nonzero(W[p::4])) for p in range(4)]
    assert plain == [320, 8, 8, 8]
    assert loads.tolist() == [86, 86, 86, 86]      # (8 * 40 + 24) / 4
    assert lane_balance(loads) == 1.0 and lane_balance(plain) == pytest.approx(320 / 86)


def test_balance_of_an_empty_matrix_is_one():
    _, loads = lane_order(np.zeros((5, 5)), 3)
    assert loads.tolist() == [0, 0, 0] and lane_balance(loads) == 1.0


def test_bad_arguments_are_model_errors():
    with pytest.raises(ModelError, match="lanes must be a positive integer"):
        lane_order(np.eye(3), 0)
    with pytest.raises(ModelError, match="weight matrix must be 2-D"):
        lane_order(np.ones(3), 2)
