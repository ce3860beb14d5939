"""Many queries: 1000 evidence sets of ALARM at S = 4096 (T = 256, cpu backend)
answered by one `neuropynq infer --evidence-file` against 1000 separate
`neuropynq infer --evidence` calls.

The evidence sets observe 1 to 4 variables at the states of a forward (ancestral)
sample, so none has probability zero. The batch is timed whole, as a command
(interpreter start-up and all). The separate calls are timed on the first
SEPARATE_CALLS rows only and extrapolated to all rows: each call pays the same
start-up, BIF parse, table build and backend load, and its run is one of the rows
the batch also runs, so the mean per call times the row count is the cost of all
of them. The in-process `Sampler.posterior_batch` time is printed as well.

    python bench/bench_batch.py [rows] [separate calls]    (default 1000, 20)
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from neuropynq import BayesNet, Sampler

ALARM = Path(__file__).resolve().parents[1] / "examples" / "alarm.bif"
SAMPLES, WINDOW = 4096, 256
TARGET = 20


def forward_sample(bn: BayesNet, rng: np.random.Generator) -> dict[str, str]:
    """One ancestral sample of every variable, as state names."""
    state: dict[str, int] = {}
    for v in bn.topological_order():
        probs = np.asarray(bn.cpt[v])[tuple(state[p] for p in bn.parents[v])]
        state[v] = int(rng.choice(bn.card(v), p=probs / probs.sum()))
    return {v: bn.states[v][k] for v, k in state.items()}


def evidence_rows(bn: BayesNet, n: int, seed: int = 1) -> list[dict[str, str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        sample = forward_sample(bn, rng)
        observed = rng.choice(bn.variables, size=int(rng.integers(1, 5)), replace=False)
        rows.append({v: sample[v] for v in observed})
    return rows


def command(*args) -> list[str]:
    return [sys.executable, "-m", "neuropynq", "infer", str(ALARM), "--backend", "cpu",
            "--samples", str(SAMPLES), "--window", str(WINDOW), *args]


def timed_run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(n_rows: int = 1000, n_separate: int = 20) -> None:
    bn = BayesNet.from_bif(ALARM)
    rows = evidence_rows(bn, n_rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=bn.variables)
            writer.writeheader()
            writer.writerows(rows)
        batch = timed_run(command("--evidence-file", str(path)))
    separate = [timed_run(command("--evidence", ",".join(f"{v}={s}" for v, s in row.items()), "--json"))
                for row in rows[:n_separate]]
    start = time.perf_counter()
    answers = Sampler("cpu").posterior_batch(bn, rows, samples=SAMPLES, window=WINDOW)
    in_process = time.perf_counter() - start
    assert len(answers) == n_rows and all(a.total > 0 for a in answers)

    per_call = float(np.mean(separate))
    print(f"alarm, {n_rows} evidence rows, S={SAMPLES} T={WINDOW}, cpu backend, "
          f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"  one `infer --evidence-file` command   {batch:8.2f} s   ({1000 * batch / n_rows:.2f} ms per row)")
    print(f"  Sampler.posterior_batch in process    {in_process:8.2f} s   ({1000 * in_process / n_rows:.2f} ms per row)")
    print(f"  separate `infer` calls: {n_separate} timed, {per_call:.3f} s each "
          f"(min {min(separate):.3f}, max {max(separate):.3f}); x {n_rows} = {per_call * n_rows:.0f} s")
    print(f"  batch speed-up {per_call * n_rows / batch:.0f}x (range {min(separate) * n_rows / batch:.0f}x"
          f" to {max(separate) * n_rows / batch:.0f}x over the timed calls); target >= {TARGET}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
