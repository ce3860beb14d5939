"""Greedy (DSatur) graph colouring for the `bm_sampler` update schedule (docs/spec.md §3.1).

Neurons of one colour share no weight, so updating them simultaneously equals
updating them one after another; the kernel then updates a whole colour in
parallel. The colouring is a deterministic function of the weight pattern, so
every host computes the same schedule.
"""
from __future__ import annotations

import numpy as np

from .errors import ModelError


def _adjacency(W_q: np.ndarray) -> np.ndarray:
    """Boolean adjacency of the graph of non-zero off-diagonal entries (either direction)."""
    W_q = np.asarray(W_q)
    if W_q.ndim != 2 or W_q.shape[0] != W_q.shape[1]:
        raise ModelError(f"W must be a square matrix, got shape {W_q.shape}")
    adjacent = (W_q != 0) | (W_q.T != 0)
    np.fill_diagonal(adjacent, False)
    return adjacent


def greedy_colouring(W_q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, colour_end) of the spec's greedy colouring of the non-zero pattern of W_q.

    Neurons are visited in DSatur order: next, the uncoloured neuron whose coloured
    neighbours show the most distinct colours (ties: larger degree, then lower index);
    each takes the smallest colour no neighbour has. Visiting by saturation rather
    than by degree alone needs fewer colours on sparse graphs (bench_hw's sparse1024:
    5 instead of 7, the last two of 32 and 2 neurons), and the sparse engine pays a
    row and the z loop's bubbles for every colour. `order` lists the neurons sorted
    by (colour, index); colour c is order[colour_end[c-1]:colour_end[c]].
    """
    adjacent = _adjacency(W_q)
    n = adjacent.shape[0]
    degree = adjacent.sum(axis=1).astype(np.int64)
    colour = np.full(n, -1, dtype=np.int64)
    # seen[k, c]: a neighbour of k has colour c (no colour exceeds the largest degree)
    seen = np.zeros((n, int(degree.max(initial=0)) + 1), dtype=bool)
    saturation = np.zeros(n, dtype=np.int64)
    for _ in range(n):
        # the most saturated, then the largest degree; argmax takes the lowest index
        score = np.where(colour < 0, saturation * (n + 1) + degree, -1)
        k = int(np.argmax(score))
        c = int(np.argmin(seen[k]))                 # first False: smallest free colour
        colour[k] = c
        neighbours = np.flatnonzero(adjacent[k])
        fresh = neighbours[~seen[neighbours, c]]
        seen[fresh, c] = True
        saturation[fresh] += 1
    order = np.lexsort((np.arange(n), colour)).astype(np.int64)
    colour_end = np.cumsum(np.bincount(colour)).astype(np.int64)
    return order, colour_end


def is_proper(W_q: np.ndarray, order, colour_end) -> bool:
    """True iff (order, colour_end) is a valid schedule (order a permutation of 0…N−1,
    colour_end strictly increasing from ≥ 1 to N) and no colour holds two adjacent neurons."""
    adjacent = _adjacency(W_q)
    n = adjacent.shape[0]
    order = np.asarray(order, dtype=np.int64)
    colour_end = np.asarray(colour_end, dtype=np.int64)
    if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
        return False
    bounds = np.concatenate(([0], colour_end))
    if colour_end.ndim != 1 or colour_end.size == 0 or bounds[-1] != n or np.any(np.diff(bounds) <= 0):
        return False
    for start, end in zip(bounds[:-1], bounds[1:]):
        members = order[start:end]
        if adjacent[np.ix_(members, members)].any():
            return False
    return True


def loop_order(W_q: np.ndarray, order, colour_end) -> np.ndarray:
    """The schedule `order` with each colour's neurons rearranged for a kernel that
    updates a colour's neurons in parallel and sees z written late (the sparse engine,
    docs/rtl.md "the z loop"): colour c by the latest position of its neighbours in
    colour c − 1 (so that its first neurons read the previous colour's first, not
    its last), colour 0 with its neighbours of the last colour (the previous sweep's)
    last; ties by the given order. The colours are unchanged, so is every result
    (spec §3.1: within a colour the update is simultaneous)."""
    adjacent = _adjacency(W_q)
    order = np.asarray(order, dtype=np.int64).copy()
    bounds = np.concatenate(([0], np.asarray(colour_end, dtype=np.int64)))
    colours = bounds.size - 1
    if colours < 2:
        return order
    position = np.empty(order.size, dtype=np.int64)

    def members(c: int) -> np.ndarray:
        return order[bounds[c]:bounds[c + 1]]

    last = members(colours - 1)
    first = members(0)
    key = adjacent[np.ix_(first, last)].any(axis=1).astype(np.int64)
    order[bounds[0]:bounds[1]] = first[np.argsort(key, kind="stable")]
    for c in range(1, colours):
        before, here = members(c - 1), members(c)
        position[before] = np.arange(before.size)
        links = adjacent[np.ix_(here, before)]
        key = np.where(links.any(axis=1), (links * (position[before] + 1)).max(axis=1), 0)
        order[bounds[c]:bounds[c + 1]] = here[np.argsort(key, kind="stable")]
    return order
