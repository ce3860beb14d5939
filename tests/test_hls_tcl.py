"""The Vitis HLS flow (hls/scripts/run_hls.tcl) run under tclsh with stub Vitis
commands: what it asks Vitis HLS for (top, part, clock, files and defines, steps,
export VLNV) and where the IP lands; and `make hls` without Vitis."""
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_HLS = ROOT / "hls" / "scripts" / "run_hls.tcl"

# Each stub logs its call as one Tcl list per line; export_design leaves an
# unpacked IP where Vitis HLS would (<project>/<solution>/impl/ip).
STUBS = r"""
proc stub_log {call} {
    set f [open $::env(NPQ_STUB_LOG) a]
    puts $f $call
    close $f
}
foreach cmd {set_top add_files set_part create_clock config_export csim_design csynth_design cosim_design} {
    proc $cmd {args} { stub_log [info level 0] }
}
proc open_project {args} { stub_log [info level 0]; set ::stub_project [lindex $args end] }
proc open_solution {args} { stub_log [info level 0]; set ::stub_solution [lindex $args end] }
proc export_design {args} {
    stub_log [info level 0]
    set ip [file join $::stub_project $::stub_solution impl ip]
    file mkdir $ip
    set f [open [file join $ip component.xml] w]; puts $f "<component/>"; close $f
}
"""

needs_tclsh = pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh is not installed")


def run_flow(tmp_path, **params):
    log = tmp_path / "calls.log"
    script = tmp_path / "run.tcl"
    script.write_text(STUBS + f"source {{{RUN_HLS}}}\n")
    env = {"PATH": "/usr/bin:/bin", "NPQ_STUB_LOG": str(log), "NPQ_ROOT": str(tmp_path / "repo"),
           **{f"NPQ_{k.upper()}": str(v) for k, v in params.items()}}
    proc = subprocess.run(["tclsh", str(script)], capture_output=True, text=True, env=env, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return proc, calls


def one(calls, command):
    found = [c for c in calls if c.split()[0] == command]
    assert len(found) == 1, f"{command}: {found}"
    return found[0]


@needs_tclsh
@pytest.mark.parametrize("board, part, clock", [
    ("pynq-z2", "xc7z020clg400-1", "10"),
    ("zcu104", "xczu7ev-ffvc1156-2-e", "4"),
    ("kv260", "xck26-sfvc784-2LV-c", "4"),
])
def test_each_board_gets_its_part_and_clock(tmp_path, board, part, clock):
    proc, calls = run_flow(tmp_path, kernel="bm_sampler", board=board)
    assert proc.returncode == 0, proc.stderr
    assert one(calls, "set_part") == f"set_part {part}"
    assert one(calls, "create_clock") == f"create_clock -period {clock} -name default"
    assert one(calls, "open_solution") == f"open_solution -reset -flow_target vivado {board}"
    n_max = "256" if board == "pynq-z2" else "1024"
    table_max = "8192" if board == "pynq-z2" else "16384"
    design = [c for c in calls if c.startswith("add_files")][0]
    assert f"-DNPQ_BM_N_MAX={n_max}" in design and f"-DNPQ_BN_TABLE_MAX={table_max}" in design


@needs_tclsh
@pytest.mark.parametrize("kernel, only", [("bn_sampler", "BN"), ("bm_sampler", "BM")])
def test_top_files_and_defines(tmp_path, kernel, only):
    proc, calls = run_flow(tmp_path, kernel=kernel, board="zcu104", lanes=16)
    assert proc.returncode == 0, proc.stderr
    repo = tmp_path / "repo"
    assert one(calls, "open_project") == f"open_project -reset {repo / 'build' / 'hls' / kernel}"
    assert one(calls, "set_top") == f"set_top {kernel}"
    design, bench = [c for c in calls if c.startswith("add_files")]
    include = f"-I{repo / 'hls' / 'include'}"
    assert design.startswith(f"add_files {repo / 'hls' / 'src' / kernel}.cpp -cflags ")
    assert include in design and "-DNPQ_LANES=16" in design and "-std=c++14" in design
    # the real hls_stream.h, never the native shim
    assert "shim" not in design and "shim" not in bench
    assert bench.startswith(f"add_files -tb {repo / 'hls' / 'tb' / 'tb_kernels.cpp'} -cflags ")
    assert f"-DNPQ_TB_ONLY_{only}" in bench and "-DNPQ_LANES=16" in bench


@needs_tclsh
def test_all_steps_in_order_with_golden_vectors_and_the_spec_vlnv(tmp_path):
    proc, calls = run_flow(tmp_path, kernel="bn_sampler", board="kv260", golden=tmp_path / "g")
    assert proc.returncode == 0, proc.stderr
    steps = [c.split()[0] for c in calls if c.split()[0].endswith("_design")]
    assert steps == ["csim_design", "csynth_design", "cosim_design", "export_design"]
    assert one(calls, "csim_design") == f"csim_design -argv {tmp_path / 'g'}"
    assert one(calls, "cosim_design") == f"cosim_design -argv {tmp_path / 'g'}"
    export = one(calls, "config_export")
    for option in ("-format ip_catalog", "-vendor neuropynq", "-library hls", "-version 1.0"):
        assert option in export
    assert calls.index(export) < calls.index(one(calls, "export_design"))
    assert one(calls, "export_design") == "export_design -format ip_catalog"
    ip = tmp_path / "repo" / "build" / "hls" / "ip" / "kv260" / "bn_sampler" / "component.xml"
    assert ip.read_text() == "<component/>\n"
    assert "neuropynq:hls:bn_sampler:1.0" in proc.stdout


@needs_tclsh
def test_table_limit_can_be_lowered(tmp_path):
    proc, calls = run_flow(tmp_path, board="zcu104", lanes=16, bn_table_max=4096)
    assert proc.returncode == 0, proc.stderr
    assert all("-DNPQ_BN_TABLE_MAX=4096" in c for c in calls if c.startswith("add_files"))


@needs_tclsh
def test_steps_can_be_chosen(tmp_path):
    proc, calls = run_flow(tmp_path, steps="csim csynth")
    assert proc.returncode == 0, proc.stderr
    assert [c.split()[0] for c in calls if c.split()[0].endswith("_design")] == ["csim_design", "csynth_design"]
    assert one(calls, "set_part") == "set_part xc7z020clg400-1"      # defaults: pynq-z2, bn_sampler
    assert one(calls, "set_top") == "set_top bn_sampler"


@needs_tclsh
@pytest.mark.parametrize("params, message", [
    ({"board": "zedboard"}, "unknown board 'zedboard'"),
    ({"kernel": "foo"}, "unknown kernel 'foo'"),
    ({"lanes": "0"}, "NPQ_LANES must be a positive integer"),
    ({"steps": "csim place"}, "unknown step 'place'"),
])
def test_bad_parameters_fail_before_any_vitis_command(tmp_path, params, message):
    proc, calls = run_flow(tmp_path, **params)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert calls == []


def test_make_hls_without_vitis_fails_fast_with_a_clear_message():
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    start = time.monotonic()
    proc = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "hls", "KERNEL=bm_sampler"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert time.monotonic() - start < 10
    assert proc.returncode != 0
    assert "neither vitis_hls nor vitis-run is on PATH" in proc.stdout + proc.stderr



def test_make_hls_hands_its_parameters_to_vitis(tmp_path):
    """A stand-in vitis_hls on PATH shows the command line and environment make builds."""
    fake = tmp_path / "bin" / "vitis_hls"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho \"args: $*\"\nenv | grep '^NPQ_' | sort\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:/usr/bin:/bin"}
    proc = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "hls", "KERNEL=bm_sampler",
                           "BOARD=kv260", "P=8", "STEPS=csim csynth"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "args: -f hls/scripts/run_hls.tcl" in lines
    golden = ROOT / "build" / "hls" / "golden-p8"
    for setting in ("NPQ_KERNEL=bm_sampler", "NPQ_BOARD=kv260", "NPQ_LANES=8", "NPQ_STEPS=csim csynth",
                    f"NPQ_GOLDEN={golden}", f"NPQ_ROOT={ROOT}"):
        assert setting in lines
    # the golden vectors include INFO answers for this P
    assert (golden / "bm_info.p8.n1024.golden").exists() and (golden / "bn_info.p8.t16384.golden").exists()


@pytest.mark.vitis
@pytest.mark.skipif(shutil.which("vitis_hls") is None and shutil.which("vitis-run") is None,
                    reason="Vitis HLS is not on PATH")
def test_real_vitis_csim_of_both_kernels():
    """Where Vitis HLS is installed: its C simulation passes every golden vector."""
    for kernel in ("bn_sampler", "bm_sampler"):
        proc = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "hls", f"KERNEL={kernel}",
                               "STEPS=csim"], capture_output=True, text=True, timeout=3600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert " 0 failed" in proc.stdout
