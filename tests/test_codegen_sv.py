"""hw/rtl/npq_pkg.sv is what neuropynq.codegen.sv renders from the Python sources."""
import re
from pathlib import Path

from neuropynq import framing, luts, rng
from neuropynq.codegen import sv

PKG = Path(__file__).resolve().parents[1] / "hw" / "rtl" / sv.PKG_FILE


def test_committed_package_is_up_to_date():
    assert PKG.read_text() == sv.render_pkg(), (
        "hw/rtl/npq_pkg.sv is stale: run `python -m neuropynq.codegen.sv`")


def _lut(text: str, name: str) -> dict[int, int]:
    body = text.split(f" {name}(")[1].split("endfunction")[0]
    return {int(i): int(v) for i, v in re.findall(r"'d(\d+): return \d+'d(\d+);", body)}


def test_luts_carry_every_entry():
    text = sv.render_pkg()
    for name, table in (("exp2_lut", luts.EXP2_LUT), ("sigmoid_lut", luts.SIGMOID_LUT),
                        ("lntau_lut", luts.LNTAU_LUT)):
        assert _lut(text, name) == {i: int(v) for i, v in enumerate(table)}, name


def test_m0_table_carries_every_entry():
    """M0_LUT is a concatenation, MSB first: its last listed entry is key 0."""
    body = sv.render_pkg().split("M0_LUT = {")[1].split("};")[0]
    values = [int(v) for v in re.findall(r"9'd(\d+)", body)][::-1]
    assert values == [int(v) for v in luts.M0_LUT]
    assert max(values) == 511 and len(values) == luts.BUCKET_KEYS


def test_constants_match_python():
    text = sv.render_pkg()
    assert f"MAGIC_BM = 32'h{framing.MAGIC_BM:X};" in text
    assert f"MAGIC_OUT = 32'h{framing.MAGIC_OUT:X};" in text
    assert f"SPLITMIX_GAMMA = 64'h{rng.GAMMA:X};" in text
    assert "STATUS_LONG_FRAME = 4'd8" in text
    # spot values: sigmoid at the centre bin, ln 2 in Q.10
    assert _lut(text, "sigmoid_lut")[512] == 8421376   # round(2^24 * sigma(1/128))
    assert _lut(text, "lntau_lut")[2] == 710
