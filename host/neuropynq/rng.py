"""The spec's random number generator (docs/spec.md §1): xoshiro128** streams
seeded from (seed, stream id) by splitmix64.

Scalar functions document the algorithm; `Streams` advances many streams at once
(one numpy lane per stream) and is what the reference samplers use.
"""
from __future__ import annotations

import numpy as np

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF
GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB


def splitmix64_mix(z: int) -> int:
    z &= MASK64
    z = ((z ^ (z >> 30)) * MIX1) & MASK64
    z = ((z ^ (z >> 27)) * MIX2) & MASK64
    return z ^ (z >> 31)


def seed_state(seed: int, stream: int) -> tuple[int, int, int, int]:
    """Initial xoshiro128** state of stream `stream` for the 64-bit `seed`."""
    a = splitmix64_mix(seed + (2 * stream + 1) * GAMMA)
    b = splitmix64_mix(seed + (2 * stream + 2) * GAMMA)
    s = (a & MASK32, a >> 32, b & MASK32, b >> 32)
    return (1, 0, 0, 0) if s == (0, 0, 0, 0) else s


def shifted_seed(seed: int, first: int) -> int:
    """The seed under which stream id j is stream `first` + j of `seed` (§1.2: stream
    id j starts from splitmix64 outputs 2j and 2j + 1, i.e. seed + (2j + 1)·GAMMA, so
    advancing the seed by 2·first·GAMMA renames the streams). A run of samples
    first … first + n − 1 is then a run of n samples with this seed."""
    return (seed + 2 * first * GAMMA) & MASK64


def _rotl32(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK32


def next_scalar(s: list[int]) -> int:
    """One draw from the state list `s` (modified in place)."""
    s0, s1, s2, s3 = s
    r = (_rotl32((s1 * 5) & MASK32, 7) * 9) & MASK32
    t = (s1 << 9) & MASK32
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl32(s3, 11)
    s[:] = [s0, s1, s2, s3]
    return r


def _mix_array(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
    return z ^ (z >> np.uint64(31))


class Streams:
    """xoshiro128** streams with ids `ids` for `seed`, advanced together.

    Every call to `next()` draws one number from each stream; `next()[j]` is the
    draw of stream `ids[j]`.
    """

    def __init__(self, seed: int, ids) -> None:
        if not 0 <= int(seed) <= MASK64:
            raise ValueError(f"seed must be a 64-bit unsigned integer, got {seed}")
        ids = np.asarray(ids, dtype=np.uint64)
        seed64 = np.uint64(int(seed))
        with np.errstate(over="ignore"):
            a = _mix_array(seed64 + (np.uint64(2) * ids + np.uint64(1)) * np.uint64(GAMMA))
            b = _mix_array(seed64 + (np.uint64(2) * ids + np.uint64(2)) * np.uint64(GAMMA))
        m = np.uint64(MASK32)
        self.s0 = (a & m).astype(np.uint32)
        self.s1 = (a >> np.uint64(32)).astype(np.uint32)
        self.s2 = (b & m).astype(np.uint32)
        self.s3 = (b >> np.uint64(32)).astype(np.uint32)
        zero = (self.s0 | self.s1 | self.s2 | self.s3) == 0
        self.s0[zero] = 1

    def __len__(self) -> int:
        return self.s0.size

    def next(self) -> np.ndarray:
        s0, s1, s2, s3 = self.s0, self.s1, self.s2, self.s3
        x = s1 * np.uint32(5)
        r = ((x << np.uint32(7)) | (x >> np.uint32(25))) * np.uint32(9)
        t = s1 << np.uint32(9)
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s3 = (s3 << np.uint32(11)) | (s3 >> np.uint32(21))
        return r

    def select(self, mask: np.ndarray) -> "Streams":
        """A view-free copy holding only the streams where `mask` is true."""
        out = Streams.__new__(Streams)
        out.s0, out.s1, out.s2, out.s3 = (a[mask].copy() for a in (self.s0, self.s1, self.s2, self.s3))
        return out
