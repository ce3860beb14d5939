"""Physical mapping: give every slice its own free core. Slices come in an order in
which neighbours talk to each other (layer by layer; partial slices just before
their merge slice; conv tiles in serpentine order), so

* `hamilton` lays them along a Hamiltonian cycle of the mesh (a serpentine path
  when none exists, i.e. both sides odd or one side 1): consecutive slices land on
  adjacent cores;
* `rowmajor` fills rows left to right (the row change is a long hop back);
* `random` is a seeded random injection;
* `anneal` is simulated annealing of traffic x hops, started from `hamilton`.

Each returns `cores`, cores[slice] = core id (row * cols + col), all distinct and free."""
from __future__ import annotations

import math
import random as _random

import numpy as np

from ..errors import LimitError, ModelError
from .chip import Chip
from .cost import hop_traffic
from .traffic import Traffic


def _hamilton_cycle(rows: int, cols: int) -> list[tuple[int, int]]:
    """(row, col) along a Hamiltonian cycle; needs rows even and cols >= 2."""
    path = [(0, c) for c in range(cols)]
    for r in range(1, rows):
        span = range(cols - 1, 0, -1) if r % 2 == 1 else range(1, cols)
        path.extend((r, c) for c in span)
    path.extend((r, 0) for r in range(rows - 1, 0, -1))
    return path


def mesh_loop(rows: int, cols: int) -> list[int]:
    """Every core id once, consecutive ones adjacent: a Hamiltonian cycle (also the
    last back to the first) when the mesh has one, else a serpentine path."""
    if rows >= 2 and cols >= 2 and rows % 2 == 0:
        return [r * cols + c for r, c in _hamilton_cycle(rows, cols)]
    if rows >= 2 and cols >= 2 and cols % 2 == 0:
        return [r * cols + c for c, r in _hamilton_cycle(cols, rows)]
    return [r * cols + (c if r % 2 == 0 else cols - 1 - c) for r in range(rows) for c in range(cols)]


def check_fits(chip: Chip, n: int) -> list[int]:
    free = chip.free_cores()
    if n > len(free):
        raise LimitError(f"the mapping needs {n} cores but chip {chip.name!r} has {len(free)} free "
                         f"({chip.rows}x{chip.cols} mesh)")
    return free


def hamilton(chip: Chip, n: int, traffic: Traffic | None = None, seed: int = 0) -> np.ndarray:
    free = set(check_fits(chip, n))
    return np.array([k for k in mesh_loop(chip.rows, chip.cols) if k in free][:n], dtype=np.int64)


def rowmajor(chip: Chip, n: int, traffic: Traffic | None = None, seed: int = 0) -> np.ndarray:
    return np.array(check_fits(chip, n)[:n], dtype=np.int64)


def random(chip: Chip, n: int, traffic: Traffic | None = None, seed: int = 0) -> np.ndarray:
    free = np.array(check_fits(chip, n), dtype=np.int64)
    return np.random.default_rng(seed).permutation(free)[:n]


def anneal_steps(n: int) -> int:
    """Default annealing steps for n slices: 200 per slice, at most 200000."""
    return min(200 * n, 200_000)


def anneal(chip: Chip, n: int, traffic: Traffic, seed: int = 0, steps: int | None = None) -> np.ndarray:
    """Simulated annealing of traffic x hops from the Hamilton placement. A move sends
    one slice to a free core, or swaps it with the slice there, within a radius that
    shrinks from the mesh size to 1; the temperature falls geometrically from the mean
    uphill step of random moves to 1/1000 of it. Returns the best placement seen.
    `steps` defaults to 200 per slice (at most 200000)."""
    start = hamilton(chip, n)
    steps = anneal_steps(n) if steps is None else steps
    if n < 2 or traffic.rate.size == 0 or steps <= 0:
        return start
    cols = chip.cols
    pos = [int(k) for k in start]
    occupant = {k: s for s, k in enumerate(pos)}
    free = set(chip.free_cores())
    neighbours: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in zip(traffic.src.tolist(), traffic.dst.tolist(), traffic.rate.tolist()):
        neighbours[a].append((b, w))
        neighbours[b].append((a, w))

    def dist(p: int, q: int) -> int:
        return abs(p // cols - q // cols) + abs(p % cols - q % cols)

    def delta(a: int, core: int, b: int) -> float:
        """Change of traffic x hops when slice a moves to `core` and slice b (or -1) to a's core."""
        old, change = pos[a], 0.0
        for m, w in neighbours[a]:
            if m != b:
                change += w * (dist(core, pos[m]) - dist(old, pos[m]))
        if b >= 0:
            for m, w in neighbours[b]:
                if m != a:
                    change += w * (dist(old, pos[m]) - dist(core, pos[m]))
        return change

    rng = _random.Random(seed)
    radius_max = max(chip.rows, chip.cols)

    def propose(radius: int):
        a = rng.randrange(n)
        r, c = divmod(pos[a], cols)
        r2 = r + rng.randint(-radius, radius)
        c2 = c + rng.randint(-radius, radius)
        core = r2 * cols + c2
        if not (0 <= r2 < chip.rows and 0 <= c2 < cols) or core not in free or core == pos[a]:
            return None
        return a, core, occupant.get(core, -1)

    uphill = [d for d in (delta(*m) for m in (propose(2) for _ in range(200)) if m)
              if d > 0]
    t_start = float(np.mean(uphill)) if uphill else 1.0
    t_end = t_start * 1e-3
    cost = best = hop_traffic(traffic, start, cols)
    best_pos = list(pos)
    for step in range(steps):
        progress = step / steps
        move = propose(max(1, round(radius_max * (1 - progress))))
        if move is None:
            continue
        a, core, b = move
        d = delta(a, core, b)
        temperature = t_start * (t_end / t_start) ** progress
        if d <= 0 or rng.random() < math.exp(-d / temperature):
            old = pos[a]
            pos[a] = core
            occupant[core] = a
            if b >= 0:
                pos[b] = old
                occupant[old] = b
            else:
                del occupant[old]
            cost += d
        # Snapshot the best state once per n steps so copying stays O(steps) overall.
        if (step + 1) % n == 0 and cost < best - 1e-9:
            best, best_pos = cost, list(pos)
    if cost < best - 1e-9:
        best_pos = pos
    return np.array(best_pos, dtype=np.int64)


PLACEMENTS = {"hamilton": hamilton, "anneal": anneal, "rowmajor": rowmajor, "random": random}


def place(method: str, chip: Chip, n: int, traffic: Traffic, seed: int = 0) -> np.ndarray:
    if method not in PLACEMENTS:
        raise ModelError(f"unknown placement {method!r}: expected {', '.join(PLACEMENTS)}")
    return PLACEMENTS[method](chip, n, traffic, seed)
