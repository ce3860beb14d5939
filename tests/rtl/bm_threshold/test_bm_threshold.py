"""bm_threshold_search (hw/rtl/bm_threshold_search.sv): the bucket property its design
rests on, over all 2^24 x, and the twin against the table under cocotb + Verilator."""
import numpy as np
import pytest

from neuropynq.luts import SIGMOID_LUT, bucket_key
from tests.rtl.common.build import build_and_run, rtl_sources


def test_no_bucket_holds_more_than_one_entry():
    """m = m0 + one compare is exact iff the key grows with x and each bucket's x see
    at most two counts m (one table entry inside it); m0 fits the table's 9 bits as
    m0 - 512 h (h = x's top bit) with 512 stored as 511 iff m0 <= 512 below 2^23,
    >= 512 above, and a bucket whose m0 is 512 h + 512 has only that m."""
    x = np.arange(1 << 24, dtype=np.int64)
    key = bucket_key(x)
    assert (np.diff(key) >= 0).all()
    assert key.max() < 4096
    m = np.searchsorted(SIGMOID_LUT.astype(np.int64), x, side="right")
    first = np.flatnonzero(np.diff(key, prepend=-1))
    m0, spread = m[first], np.maximum.reduceat(m, first) - m[first]
    assert spread.max() == 1            # 1 is reached: the compare is needed, and enough
    half = x[first] >> 23
    stored = m0 - 512 * half
    assert ((stored >= 0) & (stored <= 512)).all()
    assert (spread[stored == 512] == 0).all()


@pytest.mark.rtl
def test_search_matches_table():
    build_and_run("bm_threshold_search", rtl_sources("bm_threshold_search.sv"), {},
                  "tests.rtl.bm_threshold.bm_threshold_tb", testcase="counts_match_table")
