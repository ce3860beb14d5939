"""Output-frame head and 64-bit word helpers (docs/spec.md §4.4, §4.5)."""
import numpy as np
import pytest

from neuropynq.errors import KernelError
from neuropynq.framing import (MAGIC_OUT, Status, join_u64, output_frame, parse_output,
                               split_u64)


def test_output_frame_round_trip():
    frame = output_frame(Status.OK, [7, 8, 9])
    assert frame.dtype == np.uint32
    assert frame.tolist() == [MAGIC_OUT, 0, 3, 7, 8, 9]
    assert parse_output(frame).tolist() == [7, 8, 9]


def test_error_status_is_named():
    with pytest.raises(KernelError, match="BAD_PARAMS"):
        parse_output(output_frame(Status.BAD_PARAMS))


@pytest.mark.parametrize("words, problem", [
    ([], "malformed"),
    ([0x12345678, 0, 0], "malformed"),
    ([MAGIC_OUT, 0, 4, 1], "says 4 payload words but has 1"),
    ([MAGIC_OUT, 99, 0], "unknown status 99"),
])
def test_malformed_output_frames_are_rejected(words, problem):
    with pytest.raises(KernelError, match=problem):
        parse_output(words)


def test_u64_words_are_low_then_high():
    values = [0, 1, 2**32, 2**48 - 1]
    words = split_u64(values)
    assert words.tolist() == [0, 0, 1, 0, 0, 1, 0xFFFFFFFF, 0xFFFF]
    assert join_u64(words).tolist() == values
