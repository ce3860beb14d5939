"""Shared fixtures.

`shared_bn_dir` is the folder of bnlearn BIF files that sits beside the repo
(`<repo>/../shared/bn`, as in CI). A test that takes a `shared_bif` argument is
run once per BIF file found there, and is skipped when the folder is absent.
"""
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = REPO_ROOT / "examples"
SHARED_BN_DIR = REPO_ROOT.parent / "shared" / "bn"
_NO_SHARED_BN = f"shared BIF folder {SHARED_BN_DIR} is absent"


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
