"""Shared fixtures.

Tests marked `vivado` or `board` are skipped with the reason when Vivado or a PYNQ
board with the neuropynq overlay is absent (`vitis` tests carry their own skip).

The tools every other test needs (g++ for the C simulation and the cpu backend,
tclsh for the Vivado/Vitis Tcl) are checked once: without them the suite stops
with the reason instead of skipping what it cannot run.

`shared_bn_dir` is the folder of bnlearn BIF files that sits beside the repo
(`<repo>/../shared/bn`, as in CI). A test that takes a `shared_bif` argument is
run once per BIF file found there, and is skipped when the folder is absent.
"""
import importlib.util
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = REPO_ROOT / "examples"
SHARED_BN_DIR = REPO_ROOT.parent / "shared" / "bn"
_NO_SHARED_BN = f"shared BIF folder {SHARED_BN_DIR} is absent"
REQUIRED_TOOLS = {"g++": "the C simulation and the cpu backend (apt-get install g++)",
                  "tclsh": "the Vivado and Vitis Tcl tests (apt-get install tcl)"}


def pytest_configure(config):
    missing = [f"{tool}, for {why}" for tool, why in REQUIRED_TOOLS.items() if shutil.which(tool) is None]
    if missing:
        pytest.exit("the test suite needs " + "; ".join(missing), returncode=1)


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES_DIR


@pytest.fixture
def shared_bn_dir() -> Path:
    if not SHARED_BN_DIR.is_dir():
        pytest.skip(_NO_SHARED_BN)
    return SHARED_BN_DIR


def pytest_generate_tests(metafunc):
    if "shared_bif" in metafunc.fixturenames:
        files = sorted(SHARED_BN_DIR.glob("*.bif")) if SHARED_BN_DIR.is_dir() else []
        if files:
            metafunc.parametrize("shared_bif", files, ids=[f.stem for f in files])
        else:
            metafunc.parametrize("shared_bif", [pytest.param(None, marks=pytest.mark.skip(_NO_SHARED_BN))],
                                 ids=["no-shared-bn"])


def _vivado_missing() -> str | None:
    return None if shutil.which("vivado") else "Vivado is not on PATH"


def _board_missing() -> str | None:
    if importlib.util.find_spec("pynq") is None:
        return "not on a PYNQ board (the pynq package is not installed)"
    from neuropynq.board.bitstreams import board_name, board_overlays, find_bitstream
    from neuropynq.errors import BackendUnavailable
    try:
        for kernel in board_overlays(board_name()):     # every overlay this board has
            find_bitstream(kernel)
    except BackendUnavailable as exc:
        return str(exc)
    return None


# Markers for what needs tools or hardware this machine may lack: skipped with the reason.
_REQUIREMENTS = {"vivado": _vivado_missing, "board": _board_missing}


def pytest_collection_modifyitems(config, items):
    reasons: dict[str, str | None] = {}
    for item in items:
        for marker, missing in _REQUIREMENTS.items():
            # get_closest_marker, not `in item.keywords`: keywords include the names of
            # the folders above the test, so a checkout named "board" would skip everything.
            if item.get_closest_marker(marker) is not None:
                if marker not in reasons:
                    reasons[marker] = missing()
                if reasons[marker]:
                    item.add_marker(pytest.mark.skip(reason=reasons[marker]))
