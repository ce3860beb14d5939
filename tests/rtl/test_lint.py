"""`make rtl-lint` (verilator --lint-only -Wall on every RTL top) is part of the suite,
so a warning in the twins fails `make test` instead of waiting for someone to run it."""
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.rtl

ROOT = Path(__file__).resolve().parents[2]


def test_every_rtl_top_lints_clean(tmp_path):
    # A stand-in venv whose stamps are current, so make lints with this interpreter
    # instead of creating or reinstalling .venv.
    venv = tmp_path / "venv"
    venv.mkdir()
    for stamp in (".runtime", ".dev"):
        (venv / stamp).touch()
    run = subprocess.run(["make", "-s", "rtl-lint", f"VENV={venv}", f"PY={sys.executable}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    linted = [line.split()[1] for line in run.stdout.splitlines() if line.startswith("lint ")]
    assert {"bn_sampler", "bm_sampler", "npq_axil_ctrl"} <= set(linted), run.stdout
