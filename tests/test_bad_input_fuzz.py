"""The bad-input fuzz of issue 16 in the suite: a few hundred mutated inputs per
format (BIF, Boltzmann .npz, mapper network JSON, chip JSON, CLI arguments), fixed
seeds, each checked against the CLI's contract by tests/fuzz/driver.py — exit 2 with
one stderr line, or exit 0 with valid finite output, never exit 0 on a surely bad
input, never a traceback, a hang (10 s per input) or an allocation beyond the
address-space cap. `make fuzz` runs a longer version."""
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).resolve().parent / "fuzz" / "driver.py"
sys.path.insert(0, str(DRIVER.parent))
from corpus import FORMATS  # noqa: E402

CASES_PER_FORMAT = 200
MEMORY_CAP = 2 << 30


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_driver(*args) -> tuple[dict, list[dict]]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(DRIVER), "--quiet", "--case-timeout", "10", *args],
                          capture_output=True, text=True, timeout=240, preexec_fn=_cap_memory, env=env)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines and "summary" in lines[-1], proc.stdout[-2000:] + proc.stderr[-2000:]
    failures = lines[:-1]
    assert proc.returncode == (1 if failures else 0), proc.stderr[-2000:]
    return lines[-1]["summary"], failures


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_inputs_keep_the_contract(fmt):
    # Two of the cases also in their own process: output that bypasses sys.stderr shows there.
    summary, failures = run_driver("--format", fmt, "--count", str(CASES_PER_FORMAT), "--seed", "1",
                                   "--every", str(CASES_PER_FORMAT // 2))
    assert failures == []
    assert summary["per-process"]["cases"] == 2
    tally = summary[fmt]
    assert tally["cases"] == CASES_PER_FORMAT
    # Not vacuous: the mutations reach both outcomes, and most inputs are refused.
    assert tally["exit 0"] >= 5 and tally["exit 2"] >= CASES_PER_FORMAT // 2


def test_special_files_one_process_each():
    summary, failures = run_driver("--special")
    assert failures == []
    assert summary["special"]["exit 2"] == summary["special"]["cases"] == 13
