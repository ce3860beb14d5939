"""Bad-input fuzz driver (issue 16): runs the cases of tests/fuzz/corpus.py and
checks the CLI's contract on each — exit 2 with exactly one line on stderr, or exit
0 with valid, finite output (never exit 0 on a surely bad input).

    python tests/fuzz/driver.py --format bif --count 300 --seed 1     # in-process
    python tests/fuzz/driver.py --special                             # one process each
    python tests/fuzz/driver.py --all --count 600 --every 20          # every format; 1 in 20
                                                                      # also in its own process

In-process runs call `neuropynq.cli.main` with a per-input time limit (SIGALRM);
run the driver itself under a memory cap (the test does, with RLIMIT_AS), so that a
run-away allocation ends as MemoryError, which the check reports. One JSON line per
case is printed as it ends, then a summary line; the exit code is 1 if any case failed."""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import FORMATS, Case, cases, special_cases  # noqa: E402

ERROR_LINE = re.compile(r"neuropynq( \w+)?: error: \S")


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def _reject_constant(name):
    raise ValueError(f"non-finite {name}")


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def check(case: Case, code, out: str, err: str) -> str | None:
    """None if the run kept the contract, else what went wrong."""
    if code == 2:
        if "Traceback" in err or err.count("\n") != 1 or not ERROR_LINE.match(err):
            return "exit 2 without exactly one error line"
        if "out of memory" in err:
            return "allocation beyond the memory cap"
        return None
    if code != 0:
        return f"exit {code}"
    if case.bad:
        return "exit 0 on bad input"
    if err:
        return "exit 0 with output on stderr"
    if "--version" in case.argv:
        return None if out.startswith("neuropynq ") else "bad --version output"
    if "--json" not in case.argv:
        return None if out and not re.search(r"\b(nan|inf)\b", out) else "text output empty or not finite"
    try:
        data = json.loads(out, parse_constant=_reject_constant)
    except ValueError as exc:
        return f"exit 0 with invalid JSON output ({exc})"
    if not all(math.isfinite(x) for x in _numbers(data)):
        return "exit 0 with a non-finite number"
    command = case.argv[0]
    if command in ("exact", "infer"):
        for dist in data["posterior"].values():
            if not all(0 <= p <= 1 for p in dist.values()) or abs(sum(dist.values()) - 1) > 1e-6:
                return "exit 0 with a posterior that is not a distribution"
    if command == "bm":
        if not all(0 <= m <= 1 for m in data["marginals"]):
            return "exit 0 with marginals outside [0, 1]"
        if "histogram" in data and sum(data["histogram"].values()) != data["sweeps"]:
            return "exit 0 with a histogram that does not count every sweep"
    if command == "map" and not all(x >= 0 for x in _numbers(data["cost"])):
        return "exit 0 with a negative cost"
    return None


def _materialise(case: Case, folder: Path) -> None:
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    for name, kind in case.specials.items():
        if kind == "fifo":
            os.mkfifo(folder / name)
        elif kind == "dir":
            (folder / name).mkdir()
        else:
            (folder / name).symlink_to(kind)


def run_in_process(case: Case, limit: float) -> tuple[object, str, str]:
    from neuropynq import cli
    out, err = io.StringIO(), io.StringIO()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(case.argv))
    except SystemExit as exc:
        code = exc.code
    except Hang:
        code = "hang"
    except BaseException:   # noqa: BLE001 - any escape is what the fuzz looks for
        code = "traceback"
        err.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return code, out.getvalue(), err.getvalue()


def run_in_subprocess(case: Case, limit: float, memory: int, folder: Path) -> tuple[object, str, str]:
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        proc = subprocess.run([sys.executable, "-m", "neuropynq", *case.argv], cwd=folder, capture_output=True,
                              text=True, timeout=limit, preexec_fn=cap, env=env)
    except subprocess.TimeoutExpired:
        return "hang", "", ""
    return proc.returncode, proc.stdout, proc.stderr


def run_case(case: Case, base: Path, limit: float, memory: int | None) -> dict:
    folder = Path(tempfile.mkdtemp(dir=base))
    start = time.perf_counter()
    try:
        _materialise(case, folder)
        if memory is None:
            os.chdir(folder)
            code, out, err = run_in_process(case, limit)
        else:
            code, out, err = run_in_subprocess(case, limit, memory, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    problem = {"hang": f"no answer within {limit} s", "traceback": "an exception escaped"}.get(code) \
        if isinstance(code, str) else check(case, code, out, err)
    return {"case": case.name[:200], "argv": [a[:60] for a in case.argv], "exit": code, "problem": problem,
            "stderr": err[-600:], "seconds": round(time.perf_counter() - start, 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=FORMATS, action="append", default=[])
    parser.add_argument("--all", action="store_true", help="every format")
    parser.add_argument("--special", action="store_true", help="the special files, one process each")
    parser.add_argument("--huge", action="store_true", help="with --special: also files of 50 MiB")
    parser.add_argument("--count", type=int, default=100, help="cases per format")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--case-timeout", type=float, default=20.0)
    parser.add_argument("--memory", type=int, default=2 << 30, help="bytes of address space per process "
                        "(--special, --every; in-process runs inherit the driver's limit)")
    parser.add_argument("--jobs", type=int, default=2, help="concurrent processes")
    parser.add_argument("--every", type=int, default=0, metavar="K",
                        help="also run every K-th case in its own process (catches output that "
                             "bypasses sys.stderr)")
    parser.add_argument("--quiet", action="store_true", help="print failures and the summary only")
    args = parser.parse_args(argv)
    formats = list(FORMATS) if args.all else args.format
    signal.signal(signal.SIGALRM, _alarm)
    counts: dict[str, dict[str, int]] = {}
    failed = 0
    base = Path(tempfile.mkdtemp(prefix="neuropynq-fuzz-"))
    home = os.getcwd()

    def report(fmt, result):
        nonlocal failed
        tally = counts.setdefault(fmt, {"cases": 0, "exit 0": 0, "exit 2": 0, "failed": 0})
        tally["cases"] += 1
        if result["problem"]:
            tally["failed"] += 1
            failed += 1
        elif result["exit"] in (0, 2):
            tally[f"exit {result['exit']}"] += 1
        if result["problem"] or not args.quiet:
            print(json.dumps(result), flush=True)

    try:
        sampled = []
        for fmt in formats:
            for k, case in enumerate(cases(fmt, args.count, args.seed)):
                report(fmt, run_case(case, base, args.case_timeout, None))
                # A NUL cannot be in a real command line (exec refuses it); only in-process.
                if args.every and k % args.every == 0 and not any("\x00" in a for a in case.argv):
                    sampled.append(case)
        os.chdir(home)
        by_process = sampled + (special_cases(args.huge) if args.special else [])
        with ThreadPoolExecutor(args.jobs) as pool:
            for case, result in zip(by_process, pool.map(
                    lambda c: run_case(c, base, args.case_timeout, args.memory), by_process)):
                report("special" if case.name.startswith("special/") else "per-process", result)
    finally:
        os.chdir(home)
        shutil.rmtree(base, ignore_errors=True)
    print(json.dumps({"summary": counts, "failed": failed}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
