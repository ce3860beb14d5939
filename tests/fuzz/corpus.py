"""Mutated inputs for the bad-input fuzz (issue 16), stdlib only and reproducible:
`cases(fmt, count, seed)` gives the same cases for the same arguments.

A case is the files to write into an empty folder, the CLI arguments (file names
relative to that folder) and `bad`: True when the mutation surely makes the input
invalid (then only exit 2 is right), None when it may or may not."""
from __future__ import annotations

import io
import json
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FORMATS = ("bif", "npz", "network", "chip", "args")


@dataclass
class Case:
    name: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    bad: bool | None = None
    specials: dict[str, str] = field(default_factory=dict)   # name -> "fifo", "dir" or a symlink target


# ------------------------------------------------------------------ shared mutations

DELIMITERS = b"{}()[],;|\"=:"
HOSTILE_NUMBERS = ["nan", "NaN", "inf", "-inf", "-1", "-0.5", "1e999", "-1e999", "1e-400", "0x10",
                   "\u00b2", "\u0661", "1" * 5000, "9" * 400, "", "1_000", "0" * 300 + "1", "+",
                   "1e", ".", "--1", "1.5.2", "\U0001F600", "\x00"]
HOSTILE_TEXT = ["\x00", "\ufeff", "\u202e", "\\", "\"", "'", "\n", "\r", "\t", "/*", "//", "*/",
                "x" * 5000, "\udcff"]


def _text_mutation(rng: random.Random, data: bytes) -> tuple[str, bytes, bool | None]:
    """A byte-level mutation of `data`: (what, mutated, surely bad?)."""
    choice = rng.randrange(9)
    if choice == 0:   # truncation
        cut = rng.randrange(len(data.rstrip()))
        return f"truncate@{cut}", data[:cut], None
    positions = [i for i, b in enumerate(data) if b in DELIMITERS]
    if choice == 1 and positions:
        i = rng.choice(positions)
        return f"delete@{i}", data[:i] + data[i + 1:], None
    if choice == 2 and positions:
        i = rng.choice(positions)
        return f"double@{i}", data[:i + 1] + data[i:], None
    if choice == 3:   # a byte that is not UTF-8
        i = rng.randrange(len(data) + 1)
        return f"non-utf8@{i}", data[:i] + bytes([rng.choice([0xff, 0xc3, 0x80, 0xfe])]) + data[i:], True
    if choice == 4:
        i = rng.randrange(len(data) + 1)
        text = rng.choice(HOSTILE_TEXT).encode("utf-8", "surrogatepass")
        return f"insert-text@{i}", data[:i] + text + data[i:], None
    if choice == 5:   # a run of one delimiter (deep nesting, 50 KiB of '{')
        i = rng.randrange(len(data) + 1)
        run = bytes([rng.choice(DELIMITERS)]) * rng.choice([2, 100, 10_000, 50_000])
        return f"run@{i}", data[:i] + run + data[i:], None
    if choice == 6:   # flip a byte
        i = rng.randrange(len(data))
        return f"flip@{i}", data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:], None
    if choice == 7:   # duplicate a slice
        i = rng.randrange(len(data))
        j = min(len(data), i + rng.randrange(1, 200))
        return f"dup@{i}", data[:j] + data[i:j] + data[j:], None
    i = rng.randrange(len(data))   # delete a slice
    j = min(len(data), i + rng.randrange(1, 50))
    return f"cut@{i}", data[:i] + data[j:], None


def _hostile_json_value(rng: random.Random):
    return rng.choice([-1, 0, 1, 2, 10**9, 10**18, 10**100, -(10**9), 0.5, -0.5, 1e300, 1.5, True, False,
                       None, "abc", "", "1", [], [1], [[1]], [{}], {}, {"a": 1}, "x" * 5000, 2**63,
                       [0.1] * 3, [[0.1, 0.2]], "NaN"])


def _json_mutation(rng: random.Random, value) -> tuple[str, object]:
    """A structural mutation: replace, delete or add one entry somewhere in `value`."""
    value = json.loads(json.dumps(value))
    containers = []

    def walk(node, path):
        if isinstance(node, dict):
            containers.append((node, path))
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            containers.append((node, path))
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(value, "$")
    node, path = rng.choice(containers)
    action = rng.randrange(3)
    if isinstance(node, dict):
        keys = list(node)
        if action == 0 and keys:
            key = rng.choice(keys)
            node[key] = _hostile_json_value(rng)
            return f"set {path}.{key}", value
        if action == 1 and keys:
            key = rng.choice(keys)
            del node[key]
            return f"del {path}.{key}", value
        node[rng.choice(["extra", "kind", "rate", "n_in", "padding", "unavailable"])] = _hostile_json_value(rng)
        return f"add {path}", value
    if action == 0 and node:
        i = rng.randrange(len(node))
        node[i] = _hostile_json_value(rng)
        return f"set {path}[{i}]", value
    if action == 1 and node:
        del node[rng.randrange(len(node))]
        return f"del {path}[i]", value
    node.append(_hostile_json_value(rng))
    return f"append {path}", value


def _json_text(rng: random.Random, value) -> str:
    text = json.dumps(value)
    if rng.random() < 0.2:   # JSON's non-standard constants and an overflowing number
        text = text.replace("0.5", rng.choice(["NaN", "Infinity", "-Infinity", "1e999"]), 1)
    return text


# ------------------------------------------------------------------ BIF

def _small_bif() -> str:
    return ('network "fuzz net" {\n  property author = x;\n}\n'
            "variable A { type discrete [ 3 ] { a0, a1, a2 }; }\n"
            'variable "B b" { type discrete [ 2 ] { yes, no }; property p = 1; }\n'
            "variable C { type discrete [ 2 ] { on, off }; }\n"
            "probability ( A ) { table 0.2, 0.3, 0.5; }\n"
            'probability ( "B b" | A ) { (a0) 0.9, 0.1; (a1) 0.4 0.6; default 0.5, 0.5; }\n'
            'probability ( C | A, "B b" ) {\n  // comment\n  (a0, yes) 0.1, 0.9;\n'
            "  /* block\n comment */ default 0.7, 0.3;\n}\n")


BIF_SEEDS = {"asia": (REPO / "examples" / "asia.bif").read_text(),
             "cancer": (REPO / "examples" / "cancer.bif").read_text(),
             "small": _small_bif()}
_BIF_QUERIES = {"asia": ["asia", "smoke", "tub", "lung", "bronc", "either", "xray", "dysp"],
                "cancer": ["Pollution", "Smoker", "Cancer", "Xray", "Dyspnoea"],
                "small": ["A", "C"]}

def _bif_token_mutation(rng: random.Random, text: str) -> tuple[str, str, bool | None]:
    numbers = [m for m in re.finditer(r"(?<![\w.])\d+\.?\d*(?:e-?\d+)?(?![\w.])", text)]
    choice = rng.randrange(5)
    if choice == 4:   # a variable with very many states (quadratic checks would hang on it)
        n = rng.choice([1000, 20_000])
        names = ", ".join(f"s{i}" for i in range(n))
        table = ", ".join([repr(1 / n)] * n)
        return f"{n} states", text + f"variable W {{ type discrete [ {n} ] {{ {names} }}; }}\n" \
            f"probability ( W ) {{ table {table}; }}\n", None
    if choice == 0 and numbers:
        m = rng.choice(numbers)
        new = rng.choice(HOSTILE_NUMBERS)
        before = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
        probability = not before.endswith("[ ") and "property" not in before   # not a count or free text
        sure = new in ("nan", "NaN", "inf", "-inf", "-1", "-0.5", "1e999", "-1e999", "\u00b2") and probability
        return f"number {m.group()}->{new[:12]!r}", text[:m.start()] + new + text[m.end():], sure or None
    if choice == 1:   # a variable with many binary parents and a default row (hostile table size)
        parents = rng.choice([8, 20, 23, 24, 32, 40])
        lines = [f"variable P{i} {{ type discrete [ 2 ] {{ a, b }}; }}" for i in range(parents)]
        lines += [f"probability ( P{i} ) {{ table 0.5, 0.5; }}" for i in range(parents)]
        names = ", ".join(f"P{i}" for i in range(parents))
        lines += ["variable Z { type discrete [ 2 ] { a, b }; }",
                  f"probability ( Z | {names} ) {{ default 0.5, 0.5; }}"]
        return f"{parents} parents", text + "\n".join(lines) + "\n", None
    if choice == 2:   # a large state count
        count = rng.choice([0, 1, 16, 17, 1000, 10**6, 10**7])
        return f"states {count}", text.replace("[ 2 ]", f"[ {count} ]", 1), True if count in (0, 1000) else None
    words = re.findall(r"[A-Za-z_]\w*", text)
    old = rng.choice(words)
    new = rng.choice(["", "network", "variable", "probability", "table", "default", "property", "x" * 3000,
                      "Ünïcødé", old + old])
    return f"word {old}->{new[:12]!r}", text.replace(old, new, rng.choice([1, 1, 5])), None


def bif_cases(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for k in range(count):
        seed_name = rng.choice(sorted(BIF_SEEDS))
        text = BIF_SEEDS[seed_name]
        if rng.random() < 0.5:
            what, data, bad = _text_mutation(rng, text.encode())
            if what.startswith("truncate"):
                bad = True
        else:
            what, text, bad = _bif_token_mutation(rng, text)
            data = text.encode("utf-8", "surrogatepass")
        argv = [rng.choice(["exact", "exact", "infer"]), "net.bif", "--json"]
        if argv[0] == "infer":
            argv += ["--samples", "64", "--window", "8", "--backend", "ref"]
        variables = _BIF_QUERIES[seed_name]
        if rng.random() < 0.3:
            argv += ["--query", rng.choice(variables)]
        cases.append(Case(f"bif/{seed_name}/{what}", argv, {"net.bif": data}, bad))
    return cases


# ------------------------------------------------------------------ Boltzmann .npz

def _npy(shape: tuple, descr: str, payload: bytes, fortran=False, version=1) -> bytes:
    header = repr({"descr": descr, "fortran_order": fortran, "shape": shape})
    header_bytes = header.encode("latin1")
    size_format, prefix = ("<H", 10) if version == 1 else ("<I", 12)
    pad = (-(prefix + len(header_bytes) + 1)) % 64
    header_bytes += b" " * pad + b"\n"
    return (b"\x93NUMPY" + bytes([version, 0]) + struct.pack(size_format, len(header_bytes))
            + header_bytes + payload)


def _doubles(values) -> bytes:
    return struct.pack(f"<{len(values)}d", *values)


def _bm_members(n: int, rng: random.Random) -> dict[str, bytes]:
    W = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            W[i][j] = W[j][i] = round(rng.uniform(-1, 1), 3)
    b = [round(rng.uniform(-1, 1), 3) for _ in range(n)]
    return {"W.npy": _npy((n, n), "<f8", _doubles([x for row in W for x in row])),
            "b.npy": _npy((n,), "<f8", _doubles(b))}


def _zip(members: dict[str, bytes], compress: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compress) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npz_member_mutation(rng: random.Random, members: dict[str, bytes], n: int) -> tuple[str, bool | None]:
    key = rng.choice(["W.npy", "b.npy"])
    shape = (n, n) if key == "W.npy" else (n,)
    choice = rng.randrange(8)
    if choice == 0:
        descr = rng.choice(["<c16", "<U3", "|S8", "<M8[s]", "<m8[s]", "|O", "|b1", "<i4", ">f8", "<f2",
                            "<f16", "|V8", "[('a', '<f8')]", "<q", "|u1"])
        itemsize = {"<U3": 12, "|S8": 8, "<c16": 16, "<f16": 16, "<f2": 2, "<i4": 4, "|b1": 1, "|u1": 1}
        size = itemsize.get(descr, 8)
        count = 1
        for d in shape:
            count *= d
        payload = bytes(rng.randrange(256) if descr in ("|S8",) else 0 for _ in range(size * count))
        bad = descr in ("<c16", "<U3", "|S8", "<M8[s]", "<m8[s]", "|O", "|V8", "[('a', '<f8')]")
        members[key] = _npy(shape, descr if descr[0] != "[" else [("a", "<f8")], payload)
        return f"{key} dtype {descr}", bad or None
    if choice == 1:   # a header claiming a hostile shape, with little data
        claim = rng.choice([(10**6, 10**6), (16000, 16000), (2**31, 2), (-1,), (n, n, n), (), (0, 0),
                            (1025, 1025), (2**62, 2**62), (n + 1, n)])
        members[key] = _npy(claim, "<f8", bytes(rng.choice([0, 16, 64])))
        return f"{key} shape {claim}", True
    if choice == 2:   # header text hostile
        header = rng.choice([b"{", b"{'descr': '<f8'}", b"x" * 70000, b"__import__('os')",
                             b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,2), 'x': 1}"])
        members[key] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header) & 0xFFFF) + header
        return f"{key} header", True
    if choice == 3:
        members[key] = members[key][:rng.randrange(len(members[key]))]
        return f"{key} truncated", True
    if choice == 4:
        del members[key]
        return f"{key} missing", True
    if choice == 5:   # a non-finite or asymmetric value
        values = [0.0] * (n * n if key == "W.npy" else n)
        i = rng.randrange(len(values))
        values[i] = rng.choice([float("nan"), float("inf"), 1e308, 3.0])
        members[key] = _npy(shape, "<f8", _doubles(values))
        return f"{key} value {values[i]}", None
    if choice == 6:   # a raw (non-.npy) member under the array's name
        del members[key]
        members[key[:-4]] = b"x" * rng.choice([10, 100_000])
        return f"{key} raw", True
    members[key] = _npy(shape, "<f8", members[key][-8 * (n * n if key == "W.npy" else n):], version=2)
    return f"{key} version 2", None


def _named(members: dict[str, bytes], command: str) -> dict[str, bytes]:
    """Members under the names `command` reads: W, b for bm; layer0_W, layer1_W for map."""
    if command == "bm":
        return members
    names = {"W.npy": "layer0_W.npy", "b.npy": "layer1_W.npy", "W": "layer0_W", "b": "layer1_W"}
    return {names[k]: v for k, v in members.items()}


def npz_cases(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for k in range(count):
        n = rng.choice([1, 3, 5])
        members = _bm_members(n, rng)
        command = rng.choice(["bm", "bm", "bm", "map"])
        if command == "map":   # two layers of a trained network: W (n x n) twice
            members["b.npy"] = members["W.npy"]
        compress = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
        if rng.random() < 0.5:
            what, bad = _npz_member_mutation(rng, members, n)
            data = _zip(_named(members, command), compress)
        else:
            what, data, bad = _text_mutation(rng, _zip(_named(members, command), compress))
            if what.startswith("truncate") or what.startswith("non-utf8"):
                bad = None if what.startswith("non-utf8") else True
            if what.startswith("run") or what.startswith("insert-text"):
                bad = None
        if rng.random() < 0.1:   # a corrupt deflate stream
            body = zlib.compress(members.get("W.npy", b"x"))[:-4] + b"\x00\x01\x02\x03"
            data = _zip(_named({**members, "W.npy": body}, command), zipfile.ZIP_STORED)
            what += " +raw deflate"
        if command == "map" and ("missing" in what or "shape" in what):
            bad = None   # a trained network may have one layer, and weights of any 2-D shape
        argv = ([command, "model.npz", "--sweeps", "20", "--burn-in", "2", "--backend", "ref", "--json"]
                if command == "bm" else [command, "model.npz", "--json"])
        cases.append(Case(f"npz/{what}", argv, {"model.npz": data}, bad))
    return cases


# ------------------------------------------------------------------ mapper network and chip JSON

NETWORK_SEED = {"input_rate": 0.2, "layers": [
    {"kind": "conv", "in_channels": 2, "out_channels": 4, "height": 8, "width": 8, "kernel": 3,
     "stride": 1, "padding": 1, "rate": 0.1},
    {"kind": "dense", "n_in": 256, "n_out": 20, "recurrent": True, "rate": 0.05},
    {"kind": "dense", "n_in": 20, "n_out": 3, "rate": [0.1, 0.2, 0.3]}]}

CHIP_SEED = {"name": "fuzz", "rows": 4, "cols": 5, "neurons_per_core": 64, "fanin_per_core": 256,
             "synapses_per_core": 8192, "hop_latency_ns": 10.0, "link_packet_ns": 2.0, "hop_energy_pj": 1.5,
             "synop_energy_pj": 0.5, "synop_time_ns": 0.1, "core_step_energy_pj": 100.0,
             "unavailable": [[0, 0], [3, 4]]}


def _json_cases(rng: random.Random, count: int, seed_value, fmt: str) -> list[Case]:
    cases = []
    for k in range(count):
        if rng.random() < 0.6:
            what, value = _json_mutation(rng, seed_value)
            if rng.random() < 0.3:
                what2, value = _json_mutation(rng, value)
                what += "; " + what2
            data = _json_text(rng, value).encode()
            bad = None
        else:
            what, data, bad = _text_mutation(rng, json.dumps(seed_value, indent=1).encode())
            if not what.startswith("truncate"):
                bad = None if not what.startswith("non-utf8") else True
        placement = rng.choice(["hamilton", "rowmajor", "random", "anneal"])
        if fmt == "network":
            files = {"net.json": data, "chip.json": json.dumps(CHIP_SEED).encode()}
        else:
            small = {"layers": [{"kind": "dense", "n_in": 30, "n_out": 40, "rate": 0.2}]}
            files = {"net.json": json.dumps(small).encode(), "chip.json": data}
        argv = ["map", "net.json", "--chip", rng.choice(["chip.json", "tianjicx"]) if fmt == "network"
                else "chip.json", "--placement", placement, "--seed", str(k), "--json"]
        cases.append(Case(f"{fmt}/{what}", argv, files, bad))
    return cases


# ------------------------------------------------------------------ command-line arguments

_OPTION_VALUES = ["0", "-1", "1", "2", "3", "1e3", "nan", "inf", "-inf", "0.5", "1.5", "", "abc", "9" * 5000,
                  "18446744073709551616", "4294967296", "\u00b2", "=", ",", "A=", "=x", "x=y=z",
                  "0=1,0=1", "1025=1", "0=2", "--json", "-", "\x00"]


def args_cases(rng: random.Random, count: int) -> list[Case]:
    bm_file = _zip(_bm_members(4, random.Random(1)), zipfile.ZIP_STORED)
    files = {"net.bif": BIF_SEEDS["asia"].encode(), "model.npz": bm_file,
             "net.json": json.dumps(NETWORK_SEED).encode(), "chip.json": json.dumps(CHIP_SEED).encode()}
    options = {
        "infer": ["--query", "--evidence", "--samples", "--window", "--seed", "--rate", "--backend"],
        "exact": ["--query", "--evidence"],
        "bm": ["--sweeps", "--burn-in", "--thin", "--tau", "--clamp", "--seed", "--backend"],
        "map": ["--chip", "--placement", "--seed", "--svg"],
    }
    good_values = {"--query": ["asia", "lung,either", "asia,asia", "nope", ""],
                   "--evidence": ["asia=yes", "either=no,lung=yes", "smoke=maybe", "lung=yes,lung=no", "dysp"],
                   "--backend": ["ref", "fpga", "gpu", ""], "--chip": ["chip.json", "tianjicx", "nochip.json", "net.json"],
                   "--placement": ["hamilton", "anneal", "spiral", ""],
                   "--svg": ["out.svg", ".", "/dev/full", "sub/none/out.svg"],
                   "--clamp": ["0=1", "3=0,1=1", "4=1", "-1=0", "0=1,0=0"]}
    cases = []
    for k in range(count):
        command = rng.choice(sorted(options))
        model = {"infer": "net.bif", "exact": "net.bif", "bm": "model.npz", "map": "net.json"}[command]
        argv = [command, rng.choice([model, model, model, "missing.bif", "chip.json", ""])]
        if command == "bm":
            argv += ["--sweeps", "30"]
        if command == "infer":
            argv += ["--samples", "64", "--window", "8"]
        if command in ("infer", "bm"):
            argv += ["--backend", "ref"]
        for _ in range(rng.randrange(1, 4)):
            option = rng.choice(options[command] + ["--unknown", "--json", "--version"])
            pool = good_values.get(option, []) + _OPTION_VALUES
            argv += [option] if option in ("--json", "--version", "--unknown") else [option, rng.choice(pool)]
        if rng.random() < 0.7:
            argv.append("--json")
        cases.append(Case(f"args/{' '.join(a[:20] for a in argv)}", argv, dict(files), None))
    return cases


def special_cases(huge: bool) -> list[Case]:
    """Inputs that are not regular files (and, if `huge`, files of 50 MiB): each is run
    in its own process, since a blocking open or a run-away read would stall an
    in-process driver."""
    net = json.dumps(NETWORK_SEED).encode()
    rng = random.Random(16)
    fifo = {"in.bif": "fifo", "in.npz": "fifo", "in.json": "fifo", "out.svg": "fifo"}
    special = [
        Case("special/exact fifo", ["exact", "in.bif"], specials=fifo, bad=True),
        Case("special/infer fifo", ["infer", "in.bif"], specials=fifo, bad=True),
        Case("special/bm fifo", ["bm", "in.npz", "--sweeps", "5"], specials=fifo, bad=True),
        Case("special/map fifo", ["map", "in.json"], specials=fifo, bad=True),
        Case("special/map npz fifo", ["map", "in.npz"], specials=fifo, bad=True),
        Case("special/chip fifo", ["map", "net.json", "--chip", "in.json"], {"net.json": net}, True, fifo),
        Case("special/svg fifo", ["map", "net.json", "--svg", "out.svg"], {"net.json": net}, True, fifo),
        Case("special/exact dir", ["exact", "d.bif"], specials={"d.bif": "dir"}, bad=True),
        Case("special/bm dir", ["bm", "d.npz", "--sweeps", "5"], specials={"d.npz": "dir"}, bad=True),
        Case("special/exact /dev/zero", ["exact", "/dev/zero"], bad=True),
        Case("special/bm /dev/zero", ["bm", "/dev/zero", "--sweeps", "5"], bad=True),
        Case("special/map zero link", ["map", "z.json"], specials={"z.json": "/dev/zero"}, bad=True),
        Case("special/symlink loop", ["exact", "loop.bif"], specials={"loop.bif": "loop.bif"}, bad=True),
    ]
    if not huge:
        return special
    chunk = b" ".join(rng.choice([b"variable", b"x", b"probability", b"table", b"0.5", b"{", b";"])
                      for _ in range(200_000))
    words = (chunk * (1 + (50 << 20) // len(chunk)))[:50 << 20]
    bm = _zip(_bm_members(3, rng), zipfile.ZIP_STORED)
    return special + [
        Case("special/50 MiB of {", ["exact", "big.bif"], {"big.bif": b"{" * (50 << 20)}, True),
        Case("special/50 MiB of words", ["infer", "big.bif"], {"big.bif": words}, True),
        Case("special/50 MiB of words after a variable", ["exact", "big.bif"],
             {"big.bif": b"variable A { type discrete [ 2 ] { a, b }; }\n" + words}, True),
        Case("special/npz with 50 MiB of junk", ["bm", "m.npz", "--sweeps", "5"],
             {"m.npz": bm + bytes(50 << 20)}, None),
        Case("special/network JSON of 50 MiB", ["map", "big.json"],
             {"big.json": b'{"layers": [' + b"[" * (50 << 20)}, True),
    ]


def cases(fmt: str, count: int, seed: int) -> list[Case]:
    rng = random.Random(f"{fmt}:{seed}")
    if fmt == "bif":
        return bif_cases(rng, count)
    if fmt == "npz":
        return npz_cases(rng, count)
    if fmt == "network":
        return _json_cases(rng, count, NETWORK_SEED, "network")
    if fmt == "chip":
        return _json_cases(rng, count, CHIP_SEED, "chip")
    if fmt == "args":
        return args_cases(rng, count)
    raise ValueError(f"unknown format {fmt!r}")
