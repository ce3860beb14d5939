"""The Vitis HLS flow (hls/scripts/run_hls.tcl) run under tclsh with stub Vitis
commands: what it asks Vitis HLS for (top, part, clock, files and defines from the
board table, steps, export VLNV), where the IP lands, and how each failure stops it;
and `make hls` without Vitis."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuropynq.boards import BM_SPARSE, board_build, board_builds

ROOT = Path(__file__).resolve().parents[1]
RUN_HLS = ROOT / "hls" / "scripts" / "run_hls.tcl"

# Each stub logs its call as one Tcl list per line. NPQ_STUB_FAIL names a command
# that raises a Tcl error (as a failing Vitis step does); csynth_design writes a
# csynth report whose estimate is NPQ_STUB_USED (resource=count,...) against the
# device's NPQ_STUB_AVAILABLE; export_design leaves an unpacked IP where Vitis HLS
# would (<project>/<solution>/impl/ip).
STUBS = r"""
proc stub_log {call} {
    set f [open $::env(NPQ_STUB_LOG) a]
    puts $f $call
    close $f
}
proc stub_env {name default} {
    if {[info exists ::env($name)]} { return $::env($name) }
    return $default
}
proc stub_call {} {
    set call [info level -1]
    stub_log $call
    if {[lindex $call 0] eq [stub_env NPQ_STUB_FAIL ""]} { error "ERROR: \[HLS 200-70\] stub failure" }
}
foreach cmd {set_top add_files set_part create_clock config_export csim_design cosim_design} {
    proc $cmd {args} { stub_call }
}
proc open_project {args} { stub_call; set ::stub_project [lindex $args end] }
proc open_solution {args} { stub_call; set ::stub_solution [lindex $args end] }
proc stub_xml {pairs} {
    set xml ""
    foreach pair [split $pairs ,] { lassign [split $pair =] name value; append xml "<$name>$value</$name>" }
    return $xml
}
proc csynth_design {args} {
    stub_call
    set report [file join $::stub_project $::stub_solution syn report $::stub_top_name]
    file mkdir [file dirname $report]
    set f [open $report w]
    puts $f "<profile><PerformanceEstimates/><AreaEstimates><Resources>[stub_xml $::env(NPQ_STUB_USED)]</Resources>"
    puts $f "<AvailableResources>[stub_xml $::env(NPQ_STUB_AVAILABLE)]</AvailableResources></AreaEstimates></profile>"
    close $f
}
proc export_design {args} {
    stub_call
    set ip [file join $::stub_project $::stub_solution impl ip]
    file mkdir $ip
    set f [open [file join $ip component.xml] w]; puts $f "<component/>"; close $f
}
"""

# A Z-7020's resources as Vitis reports them, and an estimate that fits.
AVAILABLE = "BRAM_18K=280,DSP=220,FF=106400,LUT=53200,URAM=0"
FITS = "BRAM_18K=200,DSP=120,FF=30000,LUT=40000,URAM=0"



def run_flow(tmp_path, used=FITS, fail="", report="KERNEL_csynth.xml", **params):
    log = tmp_path / "calls.log"
    script = tmp_path / "run.tcl"
    kernel = params.get("kernel", "bn_sampler")
    script.write_text(STUBS + f"set ::stub_top_name {report.replace('KERNEL', kernel)}\n"
                      f"source {{{RUN_HLS}}}\n")
    env = {"PATH": "/usr/bin:/bin", "NPQ_STUB_LOG": str(log), "NPQ_ROOT": str(tmp_path / "repo"),
           "NPQ_STUB_USED": used, "NPQ_STUB_AVAILABLE": AVAILABLE, "NPQ_STUB_FAIL": fail,
           **{f"NPQ_{k.upper()}": str(v) for k, v in params.items()}}
    proc = subprocess.run(["tclsh", str(script)], capture_output=True, text=True, env=env, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return proc, calls


def one(calls, command):
    found = [c for c in calls if c.split()[0] == command]
    assert len(found) == 1, f"{command}: {found}"
    return found[0]


def design_steps(calls):
    return [c.split()[0] for c in calls if c.split()[0].endswith("_design")]


@pytest.mark.parametrize("board", list(board_builds()))
@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_part_clock_lanes_limits_and_memory_come_from_the_board_table(tmp_path, board, kernel):
    build = board_build(board)
    proc, calls = run_flow(tmp_path, kernel=kernel, board=board, steps="csynth")
    assert proc.returncode == 0, proc.stderr
    assert one(calls, "set_part") == f"set_part {build.part}"
    period = float(one(calls, "create_clock").split()[2])
    assert abs(period - 1000 / build.clock_mhz) < 1e-3
    assert one(calls, "open_solution") == f"open_solution -reset -flow_target vivado {board}"
    design = [c for c in calls if c.startswith("add_files")][0]
    bn, bm = build.bn_limits, build.bm_limits
    for define in (f"-DNPQ_LANES={build.lanes(kernel)}", f"-DNPQ_BN_V_MAX={bn.v_max}",
                   f"-DNPQ_BN_CARD_MAX={bn.card_max}", f"-DNPQ_BN_PARENTS_MAX={bn.parents_max}",
                   f"-DNPQ_BN_TABLE_MAX={bn.table_max}", f"-DNPQ_BM_N_MAX={bm.n_max}"):
        assert define in design.replace("{", " ").replace("}", " ").split()
    assert ("-DNPQ_BN_TABLE_URAM=1" in design) == (build.bn_memory == "uram")
    assert ("-DNPQ_BM_W_URAM=1" in design) == (build.bm_memory == "uram")
    assert ("-DNPQ_BM_ENGINE=1" in design) == (build.bm_engine == "fields")
    assert f"-DNPQ_BM_SPARSE_N_MAX={bm.sparse_n_max}" in design and f"-DNPQ_BM_D_MAX={bm.d_max}" in design


@pytest.mark.parametrize("board", list(board_builds()))
def test_the_sparse_overlays_ip_is_bm_sampler_with_the_sparse_engine_alone(tmp_path, board):
    """NPQ_KERNEL=bm_sampler_sparse: bm_sampler.cpp with N_MAX = 0 and the board's
    SPARSE_N_MAX, D_MAX and units U (INFO's P), its own project and IP folder (the dense
    bm IP has the same VLNV); a board without units is refused before any Vitis command."""
    build = board_build(board)
    proc, calls = run_flow(tmp_path, kernel=BM_SPARSE, board=board, report="bm_sampler_csynth.xml")
    if not build.bm_units:
        assert proc.returncode == 1 and f"board '{board}' has no neuropynq_bm_sparse overlay" in proc.stderr
        assert calls == []
        return
    assert proc.returncode == 0, proc.stderr
    repo = tmp_path / "repo"
    assert one(calls, "set_top") == "set_top bm_sampler"
    assert one(calls, "open_project") == f"open_project -reset {repo / 'build' / 'hls' / BM_SPARSE}"
    design = [c for c in calls if c.startswith("add_files")][0]
    assert design.startswith(f"add_files {repo / 'hls' / 'src' / 'bm_sampler.cpp'} -cflags ")
    defines = design.replace("{", " ").replace("}", " ").split()
    sparse = build.bm_sparse_limits
    for define in (f"-DNPQ_LANES={build.bm_units}", "-DNPQ_BM_N_MAX=0", f"-DNPQ_BM_UNITS={build.bm_units}",
                   f"-DNPQ_BM_SPARSE_N_MAX={sparse.sparse_n_max}", f"-DNPQ_BM_D_MAX={sparse.d_max}"):
        assert define in defines
    assert not any(d.startswith(("-DNPQ_BM_ENGINE", "-DNPQ_BM_W_URAM")) for d in defines)
    ip = repo / "build" / "hls" / "ip" / board / BM_SPARSE / "component.xml"
    assert ip.exists() and "neuropynq:hls:bm_sampler:1.0 (bm_sampler_sparse)" in proc.stdout


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


def test_all_steps_in_order_with_golden_vectors_and_the_spec_vlnv(tmp_path):
    proc, calls = run_flow(tmp_path, kernel="bn_sampler", board="kv260", golden=tmp_path / "g")
    assert proc.returncode == 0, proc.stderr
    assert design_steps(calls) == ["csim_design", "csynth_design", "cosim_design", "export_design"]
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
    assert "csynth estimate LUT" in proc.stdout and "75.2 %" in proc.stdout   # 40000 / 53200


def test_steps_can_be_chosen(tmp_path):
    proc, calls = run_flow(tmp_path, steps="csim csynth")
    assert proc.returncode == 0, proc.stderr
    assert design_steps(calls) == ["csim_design", "csynth_design"]
    assert one(calls, "set_part") == f"set_part {board_build('pynq-z2').part}"   # defaults: pynq-z2, bn_sampler
    assert one(calls, "set_top") == "set_top bn_sampler"


@pytest.mark.parametrize("step, message, done", [
    ("open_project", "opening the project failed", []),
    ("csim_design", "C simulation (csim_design) failed", []),
    ("csynth_design", "synthesis (csynth_design) failed", ["csim_design"]),
    ("cosim_design", "C/RTL co-simulation (cosim_design) failed", ["csim_design", "csynth_design"]),
    ("export_design", "IP export (export_design) failed", ["csim_design", "csynth_design", "cosim_design"]),
])
def test_a_failing_step_exits_1_naming_it_and_stops(tmp_path, step, message, done):
    proc, calls = run_flow(tmp_path, fail=step)
    assert proc.returncode == 1
    assert f"run_hls.tcl: {message}: ERROR: [HLS 200-70] stub failure" in proc.stderr
    assert design_steps(calls) == done + ([step] if step.endswith("_design") else [])
    assert not (tmp_path / "repo" / "build" / "hls" / "ip").exists()


def test_an_estimate_beyond_the_device_fails_before_cosim_and_export(tmp_path):
    proc, calls = run_flow(tmp_path, used="BRAM_18K=300,DSP=120,FF=30000,LUT=60000,URAM=0")
    assert proc.returncode == 1
    assert "the csynth estimate does not fit pynq-z2: BRAM_18K 300 > 280, LUT 60000 > 53200" in proc.stderr
    assert design_steps(calls) == ["csim_design", "csynth_design"]


def test_uram_used_where_the_device_has_none_does_not_fit(tmp_path):
    proc, _ = run_flow(tmp_path, used="BRAM_18K=10,DSP=1,FF=1,LUT=1,URAM=4", steps="csynth")
    assert proc.returncode == 1
    assert "URAM 4 > 0" in proc.stderr


def test_the_summary_report_is_read_when_the_top_report_is_absent(tmp_path):
    proc, _ = run_flow(tmp_path, report="csynth.xml", steps="csynth")
    assert proc.returncode == 0, proc.stderr
    assert "csynth estimate DSP" in proc.stdout


def test_a_missing_or_foreign_report_is_a_named_failure(tmp_path):
    proc, _ = run_flow(tmp_path, report="other.xml", steps="csynth")
    assert proc.returncode == 1 and "csynth wrote no report at" in proc.stderr
    proc, _ = run_flow(tmp_path, used="", steps="csynth")
    assert proc.returncode == 1 and "lists no resource" in proc.stderr


@pytest.mark.parametrize("params, message", [
    ({"board": "zedboard"}, "unknown board 'zedboard'; the board builds are pynq-z2, zcu104, kv260"),
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


def make_with_stand_in_vitis(tmp_path, *args):
    """`make hls` with a stand-in vitis_hls that prints its command line and NPQ_*
    environment, this interpreter as the venv's python (a stamp newer than
    pyproject.toml stands for the installed venv)."""
    fake = tmp_path / "bin" / "vitis_hls"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho \"args: $*\"\nenv | grep '^NPQ_' | sort\n")
    fake.chmod(0o755)
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".runtime").touch()
    env = {**os.environ, "PATH": f"{fake.parent}:/usr/bin:/bin"}
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "hls", f"VENV={venv}",
                           f"PY={sys.executable}", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_make_hls_hands_the_board_build_to_vitis(tmp_path):
    build = board_build("kv260")
    proc = make_with_stand_in_vitis(tmp_path, "KERNEL=bm_sampler", "BOARD=kv260", "STEPS=csim csynth")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "args: -f hls/scripts/run_hls.tcl" in lines
    golden = ROOT / "build" / "hls" / f"golden-kv260-p{build.bm_lanes}"
    for setting in ("NPQ_KERNEL=bm_sampler", "NPQ_BOARD=kv260", f"NPQ_LANES={build.bm_lanes}",
                    "NPQ_STEPS=csim csynth", f"NPQ_GOLDEN={golden}", f"NPQ_ROOT={ROOT}"):
        assert setting in lines
    # the golden vectors include the INFO answers of exactly this build
    n_max, table_max = build.bm_limits.n_max, build.bn_limits.table_max
    sparse_n_max = build.bm_limits.sparse_n_max
    assert (golden / f"bm_info.p{build.bm_lanes}.n{n_max}.s{sparse_n_max}.golden").exists()
    assert (golden / f"bn_info.p{build.bm_lanes}.t{table_max}.golden").exists()


def test_make_hls_hands_the_sparse_overlays_build_to_vitis(tmp_path):
    """KERNEL=bm_sampler_sparse: P is the board's units U, and the golden vectors are
    the sparse-only build's (its INFO at P = U, no dense runs)."""
    build = board_build("pynq-z2")
    proc = make_with_stand_in_vitis(tmp_path, f"KERNEL={BM_SPARSE}", "BOARD=pynq-z2", "STEPS=csim")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    golden = ROOT / "build" / "hls" / f"golden-pynq-z2-bm_sparse-p{build.bm_units}"
    for setting in (f"NPQ_KERNEL={BM_SPARSE}", f"NPQ_LANES={build.bm_units}", f"NPQ_GOLDEN={golden}"):
        assert setting in lines
    names = {p.name for p in golden.glob("*.golden")}
    assert f"bm_info.p{build.bm_units}.golden" in names and "bm_sparse_king6_padded.golden" in names
    assert not any(name.startswith("bn_") or name.startswith("bm_n") for name in names)


def test_make_hls_names_an_unknown_board(tmp_path):
    proc = make_with_stand_in_vitis(tmp_path, "KERNEL=bn_sampler", "BOARD=zedboard")
    assert proc.returncode != 0
    assert "unknown board 'zedboard'; the board builds are pynq-z2, zcu104, kv260" in proc.stderr
    assert "args:" not in proc.stdout


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
