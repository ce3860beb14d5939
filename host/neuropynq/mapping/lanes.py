"""Lane mapping for the accelerator: spread the rows of a sparse weight matrix over
the P parallel lanes so that every lane has about the same number of non-zeros to
accumulate."""
from __future__ import annotations

import numpy as np

from ..errors import ModelError


def lane_order(W, lanes: int) -> tuple[np.ndarray, np.ndarray]:
    """Row order for P = `lanes` lanes, and the non-zeros each lane receives.

    Contract: ``order`` is a permutation of 0..N-1 (N = rows of W); row ``order[i]``
    is processed by lane ``i % P`` in slot ``i // P``, so lane p handles rows
    ``order[p::P]``. ``loads[p]`` = total non-zeros of those rows.

    Rows are sorted by non-zero count, largest first (ties: lower row first) — the
    echelon — and dealt out P at a time, in alternating direction (lane 0..P-1, then
    P-1..0, ...), so each lane gets one row from every band of similar rows. A last,
    short round of m < P rows goes to lanes 0..m-1 (the contract keeps slots dense),
    its largest row to the least loaded of them. Every lane's load then differs from
    the mean by at most the non-zeros of one row."""
    if isinstance(lanes, bool) or not isinstance(lanes, (int, np.integer)) or lanes < 1:
        raise ModelError(f"lanes must be a positive integer, got {lanes!r}")
    W = np.asarray(W)
    if W.ndim != 2:
        raise ModelError(f"weight matrix must be 2-D, got shape {W.shape}")
    nnz = np.count_nonzero(W, axis=1)
    n = len(nnz)
    echelon = np.argsort(-nnz, kind="stable")
    full = (n // lanes) * lanes
    rounds = echelon[:full].reshape(-1, lanes)
    rounds[1::2] = rounds[1::2, ::-1]       # boustrophedon deal
    order = np.empty(n, dtype=np.int64)
    order[:full] = rounds.ravel()
    loads = np.zeros(lanes, dtype=np.int64)
    np.add.at(loads, np.arange(full) % lanes, nnz[order[:full]])
    rest = echelon[full:]
    if len(rest):
        lightest = np.argsort(loads[:len(rest)], kind="stable")   # lanes 0..m-1 by load
        order[full + lightest] = rest
        loads[:len(rest)] += nnz[order[full:]]
    return order, loads


def lane_balance(loads: np.ndarray) -> float:
    """max / mean lane load (1.0 = perfect balance; 1.0 for an all-zero matrix)."""
    loads = np.asarray(loads, dtype=float)
    return float(loads.max() / loads.mean()) if loads.mean() > 0 else 1.0
