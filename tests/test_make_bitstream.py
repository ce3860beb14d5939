"""`make bitstream` without the Xilinx tools fails within seconds naming the settings
script to source; with (stand-in) tools it runs, per kernel (one overlay each), HLS
export then the Vivado flow."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuropynq.board.bitstreams import board_overlays
from neuropynq.boards import board_build

ROOT = Path(__file__).resolve().parents[1]


def make(*args, path="/usr/bin:/bin"):
    env = {**os.environ, "PATH": path}
    start = time.monotonic()
    proc = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    return proc, time.monotonic() - start


@pytest.mark.parametrize("args, message", [
    ((), "vivado is not on PATH; source <Xilinx>/Vivado/<version>/settings64.sh"),
    (("IMPL=vhdl",), "IMPL must be hls or rtl"),
    (("KERNEL=bx",), "KERNEL must be one of bn bm bm_sparse (or unset: every overlay of the board), not 'bx'"),
])
def test_without_tools_it_fails_fast_and_says_why(args, message):
    proc, seconds = make("bitstream", *args)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert seconds < 10


@pytest.fixture
def fake_tools(tmp_path):
    """Stand-in vivado and vitis_hls that print their command line and NPQ_* environment,
    this interpreter as the venv's python (a stamp newer than pyproject.toml stands
    for the installed venv)."""
    for tool in ("vivado", "vitis_hls"):
        exe = tmp_path / "bin" / tool
        exe.parent.mkdir(exist_ok=True)
        exe.write_text(f"#!/bin/sh\necho \"{tool}: $*\"\nenv | grep '^NPQ_' | sort\n")
        exe.chmod(0o755)
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / ".runtime").touch()
    return {"path": f"{tmp_path / 'bin'}:/usr/bin:/bin",
            "args": (f"VENV={tmp_path / 'venv'}", f"PY={sys.executable}")}


def test_an_unknown_board_is_named_before_any_tool_runs(fake_tools):
    proc, _ = make("bitstream", "BOARD=zedboard", *fake_tools["args"], path=fake_tools["path"])
    assert proc.returncode != 0
    assert "unknown board 'zedboard'; the board builds are pynq-z2, zcu104, kv260" in proc.stderr
    assert "vivado:" not in proc.stdout and "vitis_hls:" not in proc.stdout


@pytest.mark.parametrize("board", ["zcu104", "pynq-z2", "kv260"])
def test_hls_flow_builds_each_overlay_of_the_board_at_its_lanes(fake_tools, board):
    """Every overlay the board has (the sparse bm one where boards.txt gives it units),
    each build's IP in a folder of its own."""
    build = board_build(board)
    proc, _ = make("-n", "bitstream", f"BOARD={board}", *fake_tools["args"], path=fake_tools["path"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    vivado = "/vivado -mode batch -nojournal -nolog -source hw/bd/build_bitstream.tcl -tclargs " \
             f"-board {board} -out bitstreams -build build/vivado -kernel {{0}} -impl hls -ip_repo build/hls/ip/{board}/{{0}}"
    at = []
    for kernel in board_overlays(board):
        at.append(out.index(f"NPQ_KERNEL={kernel} NPQ_BOARD={board} NPQ_LANES={build.lanes(kernel)} "
                            "NPQ_STEPS=\"csynth export\""))
        at.append(out.index(vivado.format(kernel)))
    assert at == sorted(at)
    assert ("NPQ_KERNEL=bm_sampler_sparse" in out) == (build.bm_units > 0)
    assert (f"NPQ_LANES={build.bm_units}" in out) == (build.bm_units > 0)


def test_a_board_without_the_sparse_overlay_is_named_before_any_tool_runs(fake_tools):
    proc, _ = make("bitstream", "BOARD=kv260", "KERNEL=bm_sparse", *fake_tools["args"], path=fake_tools["path"])
    assert proc.returncode != 0
    assert "board kv260 has no neuropynq_bm_sparse overlay (bm_sampler_sparse): its board-table column " \
           "bm_units is 0" in proc.stderr
    assert "vivado:" not in proc.stdout and "vitis_hls:" not in proc.stdout


@pytest.mark.parametrize("kernel, name", [("bn", "bn_sampler"), ("bm_sampler", "bm_sampler"),
                                          ("bm_sparse", "bm_sampler_sparse")])
def test_kernel_builds_one_overlay_only(fake_tools, kernel, name):
    proc, _ = make("-n", "bitstream", "BOARD=pynq-z2", f"KERNEL={kernel}", *fake_tools["args"], path=fake_tools["path"])
    assert proc.returncode == 0, proc.stderr
    assert f"NPQ_KERNEL={name} " in proc.stdout and f"-kernel {name} -impl hls" in proc.stdout
    for other in set(board_overlays("pynq-z2")) - {name}:
        assert f"NPQ_KERNEL={other} " not in proc.stdout and f"-kernel {other} " not in proc.stdout


def test_rtl_flow_packages_the_twins_for_the_board_and_p_overrides_the_lanes(fake_tools):
    proc, _ = make("bitstream", "BOARD=pynq-z2", "IMPL=rtl", *fake_tools["args"], path=fake_tools["path"])
    assert proc.returncode == 0, proc.stderr
    for kernel in ("bn_sampler", "bm_sampler", "bm_sampler_sparse"):
        assert f"package_rtl_ip.tcl -tclargs -kernel {kernel} -board pynq-z2 -out build/ip-rtl/pynq-z2" in proc.stdout
        assert f"-kernel {kernel} -impl rtl -ip_repo build/ip-rtl/pynq-z2/{kernel}\n" in proc.stdout
    assert "vitis" not in proc.stdout.lower()
    proc, _ = make("-n", "bitstream", "BOARD=pynq-z2", "IMPL=rtl", "P=2", *fake_tools["args"],
                   path=fake_tools["path"])
    for kernel in ("bn_sampler", "bm_sampler"):
        assert f"package_rtl_ip.tcl -tclargs -kernel {kernel} -board pynq-z2 -lanes 2" in proc.stdout


@pytest.mark.vivado
@pytest.mark.slow
def test_real_bitstream_for_pynq_z2():
    """Where Vivado and Vitis HLS are installed: the whole flow leaves each kernel's .bit + .hwh."""
    proc = subprocess.run(["make", "--no-print-directory", "bitstream", "BOARD=pynq-z2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=6 * 3600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = ROOT / "bitstreams" / "pynq-z2"
    for name in (o.name for o in board_overlays("pynq-z2").values()):
        assert (out / f"{name}.bit").stat().st_size > 0 and (out / f"{name}.hwh").stat().st_size > 0
