"""The Vivado block-design flow (hw/bd/) run under tclsh with stub Vivado commands:
what it asks Vivado for, what it copies, and how it fails. One overlay per kernel:
each design holds the PS and the kernel's copies (overlays.txt's instances column), each
with its DMA."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from neuropynq.board.bitstreams import board_overlays, overlay_names, overlays
from neuropynq.boards import BM_SPARSE, board_build, board_builds

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "tests" / "tcl" / "vivado_stubs.tcl"
BUILD = ROOT / "hw" / "bd" / "build_bitstream.tcl"
BOARD_TABLE = ROOT / "hw" / "board_table.tcl"
PS_PINS = {"ps7": ("/ps/M_AXI_GP0", "/ps/S_AXI_HP0"), "zynqmp": ("/ps/M_AXI_HPM0_FPD", "/ps/S_AXI_HP0_FPD")}


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


@pytest.mark.parametrize("board", list(board_builds()))
def test_each_board_gets_its_part_ps_clock_and_dma_width_from_the_table(tmp_path, board):
    build = board_build(board)
    proc, calls = run_flow(tmp_path, "-board", board, "-kernel", "bm_sampler")
    assert proc.returncode == 0, proc.stderr
    assert any(c.startswith("create_project") and f"-part {build.part}" in c for c in calls)
    ps = {"ps7": "processing_system7", "zynqmp": "zynq_ultra_ps_e"}[build.ps]
    # the latest installed version, compared as versions (3.10 > 3.5), not as text
    assert f"create_bd_cell -type ip -vlnv xilinx.com:ip:{ps}:3.10 ps" in calls
    clock = {"ps7": "PCW_FPGA0_PERIPHERAL_FREQMHZ", "zynqmp": "PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ"}[build.ps]
    assert any(c.startswith("set_property") and f"{clock} {build.clock_mhz}" in c for c in calls)
    assert any(f"CONFIG.c_m_axis_mm2s_tdata_width {build.dma_bits}" in c for c in calls)
    out = tmp_path / "bitstreams" / board
    assert sorted(p.name for p in out.iterdir()) == [
        "neuropynq_bm.bit", "neuropynq_bm.hwh", "neuropynq_bm_timing.rpt", "neuropynq_bm_utilization.rpt"]
    assert (out / "neuropynq_bm.bit").read_text() == "bitstream\n"


@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_each_kernel_gets_a_design_project_and_overlay_of_its_own(tmp_path, kernel):
    other = {"bn_sampler": "bm_sampler", "bm_sampler": "bn_sampler"}[kernel]
    overlay = overlay_names()[kernel]        # the name the host looks for
    proc, calls = run_flow(tmp_path, "-board", "pynq-z2", "-kernel", kernel)
    assert proc.returncode == 0, proc.stderr
    assert f"create_bd_design {overlay}" in calls
    assert any(c.startswith(f"create_project -force {overlay} {tmp_path / 'viv' / 'pynq-z2' / overlay} ")
               for c in calls)
    assert f"set_property top {overlay}_wrapper sources_1" in calls
    cells = [c.split()[-1] for c in calls if c.startswith("create_bd_cell")]
    assert cells == ["ps", kernel, f"{kernel}_dma"]
    assert not any(other in c for c in calls)
    out = tmp_path / "bitstreams" / "pynq-z2"
    assert (out / f"{overlay}.bit").exists() and (out / f"{overlay}.hwh").exists()
    assert f"neuropynq: wrote {out}/{overlay}.bit and .hwh" in proc.stdout


@pytest.mark.parametrize("board, rule, board_part", [
    ("pynq-z2", "processing_system7", "tul.com.tw:pynq-z2:part0"),
    ("zcu104", "zynq_ultra_ps_e", "xilinx.com:zcu104:part0"),
    ("kv260", "zynq_ultra_ps_e", "xilinx.com:kv260_som:part0"),
])
def test_ps_automation_and_board_files(tmp_path, board, rule, board_part):
    proc, calls = run_flow(tmp_path, "-board", board, "-kernel", "bn_sampler")
    assert proc.returncode == 0, proc.stderr
    assert f"get_board_parts -quiet -latest_file_version {board_part}:*" in calls
    assert f"set_property board_part {board_part}:1.4 proj" in calls
    ps_rule = [c for c in calls if f"-rule xilinx.com:bd_rule:{rule}" in c]
    assert len(ps_rule) == 1
    # DDR and FIXED_IO are ports of the 7-series PS only; the MPSoC gets the board preset alone
    if rule == "processing_system7":
        assert 'make_external "FIXED_IO, DDR"' in ps_rule[0] and 'apply_board_preset "1"' in ps_rule[0]
    else:
        assert ps_rule[0] == 'apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} ps'


def test_axi_automation_names_master_slave_and_the_three_clocks(tmp_path):
    proc, calls = run_flow(tmp_path, "-board", "zcu104", "-kernel", "bn_sampler", NPQ_STUB_FREQ_HZ=187498125)
    assert proc.returncode == 0, proc.stderr
    axi = [c for c in calls if "bd_rule:axi4" in c]
    assert len(axi) == 4                     # 2 AXI4-Lite slaves, 2 DMA masters
    clock = "{/ps/pl_clk0 (187 MHz)}"        # the frequency the PS really makes
    for c in axi:
        assert f"Clk_master {clock} Clk_slave {clock} Clk_xbar {clock}" in c
        assert " Clk " not in c and "intc_ip Auto" in c
    lite = [c for c in axi if "Master /ps/M_AXI_HPM0_FPD" in c]
    assert {c.split()[-1] for c in lite} == {"bn_sampler_dma/S_AXI_LITE", "bn_sampler/s_axi_control"}
    masters = [c for c in axi if "Slave /ps/S_AXI_HP0_FPD" in c]
    # the first DMA master is connected from the PS slave pin, the other from its own
    assert [c.split()[-1] for c in masters] == ["/ps/S_AXI_HP0_FPD", "bn_sampler_dma/M_AXI_S2MM"]
    assert "Master /bn_sampler_dma/M_AXI_MM2S" in masters[0]


@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_the_kernel_is_instantiated_with_the_spec_vlnv_and_its_dma(tmp_path, kernel):
    proc, calls = run_flow(tmp_path, "-board", "pynq-z2", "-kernel", kernel)
    assert proc.returncode == 0, proc.stderr
    assert f"create_bd_cell -type ip -vlnv neuropynq:hls:{kernel}:1.0 {kernel}" in calls
    assert f"create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma:3.10 {kernel}_dma" in calls
    assert f"connect_bd_intf_net {kernel}_dma/M_AXIS_MM2S {kernel}/in_r" in calls
    assert f"connect_bd_intf_net {kernel}/out_r {kernel}_dma/S_AXIS_S2MM" in calls
    control = [c for c in calls if c.endswith(f"{kernel}/s_axi_control")]
    assert control and "/ps/M_AXI_GP0" in control[0]
    # simple-mode DMA: the driver programs MM2S/S2MM registers directly
    assert any("CONFIG.c_include_sg 0" in c for c in calls)
    assert calls.index("validate_bd_design") < next(
        i for i, c in enumerate(calls) if c.startswith("launch_runs"))


def test_rtl_twin_uses_its_own_interface_names(tmp_path):
    proc, calls = run_flow(tmp_path, "-board", "zcu104", "-kernel", "bn_sampler", "-impl", "rtl")
    assert proc.returncode == 0, proc.stderr
    assert "connect_bd_intf_net bn_sampler_dma/M_AXIS_MM2S bn_sampler/s_axis" in calls
    assert any(c.endswith("bn_sampler/s_axil") and "/ps/M_AXI_HPM0_FPD" in c for c in calls)


@pytest.mark.parametrize("args, flags, message", [
    (("-board", "zedboard"), {}, "unknown board 'zedboard'; the board builds are pynq-z2, zcu104, kv260"),
    (("-board", "pynq-z2", "-impl", "vhdl"), {}, "unknown IMPL 'vhdl'"),
    (("-bord", "pynq-z2"), {}, "unknown argument -bord"),
    (("-board", "pynq-z2", "-kernel", "{}"), {},
     "-kernel must be one of bn_sampler, bm_sampler, bm_sampler_sparse, not ''"),
    (("-board", "pynq-z2", "-kernel", "bn"), {},
     "-kernel must be one of bn_sampler, bm_sampler, bm_sampler_sparse, not 'bn'"),
    (("-board", "kv260", "-kernel", BM_SPARSE), {}, "board 'kv260' has no neuropynq_bm_sparse overlay "
     "(bm_sampler_sparse): its board-table column bm_units is 0"),
    (("-board", "pynq-z2", "-kernel", BM_SPARSE), {"NPQ_STUB_NO_IP": 1},
     "IP neuropynq:hls:bm_sampler:1.0 is not in the IP repository: run 'make hls KERNEL=bm_sampler_sparse' first"),
    (("-board", "kv260"), {"NPQ_STUB_NO_BOARD_FILES": 1},
     "board files for kv260 (xilinx.com:kv260_som:part0:*) are not installed"),
    (("-board", "zcu104"), {"NPQ_STUB_NO_XILINX_IP": 1},
     "IP xilinx.com:ip:zynq_ultra_ps_e is not in this Vivado's IP catalog"),
    (("-board", "pynq-z2"), {"NPQ_STUB_NO_IP": 1}, "run 'make hls KERNEL=bn_sampler' first"),
    (("-board", "pynq-z2", "-kernel", "bm_sampler"), {"NPQ_STUB_NO_IP": 1}, "run 'make hls KERNEL=bm_sampler' first"),
    (("-board", "pynq-z2"), {"NPQ_STUB_SLACK": -0.3}, "timing not met on pynq-z2 (neuropynq_bn): WNS -0.3 ns"),
])
def test_failures_are_named(tmp_path, args, flags, message):
    if "-kernel" not in args:
        args = (*args, "-kernel", "bn_sampler")
    proc, _ = run_flow(tmp_path, *args, **flags)
    assert proc.returncode == 1
    assert message in proc.stderr


@pytest.mark.parametrize("board", list(board_builds()))
def test_the_sparse_bm_overlay_is_built_where_the_board_table_gives_units(tmp_path, board):
    """bm_sampler_sparse: a design of its own (neuropynq_bm_sparse) around the same IP
    (bm_sampler, the spec's VLNV, cell names the host's drivers use), from its own IP
    folder (the dense bm IP has the same VLNV); a board without units has none."""
    proc, calls = run_flow(tmp_path, "-board", board, "-kernel", BM_SPARSE)
    if not board_build(board).bm_units:
        assert proc.returncode == 1 and f"board '{board}' has no neuropynq_bm_sparse overlay" in proc.stderr
        assert not any(c.startswith("create_project") for c in calls)
        return
    assert proc.returncode == 0, proc.stderr
    assert "create_bd_design neuropynq_bm_sparse" in calls
    assert [c.split()[-1] for c in calls if c.startswith("create_bd_cell")] == ["ps", "bm_sampler", "bm_sampler_dma"]
    assert "create_bd_cell -type ip -vlnv neuropynq:hls:bm_sampler:1.0 bm_sampler" in calls
    assert "connect_bd_intf_net bm_sampler_dma/M_AXIS_MM2S bm_sampler/in_r" in calls
    repo = Path("build/hls/ip").joinpath(board, BM_SPARSE).resolve()
    assert f"set_property ip_repo_paths {repo} proj" in calls
    out = tmp_path / "bitstreams" / board
    assert sorted(p.name for p in out.iterdir()) == [
        "neuropynq_bm_sparse.bit", "neuropynq_bm_sparse.hwh", "neuropynq_bm_sparse_timing.rpt",
        "neuropynq_bm_sparse_utilization.rpt"]
    assert overlay_names()[BM_SPARSE] == "neuropynq_bm_sparse"


def test_the_tcl_overlay_table_reader_agrees_with_the_hosts(tmp_path):
    """hw/board_table.tcl's per-board overlay list is neuropynq.board.bitstreams'."""
    script = tmp_path / "list.tcl"
    script.write_text(f"source {{{ROOT / 'hw' / 'board_table.tcl'}}}\n"
                      f"foreach b {{{' '.join(board_builds())}}} {{ puts \"$b [npq_board_overlays {{{ROOT}}} $b]\" }}\n")
    proc = subprocess.run(["tclsh", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    listed = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()}
    assert listed == {board: list(board_overlays(board)) for board in board_builds()}
    assert BM_SPARSE in listed["pynq-z2"]


def axi_automation(calls):
    """(Master, Slave, the pin the rule is applied to) of each AXI automation call, in order."""
    found = []
    for c in calls:
        if "bd_rule:axi4" in c:
            m = re.search(r"Master (\S+) Slave (\S+) ", c)
            found.append((m.group(1), m.group(2), c.split()[-1]))
    return found


@pytest.mark.parametrize("board", list(board_builds()))
def test_the_dense_bm_overlay_holds_the_boards_copies_each_with_a_dma_of_its_own(tmp_path, board):
    """bm_instances copies of bm_sampler: <ip>/<ip>_dma, then <ip>_<i>/<ip>_<i>_dma, the
    cells the host's drivers look for (Overlay.cells); each copy's streams on its own DMA,
    every control port on the PS master, every DMA master on the PS slave."""
    names = board_overlays(board)["bm_sampler"].cells(board)
    assert len(names) == board_build(board).instances("bm_sampler")
    proc, calls = run_flow(tmp_path, "-board", board, "-kernel", "bm_sampler")
    assert proc.returncode == 0, proc.stderr
    cells = [c.split()[-1] for c in calls if c.startswith("create_bd_cell")]
    assert cells == ["ps", *(cell for name in names for cell in (name, f"{name}_dma"))]
    assert [c for c in calls if c.startswith("connect_bd_intf_net")] == [
        line for name in names for line in (f"connect_bd_intf_net {name}_dma/M_AXIS_MM2S {name}/in_r",
                                            f"connect_bd_intf_net {name}/out_r {name}_dma/S_AXIS_S2MM")]
    assert sum("CONFIG.c_include_sg 0" in c for c in calls) == len(names)
    master, slave = PS_PINS[board_build(board).ps]
    axi = axi_automation(calls)
    assert sorted(a for a in axi if a[0] == master) == sorted(
        (master, f"/{pin}", pin) for name in names for pin in (f"{name}_dma/S_AXI_LITE", f"{name}/s_axi_control"))
    # the design's first DMA master from the PS slave pin (it creates the interconnect),
    # every other one, the later copies' MM2S too, from its own pin
    first, *others = [(m, on) for m, s, on in axi if s == slave]
    assert first == (f"/{names[0]}_dma/M_AXI_MM2S", slave)
    assert others == [(f"/{name}_dma/M_AXI_{way}", f"{name}_dma/M_AXI_{way}")
                      for name in names for way in ("MM2S", "S2MM") if (name, way) != (names[0], "MM2S")]
    assert len(axi) == 4 * len(names)
    last_axi = max(i for i, c in enumerate(calls) if "bd_rule:axi4" in c)
    for step in ("assign_bd_address", "validate_bd_design", "save_bd_design"):
        assert calls.count(step) == 1 and calls.index(step) > last_axi


def tcl_lines(tmp_path, body):
    script = tmp_path / "query.tcl"
    script.write_text(f"source {{{BOARD_TABLE}}}\n{body}\n")
    return subprocess.run(["tclsh", str(script)], capture_output=True, text=True, timeout=60)


def test_the_tcl_instance_count_and_cells_agree_with_the_hosts(tmp_path):
    """npq_overlay_instances / npq_overlay_cells are BoardBuild.instances / Overlay.cells."""
    proc = tcl_lines(tmp_path, f"foreach b {{{' '.join(board_builds())}}} {{\n"
                               f"  set row [npq_board_build {{{ROOT}}} $b]\n"
                               f"  foreach k [dict keys [npq_overlays {{{ROOT}}}]] {{\n"
                               f"    puts \"$b $k [npq_overlay_instances {{{ROOT}}} $row $k]"
                               f" [npq_overlay_cells {{{ROOT}}} $row $k]\" }} }}")
    assert proc.returncode == 0, proc.stderr
    listed = {tuple(line.split()[:2]): line.split()[2:] for line in proc.stdout.splitlines()}
    assert listed == {(b, k): [str(board_build(b).instances(k)), *overlay.cells(b)]
                      for b in board_builds() for k, overlay in overlays().items()}
    assert listed["zcu104", "bm_sampler"][1:] == ["bm_sampler", "bm_sampler_1"]


@pytest.mark.parametrize("table, old, new, message", [
    ("overlays.txt", " bm_instances\n", " bm_copies\n",
     "overlays.txt: instances column 'bm_copies' of bm_sampler is not a column of the board table"),
    ("boards.txt", " bram      1            32 ", " bram      0            32 ",
     "boards.txt: bm_instances is '0', bm_sampler's overlay needs 1 or more copies"),
], ids=["unknown-column", "no-copies"])
def test_a_bad_instances_column_is_a_named_error(tmp_path, table, old, new, message):
    data = tmp_path / "host" / "neuropynq" / "data"
    data.mkdir(parents=True)
    for name in ("boards.txt", "overlays.txt"):
        shutil.copy(ROOT / "host" / "neuropynq" / "data" / name, data / name)
    text = (data / table).read_text()
    assert text.count(old) == 1
    (data / table).write_text(text.replace(old, new))
    proc = tcl_lines(tmp_path, f"puts [npq_overlay_instances {{{tmp_path}}} "
                               f"[npq_board_build {{{tmp_path}}} pynq-z2] bm_sampler]")
    assert proc.returncode == 1
    assert message in proc.stderr
