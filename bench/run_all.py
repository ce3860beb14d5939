"""Run every benchmark module in bench/ (bench_*.py) and print their tables.

Each module runs in its own interpreter so one failing benchmark does not hide
the others; the exit code is non-zero if any failed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for module in sorted(BENCH_DIR.glob("bench_*.py")):
        print(f"=== {module.stem}", flush=True)
        if subprocess.run([sys.executable, str(module)]).returncode != 0:
            failed.append(module.stem)
        print(flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
