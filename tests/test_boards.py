"""The board-build table: parsing, validation, and the Tcl reader agreeing with Python."""
import subprocess
from pathlib import Path

import pytest

from neuropynq import boards
from neuropynq.boards import BoardTableError, _parse
from neuropynq.limits import HW_BN_LIMITS, SPEC_BM_LIMITS

ROOT = Path(__file__).resolve().parents[1]
HEADER = " ".join(boards._COLUMNS)
ROW = "b1 xc7z020clg400-1 xc7 ps7 100 32 4 128 16 8 8192 bram 16 fields 256 bram 1 32 1024 8 53200 106400 220 140 0"


def test_every_board_has_a_build_within_the_spec():
    builds = boards.board_builds()
    assert list(builds) == ["pynq-z2", "zcu104", "kv260"]
    for b in builds.values():
        assert b.bn_limits.table_max <= HW_BN_LIMITS.table_max
        assert b.bm_limits.n_max <= SPEC_BM_LIMITS.n_max
        assert b.twin_parameters("bn_sampler")["P"] == b.bn_lanes
        assert b.twin_parameters("bm_sampler")["N_MAX"] == b.bm_limits.n_max
        assert b.twin_parameters("bm_sampler")["ENGINE"] == boards.BM_ENGINES[b.bm_engine]
        # the sparse overlay: bm_sampler with the sparse engine, RUN_SPARSE frames only
        assert b.bm_sparse_limits.n_max == 0 and b.bm_sparse_limits.sparse_n_max <= SPEC_BM_LIMITS.sparse_n_max
        if b.bm_units:
            assert b.twin_parameters(boards.BM_SPARSE) == {
                "ENGINE": 2, "U": b.bm_units, "SPARSE_N_MAX": b.bm_sparse_limits.sparse_n_max,
                "D_MAX": b.bm_sparse_limits.d_max}
        else:
            with pytest.raises(ValueError, match="no sparse bm overlay"):
                b.twin_parameters(boards.BM_SPARSE)
    assert boards.board_build("pynq-z2").part == "xc7z020clg400-1"
    # the dense bm overlay holds bm_instances kernels; every other overlay one
    for b in boards.board_builds().values():
        assert b.instances("bm_sampler") == b.bm_instances >= 1
        assert b.instances("bn_sampler") == b.instances(boards.BM_SPARSE) == 1
    assert boards.board_build("zcu104").instances("bm_sampler") == 2
    assert boards.board_build("pynq-z2").clock_ns == pytest.approx(10.0)


def test_unknown_board_names_the_known_ones():
    with pytest.raises(BoardTableError, match="pynq-z2, zcu104, kv260"):
        boards.board_build("zedboard")


@pytest.mark.parametrize("text, message", [
    (f"{HEADER}\n", "no board rows"),
    (f"{HEADER.replace('uram', 'urams')}\n{ROW}\n", "header columns differ"),
    (f"{HEADER}\n{ROW} extra\n", "fields, the header has"),
    (f"{HEADER}\n{ROW.replace(' 100 ', ' fast ')}\n", "clock_mhz must be an integer"),
    (f"{HEADER}\n{ROW.replace(' 4 128 ', ' 0 128 ')}\n", "bn_lanes must be positive"),
    (f"{HEADER}\n{ROW.replace(' 256 bram', ' 256 ddr')}\n", "bm_memory must be one of"),
    (f"{HEADER}\n{ROW.replace(' fields ', ' wide ')}\n", "bm_engine must be one of"),
    (f"{HEADER}\n{ROW.replace(' 256 ', ' 2048 ')}\n", "above the hardware kernel's limit"),
    (f"{HEADER}\n{ROW.replace(' 256 bram', ' 256 uram')}\n", "URAM but its device has none"),
    (f"{HEADER}\n{ROW}\n{ROW}\n", "appears twice"),
    (f"{HEADER}\n{ROW.replace(' 32 1024 8 ', ' 32 0 8 ')}\n", "all 0 .no sparse overlay. or all positive"),
    (f"{HEADER}\n{ROW.replace(' 32 1024 8 ', ' 32 2048 8 ')}\n", "bm_sparse_n_max = 2048 is above"),
    (f"{HEADER}\n{ROW.replace(' 32 1024 8 ', ' 32 1024 -8 ')}\n", "bm_d_max must be positive"),
    (f"{HEADER}\n{ROW.replace(' bram 1 32 ', ' bram 0 32 ')}\n", "bm_instances must be positive"),
])
def test_malformed_tables_are_refused_by_name(text, message):
    with pytest.raises(BoardTableError, match=message):
        _parse(text, "t.txt")


def test_field_lookup_for_make(capsys):
    assert boards.main(["kv260", "bm_n_max"]) == 0
    assert capsys.readouterr().out.strip() == str(boards.board_build("kv260").bm_limits.n_max)
    assert boards.main(["kv260", "nonsense"]) == 2
    assert "unknown column" in capsys.readouterr().err
    # P of a kernel build (make hls): the sparse bm overlay's is its units U
    for kernel, lanes in (("bm_sampler", "bm_lanes"), (boards.BM_SPARSE, "bm_units")):
        assert boards.main(["pynq-z2", "lanes", kernel]) == 0
        assert capsys.readouterr().out.strip() == boards.board_build("pynq-z2").column(lanes)
    assert boards.board_build("pynq-z2").lanes(boards.BM_SPARSE) == boards.board_build("pynq-z2").bm_units > 0
    assert boards.main(["pynq-z2", "lanes", "bx_sampler"]) == 2
    assert "unknown kernel 'bx_sampler'" in capsys.readouterr().err


def test_tcl_reader_agrees_with_python():
    script = (f"source {ROOT / 'hw' / 'board_table.tcl'}\n"
              f"dict for {{name row}} [npq_board_table {{{ROOT}}}] {{\n"
              f"  puts \"$name [dict get $row part] [dict get $row clock_mhz] [dict get $row bm_n_max]\"\n}}\n")
    out = subprocess.run(["tclsh"], input=script, capture_output=True, text=True, check=True).stdout
    want = [f"{b.board} {b.part} {b.clock_mhz} {b.bm_limits.n_max}" for b in boards.board_builds().values()]
    assert out.split("\n")[:-1] == want
