"""bm_threshold_search (hw/rtl/bm_threshold_search.sv): the bucket property its design
rests on, over all 2^24 x, and the twin against the table under cocotb + Verilator."""
import numpy as np
import pytest

from neuropynq.luts import SIGMOID_LUT
from tests.rtl.bm_threshold.buckets import bucket_key
from tests.rtl.common.build import build_and_run, rtl_sources


def test_no_bucket_holds_more_than_two_entries():
    """m = m0 + two compares is exact iff the key grows with x and each bucket's x see
    at most three counts m (two table entries inside it)."""
    x = np.arange(1 << 24, dtype=np.int64)
    key = bucket_key(x)
    assert (np.diff(key) >= 0).all()
    assert key.max() < 2048
    m = np.searchsorted(SIGMOID_LUT.astype(np.int64), x, side="right")
    first = np.flatnonzero(np.diff(key, prepend=-1))
    spread = np.maximum.reduceat(m, first) - m[first]
    assert spread.max() == 2            # 2 is reached: two compares are needed, and enough


@pytest.mark.rtl
def test_search_matches_table():
    build_and_run("bm_threshold_search", rtl_sources("bm_threshold_search.sv"), {},
                  "tests.rtl.bm_threshold.bm_threshold_tb", testcase="counts_match_table")
