"""The Vivado block-design flow (hw/bd/) run under tclsh with stub Vivado commands:
what it asks Vivado for, what it copies, and how it fails."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "tests" / "tcl" / "vivado_stubs.tcl"
BUILD = ROOT / "hw" / "bd" / "build_bitstream.tcl"

pytestmark = pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh is not installed")


def run_flow(tmp_path, *tclargs, **env_flags):
    log = tmp_path / "calls.log"
    run_dir = tmp_path / "impl_1"
    run_dir.mkdir(exist_ok=True)
    script = tmp_path / "run.tcl"
    args = " ".join(["-out", str(tmp_path / "bitstreams"), "-build", str(tmp_path / "viv"), *tclargs])
    script.write_text(f"source {{{STUBS}}}\nset argv {{{args}}}\nsource {{{BUILD}}}\n")
    env = {"PATH": "/usr/bin:/bin", "NPQ_STUB_LOG": str(log), "NPQ_STUB_RUN_DIR": str(run_dir),
           **{k: str(v) for k, v in env_flags.items()}}
    proc = subprocess.run(["tclsh", str(script)], capture_output=True, text=True, env=env, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return proc, calls


@pytest.mark.parametrize("board, part, ps, clock", [
    ("pynq-z2", "xc7z020clg400-1", "processing_system7:5.5", "PCW_FPGA0_PERIPHERAL_FREQMHZ 100"),
    ("zcu104", "xczu7ev-ffvc1156-2-e", "zynq_ultra_ps_e:3.5", "PL0_REF_CTRL__FREQMHZ 250"),
    ("kv260", "xck26-sfvc784-2LV-c", "zynq_ultra_ps_e:3.5", "PL0_REF_CTRL__FREQMHZ 250"),
])
def test_each_board_gets_its_part_ps_and_clock(tmp_path, board, part, ps, clock):
    proc, calls = run_flow(tmp_path, "-board", board)
    assert proc.returncode == 0, proc.stderr
    assert any(c.startswith("create_project") and f"-part {part}" in c for c in calls)
    assert any(c.startswith("create_bd_cell") and ps in c for c in calls)
    assert any(c.startswith("set_property") and clock in c for c in calls)
    out = tmp_path / "bitstreams" / board
    assert (out / "neuropynq.bit").read_text() == "bitstream\n"
    assert (out / "neuropynq.hwh").exists()
    assert (out / "timing.rpt").exists() and (out / "utilization.rpt").exists()


def test_both_kernels_are_instantiated_with_the_spec_vlnv_and_a_dma_each(tmp_path):
    proc, calls = run_flow(tmp_path, "-board", "pynq-z2")
    assert proc.returncode == 0, proc.stderr
    for kernel in ("bn_sampler", "bm_sampler"):
        assert f"create_bd_cell -type ip -vlnv neuropynq:hls:{kernel}:1.0 {kernel}" in calls
        assert f"create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma:7.1 {kernel}_dma" in calls
        assert f"connect_bd_intf_net {kernel}_dma/M_AXIS_MM2S {kernel}/in_r" in calls
        assert f"connect_bd_intf_net {kernel}/out_r {kernel}_dma/S_AXIS_S2MM" in calls
        control = [c for c in calls if c.endswith(f"{kernel}/s_axi_control")]
        assert control and "/ps/M_AXI_GP0" in control[0]
        assert any(c.endswith(f"{kernel}_dma/M_AXI_MM2S") and "/ps/S_AXI_HP0" in c for c in calls)
    # simple-mode DMA: the driver programs MM2S/S2MM registers directly
    assert any("CONFIG.c_include_sg 0" in c for c in calls)
    assert calls.index("validate_bd_design") < next(
        i for i, c in enumerate(calls) if c.startswith("launch_runs"))


def test_rtl_twin_uses_its_own_interface_names(tmp_path):
    proc, calls = run_flow(tmp_path, "-board", "zcu104", "-impl", "rtl")
    assert proc.returncode == 0, proc.stderr
    assert "connect_bd_intf_net bn_sampler_dma/M_AXIS_MM2S bn_sampler/s_axis" in calls
    assert any(c.endswith("bn_sampler/s_axil") and "/ps/M_AXI_HPM0_FPD" in c for c in calls)


@pytest.mark.parametrize("args, flags, message", [
    (("-board", "zedboard"), {}, "unknown board 'zedboard' (known: kv260 pynq-z2 zcu104)"),
    (("-board", "pynq-z2", "-impl", "vhdl"), {}, "unknown IMPL 'vhdl'"),
    (("-bord", "pynq-z2"), {}, "unknown argument -bord"),
    (("-board", "kv260"), {"NPQ_STUB_NO_BOARD_FILES": 1}, "board files for kv260"),
    (("-board", "pynq-z2"), {"NPQ_STUB_NO_IP": 1}, "run 'make hls KERNEL=bn_sampler' first"),
    (("-board", "pynq-z2"), {"NPQ_STUB_SLACK": -0.3}, "timing not met on pynq-z2: WNS -0.3 ns"),
])
def test_failures_are_named(tmp_path, args, flags, message):
    proc, _ = run_flow(tmp_path, *args, **flags)
    assert proc.returncode == 1
    assert message in proc.stderr
