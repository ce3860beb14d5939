"""The reproducers of issue 16: each hostile input exits 2 with one line naming the
file and the problem (or, where the input is valid, answers correctly) — never a
traceback, a hang, a run-away allocation or exit 0 on bad input.

Most run `cli.main` in-process; those about hangs, memory and stray warnings run
in a subprocess with a time limit and an address-space cap."""
import io
import json
import math
import os
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neuropynq import cli
from neuropynq.mapping.chip import TIANJICX

REPO = Path(__file__).resolve().parents[1]
ASIA = REPO / "examples" / "asia.bif"
MEMORY_CAP = 2 << 30     # bytes of address space a hostile input may make the CLI use


def run(*args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `neuropynq args` run in-process."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_process(*args, timeout=30) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `neuropynq args` in a subprocess with a time limit
    and a memory cap."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "neuropynq", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=_cap_memory, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def assert_bad(result, *needles):
    code, out, err = result
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and re.match(r"neuropynq( \w+)?: error: ", err), err
    assert len(err) < 600, err
    for needle in needles:
        assert needle in err, err


# ------------------------------------------------------------------ BIF

def bif(tmp_path, text, name="net.bif", mode="w"):
    path = tmp_path / name
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return path


def many_parents_text(parents: int) -> str:
    lines = [f"variable P{i} {{ type discrete [ 2 ] {{ a, b }}; }}" for i in range(parents)]
    lines.append("variable C { type discrete [ 2 ] { a, b }; }")
    lines += [f"probability ( P{i} ) {{ table 0.5, 0.5; }}" for i in range(parents)]
    names = ", ".join(f"P{i}" for i in range(parents))
    lines.append(f"probability ( C | {names} ) {{ default 0.5, 0.5; }}")
    return "\n".join(lines) + "\n"


def test_a_table_of_2_to_the_33_entries_is_refused_before_it_is_built(tmp_path):
    path = bif(tmp_path, many_parents_text(32))
    assert len(path.read_bytes()) < 5000
    for command in ("exact", "infer"):
        assert_bad(run_process(command, path), str(path), "the table of 'C' would have",
                   "at most 4194304")


def test_50_mib_of_braces_fails_at_the_first_token(tmp_path):
    path = bif(tmp_path, b"{" * (50 << 20))
    assert_bad(run_process("exact", path, timeout=20), str(path), "line 1: expected 'variable' or "
               "'probability', got '{'")


def test_an_oversized_bif_is_refused_unread(tmp_path):
    path = tmp_path / "huge.bif"
    with open(path, "wb") as handle:
        handle.truncate(65 << 20)    # sparse: no disk used
    assert_bad(run("exact", path), str(path), "at most 64 MiB")


@pytest.mark.parametrize("text", ["", "  \n\t\n", "// nothing\n/* at all */\n", "network empty { }\n"],
                         ids=["empty", "blank", "comments", "empty network"])
def test_a_file_without_variables_is_named_as_such(tmp_path, text):
    path = bif(tmp_path, text)
    for command in ("exact", "infer"):
        assert_bad(run(command, path), str(path), "the file has no variables")


def test_a_device_or_directory_is_not_read(tmp_path):
    assert_bad(run("exact", "/dev/null"), "/dev/null is not a regular file")
    assert_bad(run("exact", tmp_path), f"{tmp_path} is a directory")


def test_impossible_evidence_is_refused_when_every_query_variable_is_observed():
    assert_bad(run("exact", ASIA, "--evidence", "either=no,lung=yes", "--query", "either,lung"),
               "evidence has probability zero")
    every = "asia=yes,smoke=yes,tub=no,lung=yes,bronc=yes,either=no,xray=yes,dysp=yes"
    assert_bad(run("exact", ASIA, "--evidence", every), "evidence has probability zero")
    code, out, _ = run("exact", ASIA, "--evidence", "either=yes,lung=yes", "--query", "either,lung",
                       "--json")
    assert code == 0
    assert json.loads(out)["posterior"] == {"either": {"yes": 1.0, "no": 0.0},
                                            "lung": {"yes": 1.0, "no": 0.0}}


def test_non_finite_table_entries_give_one_line_without_warnings(tmp_path):
    path = bif(tmp_path, "variable A { type discrete [ 2 ] { x, y }; }\n"
                         "probability ( A ) { table -inf, inf; }\n")
    assert_bad(run_process("exact", path), str(path), "has a non-finite entry")


def test_non_utf8_text_is_named_with_file_and_line(tmp_path):
    text = ASIA.read_bytes().replace(b"smoke", b"sm\xffke", 1)
    path = bif(tmp_path, text)
    line = text[:text.index(b"\xff")].count(b"\n") + 1
    assert_bad(run("exact", path), f"{path}: line {line}: not UTF-8 text (byte 0xff)")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = bif(tmp_path, b"\xef\xbb\xbf" + ASIA.read_bytes())
    assert run("exact", path, "--json")[1] == run("exact", ASIA, "--json")[1] != ""


@pytest.mark.parametrize("count, shown", [("²", "'²'"), ("1" * 5000, "(5000 characters)")])
def test_a_bad_state_count_is_named(tmp_path, count, shown):
    path = bif(tmp_path, f"variable A {{ type discrete [ {count} ] {{ x, y }}; }}\n")
    assert_bad(run("exact", path), str(path), "line 1: expected the number of states, got", shown)


def test_a_5000_digit_probability_is_named(tmp_path):
    path = bif(tmp_path, "variable A { type discrete [ 2 ] { x, y }; }\n"
                         f"probability ( A ) {{ table 0.5, {'5' * 5000}; }}\n")
    assert_bad(run("exact", path), str(path), "line 2: expected a probability of at most 100 "
               "characters", "(5000 characters)")


def test_exact_with_63_observed_children_contracts_pairwise(tmp_path):
    children = 63
    lines = ["variable A { type discrete [ 2 ] { a0, a1 }; }", "probability ( A ) { table 0.3, 0.7; }"]
    for i in range(children):
        lines += [f"variable C{i} {{ type discrete [ 2 ] {{ off, on }}; }}",
                  f"probability ( C{i} | A ) {{ (a0) 0.8, 0.2; (a1) 0.4, 0.6; }}"]
    path = bif(tmp_path, "\n".join(lines) + "\n")
    evidence = ",".join(f"C{i}=on" for i in range(children))
    code, out, err = run("exact", path, "--evidence", evidence, "--query", "A", "--json")
    assert code == 0, err
    # P(A=a0 | e) = 0.3·0.2^63 / (0.3·0.2^63 + 0.7·0.6^63), in logs to avoid underflow
    log_ratio = math.log(0.7 / 0.3) + children * math.log(0.6 / 0.2)
    expected = 1.0 / (1.0 + math.exp(log_ratio))
    assert json.loads(out)["posterior"]["A"]["a0"] == pytest.approx(expected, rel=1e-9)


# ------------------------------------------------------------------ named pipes

@pytest.fixture
def fifo(tmp_path):
    def make(name):
        path = tmp_path / name
        os.mkfifo(path)
        return path
    return make


def test_named_pipes_without_a_writer_never_block(fifo):
    # The two; tests/test_bad_input_fuzz.py runs a pipe through every input path.
    for args in (("exact", fifo("a.bif")), ("map", fifo("d.json"))):
        assert_bad(run_process(*args, timeout=20), "is not a regular file")


# ------------------------------------------------------------------ Boltzmann .npz

def npz_with_member(path, name, payload: bytes, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compress) as archive:
        archive.writestr(name, payload)
        archive.writestr("b.npy", npy_bytes(np.zeros(2)))
    return path


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape, dtype="<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_a_header_claiming_7_tib_is_refused_before_reading(tmp_path):
    path = npz_with_member(tmp_path / "huge.npz", "W.npy", npy_header((10**6, 10**6)) + bytes(16))
    assert_bad(run_process("bm", path, "--sweeps", 1), str(path), "W is 1000000 x 1000000",
               "at most N = 1024")


def test_a_compressed_16000_square_w_is_refused_before_inflating(tmp_path):
    path = npz_with_member(tmp_path / "bomb.npz", "W.npy", npy_header((16000, 16000)) + bytes(1 << 20),
                           compress=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 10_000
    assert_bad(run_process("bm", path, "--sweeps", 1), str(path), "W is 16000 x 16000")


def good_bm(tmp_path) -> Path:
    path = tmp_path / "bm.npz"
    W = np.array([[0.0, 0.5], [0.5, 0.0]])
    np.savez(path, W=W, b=np.array([0.1, -0.2]))
    return path


def flip_byte_in_member_data(data: bytes, member: str) -> bytes:
    """`data` (a stored zip) with one byte of `member`'s payload changed: its CRC no longer matches."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    position = start + info.compress_size - 1
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:]


def test_unreadable_npz_files_and_members_are_named(tmp_path):
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    crc = tmp_path / "crc.npz"
    crc.write_bytes(flip_byte_in_member_data(good_bm(tmp_path).read_bytes(), "W.npy"))
    deflate = tmp_path / "deflate.npz"
    with zipfile.ZipFile(deflate, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("W.npy", npy_bytes(np.zeros((40, 40))))
        archive.writestr("b.npy", npy_bytes(np.zeros(40)))
    data = bytearray(deflate.read_bytes())
    data[60:80] = bytes(range(20))       # inside W's deflate stream, after its local header
    deflate.write_bytes(bytes(data))
    for path, needle in ((empty, "is not a readable .npz file"), (crc, "member 'W'"),
                         (deflate, "member 'W'")):
        assert_bad(run("bm", path, "--sweeps", 1), str(path), needle)
        assert_bad(run("map", path), str(path))


@pytest.mark.parametrize("W", [np.array([[0, 1j], [1j, 0]]), np.array([["0", "1"], ["1", "0"]]),
                               np.zeros((2, 2), dtype="datetime64[s]")],
                         ids=["complex", "string", "datetime"])
def test_w_must_be_real_numbers(tmp_path, W):
    path = tmp_path / "bm.npz"
    np.savez(path, W=W, b=np.zeros(2))
    # In a subprocess once: the complex W also used to print a 2-line numpy warning.
    runner = run_process if W.dtype.kind == "c" else run
    assert_bad(runner("bm", path, "--sweeps", 1), str(path), "member 'W' has dtype",
               "expected an array of integer or unsigned integer or floating-point values")


def test_a_non_array_member_is_not_copied_into_the_error(tmp_path):
    path = npz_with_member(tmp_path / "text.npz", "W", b"x" * (10 << 20))
    assert_bad(run("bm", path, "--sweeps", 1), str(path), "member 'W' is not a readable .npy array")


# ------------------------------------------------------------------ mapper JSON

def network_file(tmp_path, data, name="net.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


@pytest.mark.parametrize("layer, needle", [
    ({"kind": "dense", "n_in": 10**9, "n_out": 4}, "n_in is 1000000000; at most 4194304"),
    ({"kind": "dense", "n_in": 4, "n_out": 10**9}, "n_out is 1000000000; at most 4194304"),
    ({"kind": "conv", "in_channels": 1, "out_channels": 1, "height": 10**7, "width": 4, "kernel": 3},
     "height is 10000000; at most 8192"),
    ({"kind": ["dense"], "n_in": 4, "n_out": 4}, "kind must be 'dense' or 'conv', got ['dense']"),
    ({"kind": "dense", "n_in": 4, "n_out": 4, "rate": {}}, "rate must be a number or a list of numbers"),
    ({"kind": "dense", "n_in": 4, "n_out": 2, "rate": [{}, {}]}, "a rate list must hold numbers only"),
    ({"kind": "dense", "n_in": 4, "n_out": 4, "rate": "abc"}, "rate must be a number or a list of "
                                                              "numbers, got 'abc'"),
])
def test_network_json_sizes_and_types(tmp_path, layer, needle):
    path = network_file(tmp_path, {"layers": [layer]})
    assert_bad(run("map", path), str(path), needle)


def test_network_json_input_rate_and_nesting(tmp_path):
    path = network_file(tmp_path, {"input_rate": {"a": 1},
                                   "layers": [{"kind": "dense", "n_in": 4, "n_out": 4}]})
    assert_bad(run("map", path), str(path), "input_rate: rate must be a number")
    deep = network_file(tmp_path, "[" * 100_000 + "]" * 100_000, "deep.json")
    assert_bad(run("map", deep), str(deep), "JSON nested too deeply")


def chip_file(tmp_path, **fields):
    path = tmp_path / "chip.json"
    text = json.dumps({**TIANJICX.to_dict(), "name": "test", **fields})
    path.write_text(text.replace('"INF"', "Infinity"))
    return path


@pytest.mark.parametrize("fields, needle", [
    ({"rows": 10**5, "cols": 10**5}, "rows is 100000; at most 1024"),
    ({"rows": 1024, "cols": 1024}, "1024 x 1024 cores; at most 65536"),
    ({"hop_latency_ns": "INF"}, "Infinity is not a JSON number"),
    ({"hop_energy_pj": "INF"}, "Infinity is not a JSON number"),
    ({"synop_energy_pj": 1e308}, "synop_energy_pj is 1e+308; at most 1e+09"),
])
def test_chip_json_sizes_and_finite_costs(tmp_path, fields, needle):
    net = network_file(tmp_path, {"layers": [{"kind": "dense", "n_in": 4, "n_out": 4}]})
    path = chip_file(tmp_path, **fields)
    assert_bad(run("map", net, "--chip", path), str(path), needle)


def test_svg_to_a_directory_or_a_full_disk_names_the_path(tmp_path):
    net = network_file(tmp_path, {"layers": [{"kind": "dense", "n_in": 4, "n_out": 4}]})
    assert_bad(run("map", net, "--svg", tmp_path), f"cannot write {tmp_path}: Is a directory")
    assert_bad(run("map", net, "--svg", "/dev/full"), "cannot write /dev/full: No space left on device")


def test_a_long_argument_is_quoted_short():
    assert_bad(run("infer", ASIA, "--samples", "9" * 5000), "invalid int value")


def test_exact_refuses_a_factor_beyond_its_limit(tmp_path):
    # 27 roots, pairwise linked by observed children: eliminating one root joins all others.
    roots = 27
    lines = [f"variable R{i} {{ type discrete [ 2 ] {{ a, b }}; }}" for i in range(roots)]
    lines += [f"probability ( R{i} ) {{ table 0.5, 0.5; }}" for i in range(roots)]
    evidence = []
    for i in range(roots):
        for j in range(i + 1, roots):
            lines += [f"variable C{i}_{j} {{ type discrete [ 2 ] {{ a, b }}; }}",
                      f"probability ( C{i}_{j} | R{i}, R{j} ) {{ default 0.5, 0.5; }}"]
            evidence.append(f"C{i}_{j}=a")
    path = bif(tmp_path, "\n".join(lines) + "\n")
    assert_bad(run("exact", path, "--query", "R0", "--evidence", ",".join(evidence)),
               "exact inference would build a table of", "at most 33554432")


def test_the_tables_together_are_bounded(tmp_path, monkeypatch):
    from neuropynq.models import bif as bif_module
    monkeypatch.setattr(bif_module, "TOTAL_ENTRIES_MAX", 20)   # the real bound takes seconds to reach
    lines = [f"variable V{i} {{ type discrete [ 4 ] {{ a, b, c, d }}; }}" for i in range(6)]
    lines += [f"probability ( V{i} ) {{ table 0.25, 0.25, 0.25, 0.25; }}" for i in range(6)]
    path = bif(tmp_path, "\n".join(lines) + "\n")
    assert_bad(run("exact", path), str(path), "the tables up to 'V5' have 24 entries; at most 20")


@pytest.mark.parametrize("layer, placement, needle", [
    ({"kind": "dense", "n_in": 4096, "n_out": 8200}, "hamilton", "the dense layers have 33587200 synapses"),
    ({"kind": "dense", "n_in": 2100, "n_out": 2100}, "hamilton", "slice-to-slice flows; at most 4194304"),
    ({"kind": "dense", "n_in": 10, "n_out": 600, "recurrent": True}, "anneal", "use the hamilton placement"),
])
def test_mapping_work_is_bounded_before_it_is_done(tmp_path, layer, placement, needle):
    net = network_file(tmp_path, {"layers": [layer]})
    neurons = 8200 if "synapses" in needle else 1
    chip = chip_file(tmp_path, rows=64, cols=64, neurons_per_core=neurons, fanin_per_core=1 << 20,
                     synapses_per_core=1 << 20)
    assert_bad(run("map", net, "--chip", chip, "--placement", placement), needle)


def test_the_number_of_layers_is_bounded(tmp_path):
    net = network_file(tmp_path, {"layers": [{"kind": "dense", "n_in": 1, "n_out": 1}] * 5000})
    assert_bad(run("map", net), str(net), "5000 layers; at most 4096")
