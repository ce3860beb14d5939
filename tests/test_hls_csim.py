"""C simulation of the HLS kernels: hls/tb/tb_kernels.cpp, built with g++ for
P = 1, 4 and 16, runs every golden vector of hls/tb/make_golden.py (output frames
of the Python reference, error frames included) and must match word for word; so
does bn at P = 4 with the twin's round of B = 16 samples (the smallest batch: the
count flush then takes every slot of a variable). Also: the generated C++ headers
are up to date with the Python sources, and the threshold search counts every x."""
import hashlib
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from neuropynq import luts
from neuropynq.boards import board_builds
from neuropynq.codegen import cpp

ROOT = Path(__file__).resolve().parents[1]
HLS = ROOT / "hls"
MAKE_GOLDEN = HLS / "tb" / "make_golden.py"
SOURCES = [HLS / "src" / "bn_sampler.cpp", HLS / "src" / "bm_sampler.cpp", HLS / "tb" / "tb_kernels.cpp"]
FLAGS = ["-std=c++14", "-O2", "-Wno-unknown-pragmas", f"-I{HLS / 'include'}", f"-I{HLS / 'include' / 'shim'}"]
LANES = (1, 4, 16)
# Builds beside the P = LANES ones: name -> extra flags.
VARIANTS = {"bn-p4-b16": ["-DNPQ_LANES=4", "-DNPQ_BN_BATCH=16", "-DNPQ_TB_ONLY_BN"],
            "bm-fields": ["-DNPQ_LANES=4", "-DNPQ_BM_ENGINE=1", "-DNPQ_BM_SPARSE_N_MAX=0", "-DNPQ_BM_D_MAX=0",
                          "-DNPQ_TB_ONLY_BM"],
            "bm-sparse-u4": ["-DNPQ_LANES=4", "-DNPQ_BM_UNITS=4", "-DNPQ_TB_ONLY_BM"],
            "bm-sparse-only": ["-DNPQ_LANES=2", "-DNPQ_BM_N_MAX=0", "-DNPQ_BM_UNITS=4", "-DNPQ_TB_ONLY_BM"]}
# The sparse bm overlay's HLS build at the first board that has one, with the defines
# hls/scripts/run_hls.tcl gives it (tests/test_hls_tcl.py checks those).
SPARSE_OVERLAY = next(b for b in board_builds().values() if b.bm_units)
VARIANTS["bm-sparse-overlay"] = [
    f"-DNPQ_LANES={SPARSE_OVERLAY.bm_units}", "-DNPQ_BM_N_MAX=0", f"-DNPQ_BM_UNITS={SPARSE_OVERLAY.bm_units}",
    f"-DNPQ_BM_SPARSE_N_MAX={SPARSE_OVERLAY.bm_sparse_limits.sparse_n_max}",
    f"-DNPQ_BM_D_MAX={SPARSE_OVERLAY.bm_sparse_limits.d_max}", "-DNPQ_TB_ONLY_BM"]



def _testbench_key() -> str:
    digest = hashlib.sha256(" ".join(FLAGS).encode())
    for path in SOURCES + sorted((HLS / "include").rglob("*.h")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def testbenches() -> dict:
    """One testbench binary per P (and per VARIANTS name), cached under
    build/hls/csim-test by a hash of the sources."""
    out = ROOT / "build" / "hls" / "csim-test" / _testbench_key()
    out.mkdir(parents=True, exist_ok=True)
    builds = {lanes: [f"-DNPQ_LANES={lanes}"] for lanes in LANES} | VARIANTS

    def build(name) -> Path:
        binary = out / f"tb_{name}"
        if not binary.exists():
            tmp = out / f".tb_{name}.{os.getpid()}.tmp"     # private: sessions may build at once
            subprocess.run(["g++", *FLAGS, *builds[name], *map(str, SOURCES), "-o", str(tmp)],
                           check=True, capture_output=True, text=True)
            tmp.replace(binary)
        return binary

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(builds, pool.map(build, builds)))


@pytest.fixture(scope="session")
def golden_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    subprocess.run([sys.executable, str(MAKE_GOLDEN), str(out), "--lanes", *map(str, LANES)],
                   check=True, capture_output=True, text=True)
    return out


def _cases_for(golden_dir: Path, lanes: int, sparse_n_max: int = 1024) -> list[str]:
    """Golden files a P-lane build with the spec's N_MAX and `sparse_n_max` runs (INFO
    and RUN_SPARSE files name their build)."""
    names = []
    for path in sorted(golden_dir.glob("*.golden")):
        tokens = path.name.split(".")[1:-1]
        if all(t in (f"p{lanes}", "n1024", "t32768", f"s{sparse_n_max}") for t in tokens):
            names.append(path.name)
    return names


def _run(binary: Path, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), str(folder)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("lanes", LANES)
def test_csim_matches_reference_word_for_word(testbenches, golden_dir, lanes):
    result = _run(testbenches[lanes], golden_dir)
    expected = _cases_for(golden_dir, lanes)
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert failures == []
    assert result.returncode == 0
    passed = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS"))
    assert passed == expected
    # every status code of spec §4.5 and both kernels' INFO answers are among the cases
    assert {"bn_err_short_at3.golden", "bn_err_long1.golden", "bm_err_order_repeat.golden",
            f"bn_info.p{lanes}.t32768.golden", f"bm_info.p{lanes}.n1024.s1024.golden",
            "bm_n40_clamped_continued.golden", "bm_err_init_above_tau.golden",
            "bm_sparse_king6.s1024.golden", "bm_sparse_err_index_big.s1024.golden"} <= set(passed)
    assert len(passed) > 90


def test_csim_bn_with_the_twins_round_of_16(testbenches, golden_dir):
    result = _run(testbenches["bn-p4-b16"], golden_dir)
    expected = [name for name in _cases_for(golden_dir, 4) if name.startswith("bn_")]
    assert [line for line in result.stdout.splitlines() if line.startswith("FAIL")] == []
    assert result.returncode == 0
    passed = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS"))
    assert passed == expected and len(passed) > 40


def test_csim_bm_field_engine(testbenches, golden_dir):
    """bm's field engine (NPQ_BM_ENGINE=1, the twin's bm_field_core.sv): every bm golden
    vector, schedules of mutually connected colours (deferred adds) among them; a dense
    build, so RUN_SPARSE frames are LIMIT errors."""
    result = _run(testbenches["bm-fields"], golden_dir)
    expected = [name for name in _cases_for(golden_dir, 4, sparse_n_max=0) if name.startswith("bm_")]
    assert "bm_sparse_err_no_engine.s0.golden" in expected
    assert [line for line in result.stdout.splitlines() if line.startswith("FAIL")] == []
    assert result.returncode == 0
    passed = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS"))
    assert passed == expected and len(passed) > 30


def test_csim_bm_sparse_engine_with_4_units(testbenches, golden_dir):
    """The sparse engine deciding a row of U = 4 positions per op (bm_sparse_core.sv's
    units, the colours' first and last rows masked): every bm golden vector, the
    RUN_SPARSE runs (deferred colours among them) the same words as with U = 1."""
    result = _run(testbenches["bm-sparse-u4"], golden_dir)
    expected = [name for name in _cases_for(golden_dir, 4) if name.startswith("bm_")]
    assert [line for line in result.stdout.splitlines() if line.startswith("FAIL")] == []
    assert result.returncode == 0
    passed = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS"))
    assert passed == expected and sum(name.startswith("bm_sparse_") for name in passed) > 20


def test_csim_bm_sparse_only_build(testbenches, golden_dir, tmp_path):
    """A build with the sparse engine alone (N_MAX = 0, U = 4, P = 2): INFO reports U as
    its P, every RUN_SPARSE case runs, a RUN frame is a LIMIT error at its N word."""
    names = sorted(p.name for p in golden_dir.glob("bm_*.golden")
                   if p.name.startswith("bm_sparse_") and ".s1024." in p.name
                   or p.name in ("bm_info.p4.n0.s1024.golden", "bm_err_no_dense_engine.n0.golden"))
    for name in names:
        (tmp_path / name).write_text((golden_dir / name).read_text())
    # the INFO case was written for P = 4: this build's P word is U = 4, not NPQ_LANES = 2
    (tmp_path / "bm_info.p4.n0.s1024.golden").rename(tmp_path / "bm_info.n0.s1024.golden")
    result = _run(testbenches["bm-sparse-only"], tmp_path)
    assert [line for line in result.stdout.splitlines() if line.startswith("FAIL")] == []
    assert result.returncode == 0
    passed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS")]
    assert len(passed) == len(names) > 20 and "bm_info.n0.s1024.golden" in passed


def test_csim_the_sparse_bm_overlays_build(testbenches, tmp_path):
    """The sparse bm overlay's HLS build (N_MAX = 0, the board's U, SPARSE_N_MAX and D_MAX)
    against the golden vectors `make hls KERNEL=bm_sampler_sparse` writes for it
    (make_golden.py --bm-sparse-overlay): INFO at P = U, the RUN_SPARSE runs with lists
    padded to its D_MAX, D_MAX + 1 a LIMIT error, a RUN frame a LIMIT error."""
    limits = SPARSE_OVERLAY.bm_sparse_limits
    subprocess.run([sys.executable, str(MAKE_GOLDEN), str(tmp_path), "--lanes", str(SPARSE_OVERLAY.bm_units),
                    "--bm-sparse-overlay", str(limits.sparse_n_max), str(limits.d_max)],
                   check=True, capture_output=True, text=True)
    result = _run(testbenches["bm-sparse-overlay"], tmp_path)
    assert [line for line in result.stdout.splitlines() if line.startswith("FAIL")] == []
    assert result.returncode == 0
    passed = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS"))
    assert passed == sorted(p.name for p in tmp_path.glob("*.golden")) and len(passed) > 20
    info = (tmp_path / f"bm_info.p{SPARSE_OVERLAY.bm_units}.golden").read_text().split()
    out = info.index("out")
    # out, count, magic, status, L, then version, P, N_MAX, TAU_MAX, SPARSE_N_MAX, D_MAX
    assert [int(w) for w in info[out + 6:]] == [SPARSE_OVERLAY.bm_units, 0, 255, limits.sparse_n_max, limits.d_max]
    padded = (tmp_path / "bm_sparse_king6_padded.golden").read_text().split()
    assert int(padded[4 + 2 * 5]) == limits.d_max       # kernel bm in count, then (word, tlast) pairs: D is word 5
    assert padded[padded.index("out") + 3] == "0"       # OK


def test_threshold_search_counts_every_x(tmp_path):
    """bm_fire_count (hls/include/npq_threshold.h, the bucket search on the generated M0
    table) equals m = #{i : SIGMOID[i] <= x}, a binary search of the table, for all 2^24 x
    (hls/tb/tb_threshold.cpp)."""
    binary = tmp_path / "tb_threshold"
    subprocess.run(["g++", *FLAGS, str(HLS / "tb" / "tb_threshold.cpp"), "-o", str(binary)],
                   check=True, capture_output=True, text=True)
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == f"checked {1 << 24} mismatches 0", result.stdout
    assert result.returncode == 0


def _statuses(golden_dir: Path) -> set[int]:
    found = set()
    for path in golden_dir.glob("*.golden"):
        words = path.read_text().split()
        out = words.index("out")
        found.add(int(words[out + 3]))     # out, length, magic, status
    return found


def test_golden_vectors_cover_every_status_code(golden_dir):
    assert _statuses(golden_dir) == set(range(9))


def test_testbench_reports_a_wrong_word(testbenches, golden_dir, tmp_path):
    """A testbench that cannot fail proves nothing: flip one expected count."""
    words = (golden_dir / "bn_asia.golden").read_text().split("\n")
    words[-3] = str(int(words[-3]) ^ 1)          # total, low word
    (tmp_path / "bn_asia.golden").write_text("\n".join(words))
    result = _run(testbenches[4], tmp_path)
    assert result.returncode == 1
    assert re.search(r"FAIL bn_asia\.golden: word \d+: got 0x[0-9a-f]{8}, expected", result.stdout)


def test_generated_headers_are_up_to_date():
    for name, render in cpp.HEADERS.items():
        assert (HLS / "include" / name).read_text() == render(), \
            f"hls/include/{name} is stale: run `make hls-headers`"


def test_lut_header_holds_the_python_tables():
    text = cpp.render_luts()
    for name, table in (("NPQ_EXP2_LUT", luts.EXP2_LUT), ("NPQ_SIGMOID_LUT", luts.SIGMOID_LUT),
                        ("NPQ_LNTAU_LUT", luts.LNTAU_LUT), ("NPQ_M0_LUT", luts.M0_LUT)):
        body = re.search(rf"{name}\[(\d+)\] = \{{(.*?)\}};", text, re.S)
        assert int(body.group(1)) == table.size
        values = np.array([int(v.strip().rstrip("u")) for v in body.group(2).split(",")])
        np.testing.assert_array_equal(values, table)


def test_write_headers_writes_both_files(tmp_path):
    written = cpp.write_headers(tmp_path)
    assert sorted(p.name for p in written) == ["npq_constants.h", "npq_luts.h"]
    constants = (tmp_path / "npq_constants.h").read_text()
    assert "#define NPQ_MAGIC_BN 0x4E50424Eu" in constants
    assert "#define NPQ_STATUS_LONG_FRAME 8u" in constants
    assert "#define NPQ_SPEC_BN_ST_MAX 0xFFFFFFFFFFFFull" in constants
