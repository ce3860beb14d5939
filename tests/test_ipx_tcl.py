"""Packaging the SystemVerilog twins as IP (hw/bd/npq_ipx.tcl) under tclsh with stub
Vivado commands: the VLNV, the sources, and a port map for every top-level port."""
import re
import subprocess
from pathlib import Path

import pytest

from neuropynq.boards import BM_SPARSE, board_build, board_builds

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "tests" / "tcl" / "vivado_stubs.tcl"
PACKAGE = ROOT / "hw" / "bd" / "package_rtl_ip.tcl"


TOP_PORTS = """clk_i rst_ni s_axil_awaddr_i s_axil_awvalid_i s_axil_awready_o s_axil_wdata_i
s_axil_wstrb_i s_axil_wvalid_i s_axil_wready_o s_axil_bresp_o s_axil_bvalid_o s_axil_bready_i
s_axil_araddr_i s_axil_arvalid_i s_axil_arready_o s_axil_rdata_o s_axil_rresp_o s_axil_rvalid_o
s_axil_rready_i s_axis_tdata_i s_axis_tvalid_i s_axis_tready_o s_axis_tlast_i m_axis_tdata_o
m_axis_tvalid_o m_axis_tready_i m_axis_tlast_o interrupt_o""".split()


def package(tmp_path, rtl_dir, *args):
    log = tmp_path / "calls.log"
    script = tmp_path / "run.tcl"
    argv = " ".join(["-rtl", str(rtl_dir), "-out", str(tmp_path / "ip"), *args])
    script.write_text(f"source {{{STUBS}}}\nset argv {{{argv}}}\nsource {{{PACKAGE}}}\n")
    env = {"PATH": "/usr/bin:/bin", "NPQ_STUB_LOG": str(log), "NPQ_STUB_RUN_DIR": str(tmp_path)}
    proc = subprocess.run(["tclsh", str(script)], capture_output=True, text=True, env=env, timeout=60)
    return proc, (log.read_text().splitlines() if log.exists() else [])


@pytest.fixture
def rtl_dir(tmp_path):
    d = tmp_path / "rtl"
    d.mkdir()
    for name in ("bn_lane.sv", "bn_sampler.sv", "bm_sampler.sv", "npq_axil_ctrl.sv", "npq_pkg.sv"):
        (d / name).write_text("// stub\n")
    return d


def test_twin_is_packaged_with_the_hls_vlnv_and_only_its_sources(tmp_path, rtl_dir):
    proc, calls = package(tmp_path, rtl_dir, "-kernel", "bn_sampler", "-board", "zcu104", "-lanes", "8")
    assert proc.returncode == 0, proc.stderr
    assert "neuropynq:hls:bn_sampler:1.0" in proc.stdout
    read = next(c for c in calls if c.startswith("read_verilog"))
    files = [Path(f).name for f in read.split()[2:]]
    assert files[0] == "npq_pkg.sv"                      # the package compiles first
    assert sorted(files) == ["bn_lane.sv", "bn_sampler.sv", "npq_axil_ctrl.sv", "npq_pkg.sv"]
    package_call = next(c for c in calls if c.startswith("ipx::package_project"))
    assert "-vendor neuropynq -library hls" in package_call
    limits = board_build("zcu104").bn_limits
    assert f"set_property generic {{P=8 V_MAX={limits.v_max} CARD_MAX={limits.card_max} " \
           f"PARENTS_MAX={limits.parents_max} TABLE_MAX={limits.table_max}}} sources_1" in calls
    assert f"create_project -in_memory -part {board_build('zcu104').part}" in calls
    assert any("name bn_sampler version 1.0" in c for c in calls)
    assert calls[-1] == "ipx::save_core core"


@pytest.mark.parametrize("board", list(board_builds()))
def test_twin_parameters_default_to_the_board_build(tmp_path, rtl_dir, board):
    build = board_build(board)
    proc, calls = package(tmp_path, rtl_dir, "-kernel", "bm_sampler", "-board", board)
    assert proc.returncode == 0, proc.stderr
    generic = " ".join(f"{k}={v}" for k, v in build.twin_parameters("bm_sampler").items())
    assert f"set_property generic {{{generic}}} sources_1" in calls
    assert f"create_project -in_memory -part {build.part}" in calls


@pytest.mark.parametrize("board", list(board_builds()))
def test_the_sparse_overlay_packages_bm_sampler_with_the_sparse_engine(tmp_path, rtl_dir, board):
    """bm_sampler_sparse: the bm twin (top, IP name and VLNV bm_sampler) at the sparse
    overlay's parameters (ENGINE = 2, U, SPARSE_N_MAX, D_MAX, as the RTL regression's
    twin_parameters), in a folder of its own; refused where the board has no units."""
    build = board_build(board)
    proc, calls = package(tmp_path, rtl_dir, "-kernel", BM_SPARSE, "-board", board)
    if not build.bm_units:
        assert proc.returncode == 1 and f"board '{board}' has no neuropynq_bm_sparse overlay" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    generic = " ".join(f"{k}={v}" for k, v in build.twin_parameters(BM_SPARSE).items())
    assert f"set_property generic {{{generic}}} sources_1" in calls and "ENGINE=2 U=" in generic
    assert "set_property top bm_sampler sources_1" in calls
    assert any("name bm_sampler version 1.0" in c for c in calls)
    assert any(c.startswith(f"ipx::package_project -root_dir {tmp_path / 'ip' / BM_SPARSE} ") for c in calls)
    assert f"neuropynq:hls:bm_sampler:1.0 (bm_sampler_sparse) in {tmp_path / 'ip' / BM_SPARSE}" in proc.stdout
    files = [Path(f).name for f in next(c for c in calls if c.startswith("read_verilog")).split()[2:]]
    assert "bm_sampler.sv" in files and "bn_sampler.sv" not in files


def test_every_top_level_port_is_mapped_to_a_bus_interface(tmp_path, rtl_dir):
    proc, calls = package(tmp_path, rtl_dir, "-kernel", "bm_sampler")
    assert proc.returncode == 0, proc.stderr
    mapped = [m for c in calls for m in re.findall(r"physical_name (\w+)", c)]
    assert sorted(mapped) == sorted(TOP_PORTS)
    interfaces = [c.split()[1] for c in calls if c.startswith("ipx::add_bus_interface")]
    assert {"s_axil", "s_axis", "m_axis", "ap_clk", "ap_rst_n", "interrupt"} == set(interfaces)
    assert "set_property value s_axil:s_axis:m_axis ap_clk/ASSOCIATED_BUSIF" in calls
    assert "set_property value ACTIVE_LOW ap_rst_n/POLARITY" in calls


@pytest.mark.parametrize("args, message", [
    (("-kernel", "fft"), "unknown kernel 'fft'"),
    (("-kernel", "bn_sampler", "-board", "zedboard"), "unknown board 'zedboard'"),
    (("-kernel", "bn_sampler", "-lanes", "0"), "-lanes must be a positive integer"),
    (("-kernel", "bn_sampler", "-rtl", "/nonexistent"), "no SystemVerilog sources for bn_sampler"),
])
def test_packaging_failures_are_named(tmp_path, rtl_dir, args, message):
    proc, _ = package(tmp_path, rtl_dir, *args)
    assert proc.returncode == 1 and message in proc.stderr
