"""`make bitstream` without the Xilinx tools fails within seconds naming the settings
script to source; with (stand-in) tools it runs HLS export then the Vivado flow."""
import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def make(*args, path="/usr/bin:/bin"):
    env = {**os.environ, "PATH": path}
    start = time.monotonic()
    proc = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    return proc, time.monotonic() - start


@pytest.mark.parametrize("args, message", [
    ((), "vivado is not on PATH; source <Xilinx>/Vivado/<version>/settings64.sh"),
    (("BOARD=zedboard",), "unknown BOARD 'zedboard'"),
    (("IMPL=vhdl",), "IMPL must be hls or rtl"),
])
def test_without_tools_it_fails_fast_and_says_why(args, message):
    proc, seconds = make("bitstream", *args)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert seconds < 10


@pytest.fixture
def fake_tools(tmp_path):
    for tool in ("vivado", "vitis_hls"):
        exe = tmp_path / tool
        exe.write_text("#!/bin/sh\nexit 0\n")
        exe.chmod(0o755)
    return f"{tmp_path}:/usr/bin:/bin"


def test_hls_flow_exports_both_kernels_then_builds_the_board(fake_tools):
    proc, _ = make("-n", "bitstream", "BOARD=zcu104", "P=8", path=fake_tools)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    bn, bm = out.index("NPQ_KERNEL=bn_sampler"), out.index("NPQ_KERNEL=bm_sampler")
    vivado = out.index("hw/bd/build_bitstream.tcl")
    assert bn < bm < vivado
    assert "NPQ_BOARD=zcu104 NPQ_LANES=8" in out
    assert "-board zcu104 -out bitstreams -build build/vivado -impl hls -ip_repo build/hls/ip/zcu104" in out


def test_rtl_flow_packages_the_twins_for_the_board_part(fake_tools):
    proc, _ = make("-n", "bitstream", "BOARD=pynq-z2", "IMPL=rtl", "P=2", path=fake_tools)
    assert proc.returncode == 0, proc.stderr
    assert "package_rtl_ip.tcl -tclargs -kernel $k -part xc7z020clg400-1 -lanes 2" in proc.stdout
    assert "-impl rtl -ip_repo build/ip-rtl/pynq-z2" in proc.stdout
    assert "vitis" not in proc.stdout.lower()


@pytest.mark.vivado
@pytest.mark.slow
def test_real_bitstream_for_pynq_z2():
    """Where Vivado and Vitis HLS are installed: the whole flow leaves .bit + .hwh."""
    proc = subprocess.run(["make", "--no-print-directory", "bitstream", "BOARD=pynq-z2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=6 * 3600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = ROOT / "bitstreams" / "pynq-z2"
    assert (out / "neuropynq.bit").stat().st_size > 0 and (out / "neuropynq.hwh").stat().st_size > 0
