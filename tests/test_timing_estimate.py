"""tools/timing_estimate.py: the result line, the nextpnr report parsing (fmax, placed
LUTs, critical path in source terms), the proxy sizes and the synth_xilinx
consistency check. No yosys or nextpnr run: the report and netlist are small
hand-made copies of nextpnr-ecp5 / synth_ecp5 JSON."""
import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("timing_estimate", ROOT / "tools" / "timing_estimate.py")
te = importlib.util.module_from_spec(_spec)
sys.modules["timing_estimate"] = te
_spec.loader.exec_module(te)
se = te.se

from neuropynq.boards import BM_SPARSE, board_builds  # noqa: E402


# ---------------------------------------------------------------- source names
@pytest.mark.parametrize("cell, root, exact", [
    ("u_front.sweeps_q[3]\\TRELLIS_FF", "u_front.sweeps_q", True),          # rename -wire
    ("u_core.g_lane[2].u_lane.w_mem.0.3", "u_core.g_lane[2].u_lane.w_mem", True),  # memory block
    ("u_front.sweeps_thin_lo_MULT18X18D_P9", "u_front.sweeps_thin_lo", True),
    ("u_core.p_q_DP16KD_DOA5", "u_core.p_q", True),
    ("u_core.bias_mem.0.0_DOB1_LUT4_Z_C", "u_core.bias_mem", False),     # logic after a memory
    ("u_front.check_LUT4_C", "u_front.check", False),                    # a LUT that reads it
    ("u_front.p_mid_MULT18X18D_P21_CCU2C_B1$CCU2_COMB0", "u_front.p_mid", False),  # autoname chain
    ("ap_idle\\TRELLIS_FF_Q_PFUMX_Z_ALUT_LUT4_Z", "ap_idle", False),
    ("interrupt_o_LUT4_Z", "interrupt_o", True),
    ("u_front.order_mem.0.26$DPRAM_COMB0", "u_front.order_mem", True),  # LUT-RAM part
])
def test_signal_root(cell, root, exact):
    assert te.signal_root(cell) == (root, exact)


def test_instances_resolve_modules_through_generate_blocks():
    files = se.kernel_sources(se.KERNELS["bm_sampler"])
    inst = te.parse_instances(se.yosys_subset({p.name: p.read_text() for p in files}))
    # the engines are generate branches with one instance name (the sparse engine
    # with a front end of its own)
    assert inst["bm_sampler"] == {"u_ctrl": "npq_axil_ctrl", "u_front": "bm_frontend",
                                  "g_dense.u_front": "bm_frontend",
                                  "g_lanes.u_core": "bm_core", "g_fields.u_core": "bm_field_core",
                                  "u_core": "bm_core", "g_sparse.u_front": "bm_sparse_frontend",
                                  "g_sparse.u_core": "bm_sparse_core"}
    assert te.module_of("g_sparse.u_core.g_unit[3].u_unit.t_q", "bm_sampler", inst) == "bm_sparse_unit"
    assert te.module_of("g_sparse.u_front.count_q", "bm_sampler", inst) == "bm_sparse_frontend"
    assert te.module_of("g_dense.g_fields.u_core.w_q", "bm_sampler", inst) == "bm_field_core"
    assert te.module_of("g_lanes.u_core.g_lane[7].u_lane.acc_o", "bm_sampler", inst) == "bm_lane"
    assert te.module_of("g_fields.u_core.w_q", "bm_sampler", inst) == "bm_field_core"
    assert te.module_of("u_core.g_lane[7].u_lane.acc_o", "bm_sampler", inst) == "bm_lane"
    assert te.module_of("u_core.u_seed.a1_q", "bm_sampler", inst) == "npq_stream_seed"
    assert te.module_of("u_front.count_q", "bm_sampler", inst) == "bm_frontend"
    assert te.module_of("interrupt_o", "bm_sampler", inst) == "bm_sampler"


def test_a_builds_sources_are_the_files_of_the_engine_it_elaborates(monkeypatch):
    files = lambda engine: set(te.build_sources("bm_sampler", {"P": 16, "N_MAX": 256, "ENGINE": engine}))  # noqa: E731
    everything = set(te.read_sources("bm_sampler"))
    shared = {"npq_pkg.sv", "bm_frame_pkg.sv", "bm_sampler.sv", "npq_axil_ctrl.sv",
              "npq_stream_seed.sv", "bm_frame_check.sv", "bm_frame_reply.sv"}
    assert files(0) == shared | {"bm_frontend.sv", "bm_core.sv", "bm_lane.sv"}
    assert files(1) == shared | {"bm_frontend.sv", "bm_field_core.sv", "bm_threshold_search.sv"}
    assert files(2) == shared | {"bm_sparse_frontend.sv", "bm_sparse_core.sv", "bm_sparse_unit.sv",
                                 "bm_sparse_zstore.sv", "bm_sparse_zsel.sv", "bm_threshold_search.sv"}
    # the generator module stands alone (the engines step the state by npq_pkg's functions)
    assert files(0) | files(1) | files(2) == everything - {"npq_xoshiro128ss.sv"}
    assert set(te.build_sources("bn_sampler", {"P": 8})) == set(te.read_sources("bn_sampler"))
    # a change to the field engine leaves the other engines' digests (their doc rows) alone
    digests = {e: te.source_digest(te.build_sources("bm_sampler", {"ENGINE": e})) for e in (0, 1, 2)}
    real = te.read_sources
    monkeypatch.setattr(te, "read_sources", lambda kernel: {
        name: text + ("// changed\n" if name == "bm_field_core.sv" else "")
        for name, text in real(kernel).items()})
    after = {e: te.source_digest(te.build_sources("bm_sampler", {"ENGINE": e})) for e in (0, 1, 2)}
    assert (after[0], after[2]) == (digests[0], digests[2]) and after[1] != digests[1]


def test_placed_only_reads_nextpnrs_estimate_and_keeps_the_placed_sdf(tmp_path, monkeypatch):
    calls = []

    def fake_run(cmd, work, log, what):
        calls.append(cmd)
        (work / "placed.log").write_text("Info: Max frequency for clock 'clk_i': 31.00 MHz (FAIL)\n"
                                         "Info: Max frequency for clock 'clk_i': 60.23 MHz (FAIL at 200.00 MHz)\n")
        (work / "placed.part").write_text("(DELAYFILE)")
    monkeypatch.setattr(te, "_run", fake_run)
    monkeypatch.setattr(te, "_executable", lambda name: name)
    assert te.place_only(tmp_path, 200) == 60.23            # the last estimate: after placement
    assert "--no-route" in calls[0] and (tmp_path / "placed.sdf").is_file()
    assert te.place_only(tmp_path, 200) == 60.23 and len(calls) == 1   # kept: not placed again
    (tmp_path / "placed.log").write_text("Info: no timing\n")
    with pytest.raises(RuntimeError, match="no fmax estimate"):
        te.place_only(tmp_path, 200)


def test_placed_only_runs_write_no_doc(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(te, "tool_versions", lambda: "v1")
    monkeypatch.setattr(te, "time_build", lambda kernel, build, versions, log=None, placed_only=False:
                        seen.append((kernel, build.board, placed_only)))
    doc = tmp_path / "timing_estimate.md"
    assert te.main(["--kernels", "bm_sampler", "--boards", "zcu104", "--doc", str(doc), "--placed-only"]) == 0
    assert seen == [("bm_sampler", "zcu104", True)] and not doc.exists()


# ---------------------------------------------------------------- report parsing
def _step(kind, frm, to, delay, net=None):
    step = {"type": kind, "delay": delay, "from": {"cell": frm, "port": "Q", "loc": [1, 1]},
            "to": {"cell": to, "port": "D", "loc": [1, 2]}}
    if net:
        step["net"] = net
    return step


FF_A = "u_front.sweeps_q[1]\\TRELLIS_FF"
MUL = "u_front.p_lh_MULT18X18D_P0"
ADD0 = "u_front.p_lh_MULT18X18D_P0_CCU2C_A0$CCU2_COMB0"
ADD1 = "u_front.p_lh_MULT18X18D_P0_CCU2C_A0$CCU2_COMB1"
FF_B = "u_front.p_mid_hi_q[2]\\TRELLIS_FF"
REPORT = {
    "fmax": {"clk_i": {"achieved": 84.25, "constraint": 200}},
    "utilization": {"TRELLIS_COMB": {"used": 15485, "available": 83640},
                    "TRELLIS_FF": {"used": 4344, "available": 83640}},
    "critical_paths": [
        {"from": "clk_i", "to": "clk_i", "path": [
            _step("clk-to-q", FF_A, FF_A, 0.5),
            _step("routing", FF_A, MUL, 1.5, "u_front.sweeps_q[1]"),
            _step("logic", MUL, MUL, 3.0),
            _step("routing", MUL, ADD0, 1.0, "x"),
            _step("logic", ADD0, ADD0, 0.25),
            _step("routing", ADD0, ADD1, 0.0, "y"),
            _step("logic", ADD1, ADD1, 0.25),
            _step("routing", ADD1, FF_B, 1.25, "z"),
            _step("setup", FF_B, FF_B, 0.1),
        ]},
        {"from": "clk_i", "to": "clk_i", "path": [_step("clk-to-q", FF_A, FF_A, 0.5)]},
    ],
}
NETLIST = {"modules": {"bm_sampler": {"cells": {
    FF_A: {"type": "TRELLIS_FF"}, MUL: {"type": "MULT18X18D"},
    "u_front.p_lh_MULT18X18D_P0_CCU2C_A0": {"type": "CCU2C"}, FF_B: {"type": "TRELLIS_FF"}}}}}
INSTANCES = {"bm_sampler": {"u_front": "bm_frontend"}, "bm_frontend": {}}


def test_parse_report_reads_fmax_luts_and_the_longest_path():
    t = te.parse_report(REPORT, NETLIST, "bm_sampler", INSTANCES)
    assert t.clock == "clk_i" and t.fmax_mhz == pytest.approx(84.25) and t.luts == 15485
    assert t.path_ns == pytest.approx(7.85)
    assert [(s.module, s.signal, s.exact, s.cells) for s in t.path] == [
        ("bm_frontend", "u_front.sweeps_q", True, "TRELLIS_FF"),
        ("bm_frontend", "u_front.p_lh", True, "MULT18X18D"),
        ("bm_frontend", "u_front.p_lh", False, "CCU2C"),
        ("bm_frontend", "u_front.p_mid_hi_q", True, "TRELLIS_FF"),
    ]
    # every step's delay is in exactly one stretch: a routing or setup step in the
    # stretch of the cell it reaches
    assert [round(s.delay_ns, 2) for s in t.path] == [0.5, 4.5, 1.5, 1.35]


def test_parse_report_takes_the_slowest_clock():
    report = {**REPORT, "fmax": {"a": {"achieved": 120.0}, "b": {"achieved": 95.5}}}
    assert te.parse_report(report, NETLIST, "bm_sampler", INSTANCES).clock == "b"


def test_parse_report_without_timing_is_an_error():
    with pytest.raises(ValueError, match="no fmax"):
        te.parse_report({**REPORT, "fmax": {}}, NETLIST, "bm_sampler", INSTANCES)
    with pytest.raises(ValueError, match="no critical path"):
        te.parse_report({**REPORT, "critical_paths": []}, NETLIST, "bm_sampler", INSTANCES)


# ---------------------------------------------------------------- lines
def _result(note="", problems=()):
    timing = te.parse_report(REPORT, NETLIST, "bm_sampler", INSTANCES)
    ecp5 = te.Ecp5Cells(lut4=15000, ff=4300, mult18=52, dp16kd=73, lutram=208)
    return te.Result("bm_sampler", "zcu104", {"P": 16, "N_MAX": 512}, {"P": 16, "N_MAX": 256},
                     note, 200, timing, ecp5, se.Resources(7839, 3794, 56, 36), problems)


def test_result_line_format():
    assert te.format_line(_result()) == "timing bm_sampler zcu104 fmax=84.2 target=200 luts=15485"
    line = te.format_line(_result("N_MAX 512 -> 256: too big"))
    assert line.startswith("timing bm_sampler zcu104 fmax=84.2 target=200 luts=15485 ")
    assert line.endswith("(proxy sizes: N_MAX 512 -> 256: too big)")
    assert not _result().met and _result().met_cell() == "**no**"


def test_a_zu_plus_board_meets_the_proxy_at_100_mhz():
    """The proxy models the Z-7020's fabric: at a 200 MHz ZU+ board, 100 MHz on it is
    the bar, and the table says the board's own clock was not reached."""
    r = _result()
    fast = dataclasses.replace(r, timing=dataclasses.replace(r.timing, fmax_mhz=102.8))
    assert fast.met and fast.met_cell() == "yes (≥ 100)"
    assert dataclasses.replace(fast, target_mhz=100).met_cell() == "yes"
    slow = dataclasses.replace(fast, timing=dataclasses.replace(r.timing, fmax_mhz=99.9))
    assert not slow.met


def test_path_lines_name_module_and_signal():
    lines = te.format_path(te.parse_report(REPORT, NETLIST, "bm_sampler", INSTANCES))
    assert lines[0].startswith("  critical path 7.85 ns (clk_i)")
    assert lines[2].split()[-3:] == ["bm_frontend", "u_front.p_lh", "[MULT18X18D]"]
    assert lines[3].split()[-3:] == ["bm_frontend", "~u_front.p_lh", "[CCU2C]"]
    assert lines[4].split()[-2:] == ["u_front.p_mid_hi_q", "[TRELLIS_FF]"]


def test_long_paths_are_shortened_in_the_middle():
    stretches = tuple(te.Stretch("m", f"s{i}", True, "LUT4", 1.0) for i in range(20))
    lines = te.format_path(te.Timing("clk", 50.0, 1, 20.0, stretches))
    assert len(lines) == 1 + te.MAX_STRETCHES + 1
    assert "8 more stretches" in lines[1 + te.MAX_STRETCHES // 2]
    assert lines[1].endswith("s0  [LUT4]") and lines[-1].endswith("s19  [LUT4]")


# ---------------------------------------------------------------- proxy sizes
def test_proxy_sizes_round_bm_to_a_power_of_two_and_halve_its_weights():
    assert te.proxy_start("bm_sampler", {"P": 16, "N_MAX": 256}) == ({"P": 16, "N_MAX": 256}, "")
    sizes, note = te.proxy_start("bm_sampler", {"P": 16, "N_MAX": 384})
    assert sizes == {"P": 16, "N_MAX": 256} and note.startswith("N_MAX 384 -> 256")
    assert te.shrink("bm_sampler", {"P": 16, "N_MAX": 512}, _cells(16_000, 300)) == {"P": 16, "N_MAX": 256}


def _cells(lut4: int, dp16kd: int) -> "te.Ecp5Cells":
    return te.Ecp5Cells(lut4=lut4, ff=0, mult18=0, dp16kd=dp16kd, lutram=0)


def test_bn_proxy_drops_lane_pairs_by_the_block_ram_and_logic_per_lane():
    bn = {"P": 16, "V_MAX": 128, "CARD_MAX": 16, "PARENTS_MAX": 8, "TABLE_MAX": 8192}
    assert te.proxy_start("bn_sampler", bn) == (bn, "")
    # 310 blocks at P = 16: 19.4 per lane, 208 hold 10 lanes
    assert te.shrink("bn_sampler", bn, _cells(40_000, 310)) == {**bn, "P": 10}
    # a bare overshoot still drops one pair
    assert te.shrink("bn_sampler", {**bn, "P": 10}, _cells(40_000, 209)) == {**bn, "P": 8}
    # logic: 62,704 slots at P = 8 (7,838 per lane), 70 % of 83,640 = 58,548 hold 7.47
    # lanes: 6, whole pairs
    assert te.proxy_cap("bn_sampler") == 58_548
    assert not te.proxy_holds("bn_sampler", _cells(62_704, 166))
    assert te.shrink("bn_sampler", {**bn, "P": 8}, _cells(62_704, 166)) == {**bn, "P": 6}
    # the tighter of the two bounds wins
    assert te.shrink("bn_sampler", bn, _cells(132_928, 310)) == {**bn, "P": 6}
    note = te.shrink_note("bn_sampler", bn, {**bn, "P": 10}, _cells(40_000, 310))
    assert note.startswith("P 16 -> 10:") and "310 DP16KD" in note and "208" in note
    assert "LUT4 slots" not in note
    both = te.shrink_note("bn_sampler", bn, {**bn, "P": 6}, _cells(132_928, 310))
    assert "310 DP16KD" in both and "(132,928 LUT4 slots) exceeds the 70% of" in both
    with pytest.raises(RuntimeError, match="even with 2 lanes"):
        te.shrink("bn_sampler", {**bn, "P": 2}, _cells(40_000, 400))


def test_every_kernel_is_held_by_block_ram_and_routable_logic():
    sparse = {"ENGINE": 2, "U": 32, "SPARSE_N_MAX": 1024, "D_MAX": 8}
    assert te.proxy_start(BM_SPARSE, sparse) == (sparse, "")
    # LUT4 slots: LUT4s (carry halves counted in) and 6 per DPR16X4, against the 75 %
    # of 83,640 = 62,730 that route; block RAM still counts
    cap = int(0.75 * 83_640)
    assert te.proxy_cap(BM_SPARSE) == cap
    fits = te.Ecp5Cells(lut4=cap - 600, ff=0, mult18=0, dp16kd=100, lutram=100)
    over = te.Ecp5Cells(lut4=cap - 599, ff=0, mult18=0, dp16kd=100, lutram=100)
    assert te.proxy_slots(fits) == cap and te.proxy_holds(BM_SPARSE, fits)
    assert not te.proxy_holds(BM_SPARSE, over)
    assert not te.proxy_holds(BM_SPARSE, dataclasses.replace(fits, dp16kd=209))
    assert te.shrink(BM_SPARSE, sparse, over) == {**sparse, "U": 16}
    note = te.shrink_note(BM_SPARSE, sparse, {**sparse, "U": 8}, _cells(120_000, 100))
    assert note.startswith("U 32 -> 8: the build's logic (120,000 LUT4 slots) exceeds the 75% of")
    assert "83,640" in note and "SPARSE_N_MAX, D_MAX" in note
    with pytest.raises(RuntimeError, match="even with 2 units"):
        te.shrink(BM_SPARSE, {**sparse, "U": 2}, over)
    assert te.SIZING[BM_SPARSE].expected_bits(BM_SPARSE, sparse) == 32 * 1024 * 24


def test_the_sparse_overlay_is_synthesised_by_module_and_placed_flat():
    flat = te.ecp5_script("bm_sampler", ["a.sv"], {"P": 4})
    hier = te.ecp5_script("bm_sampler", ["a.sv"], {"U": 8}, flatten=False)
    assert "-noflatten" not in flat and "-json netlist.json" in flat
    assert hier.count("synth_ecp5 -noflatten -top bm_sampler") == 2
    # flattened (names as a flattened synthesis gives them) before the netlist and
    # the counts are written
    assert hier.index("flatten\n") < hier.index("write_json netlist.json") < hier.index("stat -json")


def test_bn_expected_block_ram_counts_one_table_per_lane_pair():
    bn = {"P": 8, "TABLE_MAX": 8192}
    assert te.SIZING["bn_sampler"].expected_bits("bn_sampler", bn) == 4 * 8192 * 17


def test_every_board_build_has_a_start_size_with_its_lanes():
    for build in board_builds().values():
        for kernel in (k for k in te.KERNELS if te.se.has_overlay(build, k)):
            params = build.twin_parameters(kernel)
            sizes, _ = te.proxy_start(kernel, params)
            lanes = te.se.KERNELS[kernel].size
            assert sizes[lanes] == params[lanes] and sizes.keys() == params.keys()
    assert te.placement_freq() == max(b.clock_mhz for b in board_builds().values())


# ---------------------------------------------------------------- consistency
def test_count_ecp5_cells():
    cells = {"LUT4": 9885, "CCU2C": 1883, "TRELLIS_FF": 4344, "MULT18X18D": 52, "DP16KD": 73,
             "TRELLIS_DPR16X4": 208, "PFUMX": 945, "L6MUX21": 69}
    c = te.count_ecp5(cells)
    assert c == te.Ecp5Cells(lut4=9885 + 2 * 1883, ff=4344, mult18=52, dp16kd=73, lutram=208)
    assert c.bram_bits == 73 * 18432


def test_consistent_netlists_pass():
    # bm P = 16, N_MAX = 256 as measured: ECP5 73 DP16KD, Xilinx 36 BRAM36
    ecp5 = te.Ecp5Cells(lut4=13651, ff=4344, mult18=52, dp16kd=73, lutram=208)
    xilinx = se.Resources(lut=7839, ff=3794, dsp=56, bram36=36)
    assert te.consistency_problems("bm_sampler", {"P": 16, "N_MAX": 256}, ecp5, xilinx) == []


def test_vanished_lanes_fail_the_check():
    # bn as first reported in issue 10: ~720 LUT4 against 11.6 k LUTs, no tables
    ecp5 = te.Ecp5Cells(lut4=720, ff=900, mult18=20, dp16kd=2, lutram=0)
    xilinx = se.Resources(lut=11600, ff=6000, dsp=56, bram36=40)
    params = {"P": 4, "V_MAX": 128, "CARD_MAX": 16, "PARENTS_MAX": 8, "TABLE_MAX": 8192}
    problems = te.consistency_problems("bn_sampler", params, ecp5, xilinx)
    text = "\n".join(problems)
    assert "720 LUT4 against 11,600 LUT" in text
    assert "900 FF against 6,000 FF" in text
    assert "block-RAM bits" in text and "a copy per lane pair" in text
    assert "MULT18X18D" in text      # 20 < 0.5 * 56


def test_memory_below_the_parameters_fails_in_either_flow():
    ecp5 = te.Ecp5Cells(lut4=20000, ff=5000, mult18=60, dp16kd=40, lutram=0)
    xilinx = se.Resources(lut=8000, ff=4000, dsp=56, bram36=20)
    problems = te.consistency_problems("bm_sampler", {"P": 16, "N_MAX": 256}, ecp5, xilinx)
    # 256^2 * 16 = 1,048,576 bits > 40 * 18 Kb and > 20 * 36 Kb
    assert len(problems) == 2 and all("1,048,576" in p and "weights" in p for p in problems)


def test_doc_lists_results_proxy_sizes_and_what_was_not_run():
    doc = te.render_doc([_result("N_MAX 512 -> 256: too big")], "Yosys 0.70, nextpnr-0.11.1",
                        ["bn_sampler pynq-z2"])
    row = next(line for line in doc.splitlines() if line.startswith("| `bm_sampler` | zcu104 |"))
    assert "| P=16, N_MAX=512 | P=16, N_MAX=256 | 84.2 | 200 | **no** | 15,485 |" in row
    assert "Not in this generation: bn_sampler pynq-z2" in doc
    assert "bm_sampler zcu104: N_MAX 512 -> 256: too big" in doc
    assert te.format_line(_result("N_MAX 512 -> 256: too big")) in doc


def test_doc_shows_a_shared_placement_once():
    import dataclasses
    first = dataclasses.replace(_result(), board="pynq-z2", placement="bm-P16-abc")
    second = dataclasses.replace(_result(), board="kv260", placement="bm-P16-abc")
    other = dataclasses.replace(_result(), board="zcu104", placement="bm-P16-def")
    doc = te.render_doc([first, second, other], "v", [])
    assert doc.count("  critical path 7.85 ns") == 2
    assert "Same placement as pynq-z2 (P=16, N_MAX=256)." in doc


# ---------------------------------------------------------------- subset runs merge
def _timed(kernel, board, fmax, sources, placement="", note=""):
    import dataclasses
    build = board_builds()[board]
    params = build.twin_parameters(kernel)
    timing = dataclasses.replace(te.parse_report(REPORT, NETLIST, "bm_sampler", INSTANCES),
                                 fmax_mhz=fmax)
    return te.Result(kernel, board, params, params, note, build.clock_mhz, timing,
                     te.Ecp5Cells(15000, 4300, 52, 73, 208), se.Resources(7839, 3794, 56, 36), (),
                     placement, sources)


def _rows(doc_text):
    return {(r.kernel, r.board): r for r in te.parse_doc(doc_text)}


def test_doc_rows_read_back_with_sources_notes_and_sections():
    results = [_timed("bm_sampler", "pynq-z2", 57.9, "aaaaaaaaaaaa", "bm-1", "too big"),
               _timed("bm_sampler", "kv260", 57.9, "aaaaaaaaaaaa", "bm-1"),
               _timed("bn_sampler", "pynq-z2", 103.3, "bbbbbbbbbbbb", "bn-1")]
    rows = _rows(te.render_doc(results, "v"))
    first, shared = rows["bm_sampler", "pynq-z2"], rows["bm_sampler", "kv260"]
    assert (first.sources, first.fmax_mhz, first.proxy_note) == ("aaaaaaaaaaaa", 57.9, "too big")
    assert first.params == board_builds()["pynq-z2"].twin_parameters("bm_sampler")
    assert first.section[0].startswith("### `bm_sampler` pynq-z2 (")
    assert "timing bm_sampler pynq-z2 fmax=57.9 target=100 luts=15485 (proxy sizes: too big)" \
        in first.section
    # "Same placement as pynq-z2" is written out for kv260 with its own board and target
    kv260 = board_builds()["kv260"].clock_mhz
    assert shared.section[0].startswith("### `bm_sampler` kv260 (")
    assert f"timing bm_sampler kv260 fmax=57.9 target={kv260} luts=15485" in shared.section
    assert shared.section[4:] == first.section[4:]         # the same path lines


def test_proxy_notes_holding_semicolons_read_back():
    # shrink_note joins its reason and what the shrunk design keeps with "; ", and
    # the doc joins the notes of several rows with "; " too
    bn = board_builds()["pynq-z2"].twin_parameters("bn_sampler")
    sparse = board_builds()["pynq-z2"].twin_parameters(BM_SPARSE)
    bn_note = te.shrink_note("bn_sampler", bn, {**bn, "P": 2}, _cells(30_000, 300))
    sparse_note = te.shrink_note(BM_SPARSE, sparse, {**sparse, "U": 4}, _cells(184_125, 166))
    assert "; " in bn_note and "; " in sparse_note
    rows = _rows(te.render_doc([_timed("bn_sampler", "pynq-z2", 90.0, "b" * 12, "bn-1", bn_note),
                                _timed(BM_SPARSE, "pynq-z2", 39.1, "c" * 12, "s-1", sparse_note)], "v"))
    assert rows["bn_sampler", "pynq-z2"].proxy_note == bn_note
    assert rows[BM_SPARSE, "pynq-z2"].proxy_note == sparse_note


def test_a_subset_run_keeps_the_other_rows_and_marks_changed_sources_stale(tmp_path, monkeypatch):
    kv260 = board_builds()["kv260"]
    bm_now = te.source_digest(te.build_sources("bm_sampler", kv260.twin_parameters("bm_sampler")))
    bn_now = te.source_digest(te.read_sources("bn_sampler"))
    doc = tmp_path / "timing_estimate.md"
    doc.write_text(te.render_doc(
        [_timed("bm_sampler", "pynq-z2", 57.9, "0123456789ab", "bm-old"),
         _timed("bm_sampler", "kv260", 57.9, "0123456789ab", "bm-old"),
         _timed("bn_sampler", "pynq-z2", 103.3, bn_now, "bn-1")], "v0"))
    monkeypatch.setattr(te, "tool_versions", lambda: "v1")
    monkeypatch.setattr(te, "time_build", lambda kernel, build, versions, log=None:
                        _timed(kernel, build.board, 101.5, bm_now, "bm-new"))
    assert te.main(["--kernels", "bm_sampler", "--boards", "pynq-z2", "--doc", str(doc)]) == 0
    text = doc.read_text()
    rows = _rows(text)
    assert set(rows) == {("bm_sampler", "pynq-z2"), ("bm_sampler", "kv260"), ("bn_sampler", "pynq-z2")}
    assert (rows["bm_sampler", "pynq-z2"].fmax_mhz, rows["bm_sampler", "pynq-z2"].sources) == (101.5, bm_now)
    assert "timing bm_sampler pynq-z2 fmax=101.5" in text
    # kept: bn as current, bm kv260 (measured at other sources) as stale, paths and all
    line = {k: next(x for x in text.splitlines() if x.startswith(f"| `{k[0]}` | {k[1]} |"))
            for k in rows}
    assert line["bn_sampler", "pynq-z2"].endswith(f"| `{bn_now}` |")
    assert line["bm_sampler", "kv260"].endswith("| `0123456789ab` **stale** |")
    assert "**stale** (measured at RTL `0123456789ab`)" in text
    assert f"bm_sampler kv260 (measured at `0123456789ab`, now `{bm_now}`)" in text
    assert "timing bn_sampler pynq-z2 fmax=103.3" in text
    assert "timing bm_sampler kv260 fmax=57.9" in text
    assert "Not in this generation: bm_sampler zcu104, bn_sampler zcu104, bn_sampler kv260" in text

    # a second run re-reads its own output: nothing changes but the re-timed row
    assert te.main(["--kernels", "bm_sampler", "--boards", "pynq-z2", "--doc", str(doc)]) == 0
    assert doc.read_text() == text


def test_the_field_engine_is_routed_by_router2_and_every_other_build_by_router1(tmp_path, monkeypatch):
    assert te.nextpnr_router("bm_sampler", {"P": 16, "N_MAX": 256, "ENGINE": 1}) == "router2"
    assert te.nextpnr_router("bm_sampler", {"P": 16, "N_MAX": 256, "ENGINE": 0}) == "router1"
    assert te.nextpnr_router("bn_sampler", {"P": 6}) == "router1"
    assert te.nextpnr_router(te.BM_SPARSE, {"ENGINE": 2, "U": 8}) == "router1"
    calls = []

    def fake_run(cmd, work, log, what):
        calls.append(cmd)
        (work / "report.part").write_text("{}")
    monkeypatch.setattr(te, "_run", fake_run)
    monkeypatch.setattr(te, "_executable", lambda name: name)
    te.place_and_route(tmp_path, 200, "router2")
    assert calls[0][calls[0].index("--router") + 1] == "router2"
    with pytest.raises(ValueError, match="router must be one of"):
        te.place_and_route(tmp_path / "other", 200, "router3")
