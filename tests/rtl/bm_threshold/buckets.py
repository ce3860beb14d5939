"""The buckets of bm_threshold_search (hw/rtl/bm_threshold_search.sv): their edges,
from the key of neuropynq.luts (the one the M0 table is built on)."""
import numpy as np

from neuropynq.luts import bucket_key


def bucket_edges() -> tuple[np.ndarray, np.ndarray]:
    """The least and the greatest x of every bucket."""
    x = np.arange(1 << 24, dtype=np.int64)
    key = bucket_key(x)
    first = np.flatnonzero(np.diff(key, prepend=-1))
    last = np.append(first[1:] - 1, x.size - 1)
    return x[first], x[last]
