"""Boltzmann machines over binary units: p(z) ∝ exp(bᵀz + ½ zᵀWz), z ∈ {0,1}^N.

The model the `bm_sampler` kernel samples (docs/spec.md §3). W is symmetric with
a zero diagonal; the constructor checks this because the kernel uses row k for
neuron k and trusts the host on symmetry.
"""
from __future__ import annotations


import numpy as np

from ..errors import LimitError, ModelError, quote
from ..fixedpoint import WEIGHT_FRAC_BITS
from ..limits import SPEC_BM_LIMITS
from ..npz import open_npz

SYMMETRY_ATOL = 1e-12


def _as_float_array(x, name: str) -> np.ndarray:
    try:
        array = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name} is not a numeric array: {exc}") from None
    return array


def _check_weights(W: np.ndarray) -> None:
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ModelError(f"W must be a square matrix, got shape {W.shape}")
    if W.shape[0] < 1:
        raise ModelError("a Boltzmann machine needs at least one neuron (W is 0x0)")
    bad = np.argwhere(~np.isfinite(W))
    if bad.size:
        i, j = bad[0]
        raise ModelError(f"W[{i},{j}] is not finite ({W[i, j]})")
    diagonal = np.flatnonzero(np.diag(W))
    if diagonal.size:
        k = diagonal[0]
        raise ModelError(f"W must have a zero diagonal, W[{k},{k}] = {W[k, k]}")
    asymmetric = np.argwhere(np.abs(W - W.T) > SYMMETRY_ATOL)
    if asymmetric.size:
        i, j = asymmetric[0]   # row-major, so i < j
        raise ModelError(f"W is not symmetric: W[{i},{j}] = {W[i, j]} but W[{j},{i}] = {W[j, i]}")


def _check_biases(b: np.ndarray, n: int) -> None:
    if b.ndim != 1 or b.shape[0] != n:
        raise ModelError(f"b must be a vector of length N = {n}, got shape {b.shape}")
    bad = np.flatnonzero(~np.isfinite(b))
    if bad.size:
        raise ModelError(f"b[{bad[0]}] is not finite ({b[bad[0]]})")


Q_STEP = 2.0 ** -WEIGHT_FRAC_BITS      # one Q5.10 step (spec §3.1)


def _require_count(name: str, value) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ModelError(f"{name} must be a positive integer, got {value!r}")


class BoltzmannMachine:
    """A validated, immutable Boltzmann machine (W, b are read-only float64 copies)."""

    def __init__(self, W, b):
        W = _as_float_array(W, "W")
        b = _as_float_array(b, "b")
        _check_weights(W)
        _check_biases(b, W.shape[0])
        # Symmetrise exactly so that row k and column k agree bit for bit when quantised.
        W = (W + W.T) / 2.0
        W.setflags(write=False)
        b.setflags(write=False)
        self.W = W
        self.b = b

    @property
    def n(self) -> int:
        return self.W.shape[0]

    def __repr__(self) -> str:
        edges = int(np.count_nonzero(np.triu(self.W)))
        return f"BoltzmannMachine(n={self.n}, edges={edges})"

    @classmethod
    def random(cls, n: int, seed: int, density: float = 1.0, weight_scale: float = 1.0,
               bias_scale: float = 1.0) -> "BoltzmannMachine":
        """Reproducible random machine: upper-triangle weights ~ weight_scale·N(0,1), each
        kept with probability `density`; biases ~ bias_scale·N(0,1).

        Draw order from numpy default_rng(seed): the n(n−1)/2 upper-triangle weights
        (row-major), then their n(n−1)/2 keep-uniforms, then the n biases.
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ModelError(f"n must be a positive integer, got {n!r}")
        if not 0.0 <= density <= 1.0:
            raise ModelError(f"density must be in [0, 1], got {density}")
        for name, scale in (("weight_scale", weight_scale), ("bias_scale", bias_scale)):
            if not np.isfinite(scale) or scale < 0:
                raise ModelError(f"{name} must be finite and >= 0, got {scale}")
        rng = np.random.default_rng(seed)
        rows, cols = np.triu_indices(n, k=1)
        weights = weight_scale * rng.standard_normal(rows.size)
        keep = rng.random(rows.size) < density
        W = np.zeros((n, n))
        W[rows, cols] = np.where(keep, weights, 0.0)
        W += W.T
        b = bias_scale * rng.standard_normal(n)
        return cls(W, b)

    @classmethod
    def king_graph(cls, side: int, seed: int, weight_scale: float = 0.5,
                   bias_scale: float = 0.5) -> "BoltzmannMachine":
        """side x side neurons on a grid (neuron r·side + c), each coupled to its (up to)
        8 king-move neighbours: degree 8 inside, 5 on the edges, 3 at the corners.
        Draw order from default_rng(seed): each edge's weight ~ weight_scale·N(0,1), by
        cell (row-major) then direction (right, down-left, down, down-right); then the
        biases ~ bias_scale·N(0,1). A weight below one Q5.10 step in magnitude is set to
        that step (sign kept), so that no edge quantises to 0: the degrees stay the
        graph's and the greedy colouring (colouring.py) its 4 colours of side²/4."""
        _require_count("side", side)
        rng = np.random.default_rng(seed)
        n = side * side
        W = np.zeros((n, n))
        for r in range(side):
            for c in range(side):
                for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):   # each edge once
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < side and 0 <= cc < side:
                        w = weight_scale * rng.standard_normal()
                        W[r * side + c, rr * side + cc] = w if abs(w) >= Q_STEP else np.copysign(Q_STEP, w)
        return cls(W + W.T, bias_scale * rng.standard_normal(n))

    @classmethod
    def bounded_degree(cls, n: int, degree: int, seed: int, weight_scale: float = 0.5,
                       bias_scale: float = 0.5) -> "BoltzmannMachine":
        """A random graph of degree <= `degree`: `degree` stubs per neuron paired at random
        (default_rng(seed) permutes them), self-loops and repeated pairs dropped (most
        neurons keep all `degree`); each kept pair's weight ~ weight_scale·N(0,1) as it
        is paired, then the biases ~ bias_scale·N(0,1)."""
        _require_count("n", n)
        _require_count("degree", degree)
        rng = np.random.default_rng(seed)
        stubs = rng.permutation(np.repeat(np.arange(n), degree))
        if stubs.size % 2:
            stubs = stubs[:-1]      # an odd stub count: one stub stays unpaired
        W = np.zeros((n, n))
        for a, b in stubs.reshape(-1, 2):
            if a != b and W[a, b] == 0:
                W[a, b] = W[b, a] = weight_scale * rng.standard_normal()
        return cls(W, bias_scale * rng.standard_normal(n))

    def energy(self, z) -> np.ndarray:
        """−(bᵀz + ½ zᵀWz) for one state (shape (N,), returns a 0-d array) or for
        each row of a (M, N) array of states (returns shape (M,))."""
        z = np.asarray(z)
        if z.ndim not in (1, 2) or z.shape[-1] != self.n:
            raise ModelError(f"states must have shape (N,) or (M, N) with N = {self.n}, got {z.shape}")
        if not np.all((z == 0) | (z == 1)):
            raise ModelError("states must be binary (0/1)")
        zf = z.astype(np.float64)
        return -(zf @ self.b + 0.5 * np.sum((zf @ self.W) * zf, axis=-1))

    def neighbours(self) -> list[np.ndarray]:
        """For each neuron k, the indices j with W[k, j] != 0 (ascending)."""
        return [np.flatnonzero(row) for row in self.W]

    def save(self, path) -> None:
        """Write arrays W and b to an .npz file at exactly `path`."""
        with open(path, "wb") as handle:
            np.savez(handle, W=self.W, b=self.b)

    @classmethod
    def load(cls, path) -> "BoltzmannMachine":
        """Read a machine saved by `save` (an .npz with arrays W and b)."""
        n_max = SPEC_BM_LIMITS.n_max
        with open_npz(path, "a Boltzmann machine (arrays W and b)") as archive:
            missing = [key for key in ("W", "b") if key not in archive.files]
            if missing:
                raise ModelError(f"{path} lacks array(s) {', '.join(missing)}; "
                                 f"it has {quote(', '.join(archive.files))}")
            # Sizes come from the .npy headers, so an oversized W is never inflated.
            shape, _ = archive.header("W")
            if len(shape) == 2 and max(shape) > n_max:
                raise LimitError(f"{path}: W is {shape[0]} x {shape[1]}; a Boltzmann machine "
                                 f"has at most N = {n_max} neurons")
            return cls(archive.array("W", ndim=2, elements_max=n_max * n_max),
                       archive.array("b", ndim=1, elements_max=n_max))
