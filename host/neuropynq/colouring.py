"""Greedy (DSatur) graph colouring, sizes balanced to whole rows, for the `bm_sampler`
update schedule (docs/spec.md §3.1).

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


# Colour ends are put at multiples of ROW_ALIGN where that takes fewer sparse-engine
# cycles: the most units of any board (boards.txt's bm_units, 32 and 64), so that a
# colour fills whole rows on every board; the colouring never depends on the board.
ROW_ALIGN = 64
SWEEP_UNITS = (32, 64)       # the unit counts whose sweep cycles choose the colour sizes
LOOP_ORDER_PASSES = 4        # loop_order's passes over the colours (the best is kept)


def greedy_colouring(W_q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, colour_end) of the spec's colouring of the non-zero pattern of W_q: the
    DSatur colouring (`dsatur`), its colour sizes then balanced (`balance_colours`).
    `order` lists the neurons sorted by (colour, index); colour c is
    order[colour_end[c-1]:colour_end[c]]."""
    adjacent = _adjacency(W_q)
    colour = balance_colours(adjacent, dsatur(adjacent))
    order = np.lexsort((np.arange(colour.size), colour)).astype(np.int64)
    colour_end = np.cumsum(np.bincount(colour)).astype(np.int64)
    return order, colour_end


def dsatur(adjacent: np.ndarray) -> np.ndarray:
    """The colour of each neuron in the greedy colouring of the graph `adjacent` that
    visits neurons in DSatur order: next, the uncoloured neuron whose coloured
    neighbours show the most distinct colours (ties: larger degree, then lower index);
    each takes the smallest colour no neighbour has. Visiting by saturation rather
    than by degree alone needs fewer colours on sparse graphs (bench_hw's sparse1024:
    5 instead of 7, the last two of 32 and 2 neurons), and the sparse engine pays a
    row and the z loop's bubbles for every colour."""
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
    return colour


def balance_colours(adjacent: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """`colour` (a proper colouring of `adjacent`, colours 0…C−1 all used) with its colour
    sizes moved to the candidate of `aligned_sizes` whose schedule the sparse engine
    sweeps in the fewest cycles (`sweep_cycles`, summed over SWEEP_UNITS); `colour`
    itself unless a candidate takes fewer (ties: the earlier candidate). A candidate's
    sizes are reached by `move_to_sizes`; one it cannot reach is dropped. Every colour
    keeps its place in the colour order, and the colouring stays proper."""
    candidates = aligned_sizes(np.bincount(colour), ROW_ALIGN)
    if not candidates:
        return colour
    edges = np.nonzero(adjacent)
    best, best_cost = colour, _sweep_cost(edges, colour)
    for target in candidates:
        moved = move_to_sizes(adjacent, colour, target)
        if moved is not None:
            cost = _sweep_cost(edges, moved)
            if cost < best_cost:
                best, best_cost = moved, cost
    return best


def aligned_sizes(sizes, align: int) -> list[np.ndarray]:
    """Candidate colour sizes for colours of `sizes` (in colour order), every colour end
    but the last (N) at a multiple of `align` and every colour at least `least`, for
    `least` = 2·align (no colour of one row), then align: the ends at the multiples
    nearest the given ends (halves up), then the ends of the sizes rounded down (the
    last colour takes the rest), each end raised to `least` past the end before it and
    lowered so that the colours after it can still hold `least`. A `least` that N
    cannot give every colour is skipped (so is every candidate of one colour), as is a
    candidate equal to `sizes` or to an earlier one."""
    sizes = np.asarray(sizes, dtype=np.int64)
    n, colours = int(sizes.sum()), sizes.size
    found: list[np.ndarray] = []
    for least in (2 * align, align):
        if colours < 2 or least * colours > n:
            continue
        nearest = (np.cumsum(sizes) + align // 2) // align * align
        below = np.cumsum(sizes // align * align)
        for wanted in (nearest, below):
            ends, before = [], 0
            for c in range(colours - 1):
                highest = (n - least * (colours - 1 - c)) // align * align
                before = min(max(int(wanted[c]), before + least), highest)
                ends.append(before)
            target = np.diff(np.array([0, *ends, n], dtype=np.int64))
            if not np.array_equal(target, sizes) and not any(np.array_equal(target, t) for t in found):
                found.append(target)
    return found


def move_to_sizes(adjacent: np.ndarray, colour: np.ndarray, target) -> np.ndarray | None:
    """A proper colouring with colour c holding target[c] neurons, reached from the proper
    `colour` by moving neurons one at a time into a colour none of their neighbours
    has; None when no such move leads on. While a colour is short: the shortest chain
    of colours a → … → b from a colour over its target to a short one in which each
    link has a neuron of the one colour free to join the next (ties: lower colour
    numbers first); along it, on each link, of the neurons free to move the one with
    the fewest neighbours that could join the next colour themselves (so that the move
    bars the fewest), ties by lower index. Each chain brings one short colour one
    neuron nearer, so at most N chains."""
    colour = np.asarray(colour, dtype=np.int64).copy()
    target = np.asarray(target, dtype=np.int64)
    n, colours = colour.size, target.size
    size = np.bincount(colour, minlength=colours)
    if size.size != colours or target.sum() != n:
        return None
    reader, neighbour = np.nonzero(adjacent)            # by reader: k's neighbours from first[k]
    first = np.searchsorted(reader, np.arange(n + 1))
    seen = np.zeros((n, colours), dtype=np.int64)       # seen[k, c]: k's neighbours of colour c
    np.add.at(seen, (reader, colour[neighbour]), 1)
    while np.any(size < target):
        member = (colour == np.arange(colours)[:, None]).astype(np.int64)
        free = seen == 0
        free[np.arange(n), colour] = False
        link = (member @ free) > 0                      # link[a, b]: a neuron of a may join b
        chain = _shortest_chain(link, size > target, size < target)
        if chain is None:
            return None
        for a, b in zip(chain[:-1], chain[1:]):
            movable = np.flatnonzero((colour == a) & (seen[:, b] == 0))
            could_join = (seen[:, b] == 0) & (colour != b)
            bars = np.bincount(reader, weights=could_join[neighbour], minlength=n)
            k = int(movable[np.argmin(bars[movable])])
            neighbours = neighbour[first[k]:first[k + 1]]
            seen[neighbours, a] -= 1
            seen[neighbours, b] += 1
            colour[k] = b
            size[a] -= 1
            size[b] += 1
    return colour


def _shortest_chain(link: np.ndarray, over: np.ndarray, short: np.ndarray) -> list[int] | None:
    """The shortest path of colours in the graph `link` (link[a, b]: a neuron of a may
    join b) from an `over` colour to a `short` one, breadth first in colour order."""
    came = np.full(link.shape[0], -2)
    came[over] = -1
    frontier = [int(c) for c in np.flatnonzero(over)]
    while frontier:
        reached = []
        for a in frontier:
            for b in np.flatnonzero(link[a] & (came == -2)):
                came[b] = a
                reached.append(int(b))
                if short[b]:
                    chain = [int(b)]
                    while came[chain[-1]] >= 0:
                        chain.append(int(came[chain[-1]]))
                    return chain[::-1]
        frontier = reached
    return None


def sweep_cycles(adjacent: np.ndarray, colour: np.ndarray, units: int) -> int:
    """Cycles of one sweep of the sparse engine on `units` units (docs/rtl.md; the
    model of `neuropynq.board.frames.bm_sparse_sweep_cycles`) over the schedule of the
    proper `colour`, each colour's neurons in `loop_order`."""
    return _sweep_cycles(np.nonzero(adjacent), colour, units)


def _sweep_cycles(edges, colour: np.ndarray, units: int) -> int:
    colour_end = np.cumsum(np.bincount(colour))
    order = _loop_order(edges, np.lexsort((np.arange(colour.size), colour)), colour_end)
    return _order_cycles(edges, order, colour_end, units)


def _sweep_cost(edges, colour: np.ndarray) -> int:
    return sum(_sweep_cycles(edges, colour, units) for units in SWEEP_UNITS)


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
    docs/rtl.md "the z loop"): passes over colours 0…C−1, each sorting colour c by the
    latest position of its neighbours in colour c − 1 (colour 0: in colour C − 1, the
    previous sweep's) as they stand, so that its first neurons read the previous
    colour's first, not its last; neurons without such a neighbour first, ties by the
    order before. A pass changes what the next one sees (colour 0 follows colour C − 1's
    order of the pass before), so LOOP_ORDER_PASSES are made and the order after the
    pass that the sparse engine's cycle model sweeps fastest (summed over SWEEP_UNITS;
    the earliest on a tie) is kept: on sparse1024's balanced colours (spec §3.1) one
    pass takes 34 cycles per sweep at U = 32 and 26 at U = 64, the best of four 33 and
    23. The colours are unchanged, so is every result (spec §3.1: within a colour the
    update is simultaneous)."""
    return _loop_order(np.nonzero(_adjacency(W_q)), order, colour_end)


def _loop_order(edges, order, colour_end) -> np.ndarray:
    """loop_order over the graph of `edges` (reader, neighbour: both directions)."""
    order = np.asarray(order, dtype=np.int64).copy()
    ends = np.asarray(colour_end, dtype=np.int64)
    bounds = np.concatenate(([0], ends))
    colours, n = ends.size, order.size
    if colours < 2:
        return order
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    colour_of = np.searchsorted(ends, position, side="right")
    reader, neighbour = (np.asarray(e, dtype=np.int64) for e in edges)
    before = colour_of[neighbour] == (colour_of[reader] - 1) % colours
    reads = [(reader[before & (colour_of[reader] == c)], neighbour[before & (colour_of[reader] == c)])
             for c in range(colours)]                # colour c's reads of the colour before
    latest = np.zeros(n, dtype=np.int64)
    best, best_cost = order, None
    for _ in range(LOOP_ORDER_PASSES):
        order = order.copy()
        for c, (k, j) in enumerate(reads):
            position[order] = np.arange(n)
            latest[:] = 0                            # 0: no neighbour in the colour before
            np.maximum.at(latest, k, position[j] + 1)
            here = order[bounds[c]:bounds[c + 1]]
            order[bounds[c]:bounds[c + 1]] = here[np.argsort(latest[here], kind="stable")]
        cost = sum(_order_cycles(edges, order, ends, units) for units in SWEEP_UNITS)
        if best_cost is None or cost < best_cost:
            best, best_cost = order, cost
    return best


def _order_cycles(edges, order, colour_end, units: int) -> int:
    """bm_sparse_sweep_cycles of the schedule (order, colour_end) of the graph of `edges`."""
    # frames imports kernels.bm_model, which imports this module: imported here
    from .board.frames import bm_sparse_hazards, bm_sparse_sweep_cycles
    deferred, hazard = bm_sparse_hazards(order, colour_end, *edges, units)
    return bm_sparse_sweep_cycles(colour_end, units, deferred, hazard)
