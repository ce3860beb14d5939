"""The buckets of bm_threshold_search (hw/rtl/bm_threshold_search.sv), in numpy: x's
code as a small floating-point number (y = x below 2^23, 2^24 - 1 - x above; exponent
field 0 below 2^13, else e - 12 for y's leading one at bit e; the seven bits after it)."""
import numpy as np

MANT, E0, KEYS = 7, 13, 4096


def bucket_key(x: np.ndarray) -> np.ndarray:
    """The search's key of each 24-bit x (grows with x)."""
    x = np.asarray(x, dtype=np.int64)
    half = x >> 23
    y = np.where(half == 1, (1 << 24) - 1 - x, x)
    e = np.zeros_like(y)
    for bit in range(E0, 23):
        e = np.where((y >> bit) & 1 == 1, bit, e)
    field = np.where(e >= E0, e - E0 + 1, 0)
    shift = np.where(field == 0, E0 - MANT, field + E0 - 1 - MANT)
    code = (field << MANT) | ((y >> shift) & ((1 << MANT) - 1))
    return np.where(half == 1, KEYS - 1 - code, code)


def bucket_edges() -> tuple[np.ndarray, np.ndarray]:
    """The least and the greatest x of every bucket."""
    x = np.arange(1 << 24, dtype=np.int64)
    key = bucket_key(x)
    first = np.flatnonzero(np.diff(key, prepend=-1))
    last = np.append(first[1:] - 1, x.size - 1)
    return x[first], x[last]
