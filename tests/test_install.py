"""neuropynq installs like a package: the wheel built from this repository, installed
non-editable into a fresh venv outside the repository, runs the CLI and notebook 01
from an empty directory. It finds its example networks, notebooks, HLS sources (the
cpu backend compiles them into the user's cache, not into site-packages) and the
bitstreams present when it was built.

The venv gets numpy < 2 as on PYNQ images (pynq pins it), so the run also shows the
code needs no numpy 2 API, and its cpu backend must match this process's ref backend
count for count. Needs PyPI or a warm pip cache (numpy, scipy, setuptools, wheel).
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from neuropynq import BayesNet, Sampler, resources
from neuropynq.board.bitstreams import board_overlays

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = sorted(p.stem for p in (ROOT / "examples").glob("*.bif"))
BUILD_FILES = ("setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md")
BUILD_DIRS = ("host", "hls", "examples", "bitstreams")
FAKE_BITSTREAM = ("pynq-z2", b"not a real bitstream", "<hwh/>")
EVIDENCE = {"HRBP": "HIGH", "BP": "LOW"}
QUERY = ["LVFAILURE", "HYPOVOLEMIA"]


def _run(command, cwd, env, expect=0):
    proc = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == expect, \
        f"{' '.join(map(str, command))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fresh venv with the wheel installed; commands run from an empty directory
    with no path leading back to the repository."""
    top = tmp_path_factory.mktemp("install")
    # Build from a copy: the build writes build/ and *.egg-info beside the sources,
    # and the copy gets a board folder, as `make bitstream` would leave one.
    source = _mkdir(top / "source")
    for name in BUILD_FILES:
        shutil.copy2(ROOT / name, source / name)
    for name in BUILD_DIRS:
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    board, bit, hwh = FAKE_BITSTREAM
    _mkdir(source / "bitstreams" / board)
    for name in (o.name for o in board_overlays(board).values()):   # the sparse bm overlay too
        (source / "bitstreams" / board / f"{name}.bit").write_bytes(bit + name.encode())
        (source / "bitstreams" / board / f"{name}.hwh").write_text(hwh)

    pip_env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "NEUROPYNQ_CACHE",
                            "NEUROPYNQ_BACKEND")}
    pip_env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # The venv gets no pip of its own (ensurepip is slow); this pip installs into it.
    venv = top / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], top, pip_env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "-q", "--no-deps", "-w", top / "dist", source], top, pip_env)
    (wheel,) = (top / "dist").glob("neuropynq-*.whl")
    _run([*pip, "--python", python, "install", "-q", wheel, "numpy<2"], top, pip_env)

    # The neuropynq runs get their own user cache (the pip runs keep pip's warm one).
    env = dict(pip_env, XDG_CACHE_HOME=str(top / "user-cache"))
    return {"venv": venv, "python": python, "cli": venv / "bin" / "neuropynq", "wheel": wheel,
            "env": env, "cwd": _mkdir(top / "empty"), "cache": top / "user-cache"}


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_wheel_carries_the_bundle_and_package_data(site):
    names = set(zipfile.ZipFile(site["wheel"]).namelist())
    bundle = f"neuropynq/{resources.BUNDLE_DIR}"
    expected = {f"{bundle}/{folder}/{path.relative_to(ROOT / folder)}"
                for folder, patterns in resources.BUNDLE.items()
                for pattern in patterns for path in (ROOT / folder).glob(pattern)}
    board = FAKE_BITSTREAM[0]
    expected |= {f"{bundle}/bitstreams/{board}/{name}.{suffix}"
                 for name in (o.name for o in board_overlays(board).values()) for suffix in ("bit", "hwh")}
    assert {n for n in names if n.startswith(bundle + "/")} == expected
    assert {f"{bundle}/examples/{name}.bif" for name in NETWORKS} <= expected
    assert {f"{bundle}/hls/src/bn_sampler.cpp", f"{bundle}/hls/include/shim/hls_stream.h"} <= expected
    assert {"neuropynq/data/boards.txt", "neuropynq/data/overlays.txt"} <= names
    assert "neuropynq/notebooks/01_getting_started.ipynb" in names
    metadata = zipfile.ZipFile(site["wheel"]).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: numpy>=1.21" in metadata and "Requires-Dist: scipy>=1.8" in metadata
    assert "Requires-Python: >=3.10" in metadata


def test_infer_a_bundled_network_on_the_cpu_from_an_empty_directory(site):
    args = ["--samples", 4096, "--seed", 1, "--query", ",".join(QUERY),
            "--evidence", ",".join(f"{k}={v}" for k, v in EVIDENCE.items())]
    out = json.loads(_run([site["cli"], "infer", "alarm", "--backend", "cpu", "--json", *args],
                          site["cwd"], site["env"]).stdout)
    assert (out["backend"], out["samples"], out["window"], out["seed"]) == ("cpu", 4096, 256, 1)
    ref = Sampler("ref").posterior(BayesNet.from_bif(ROOT / "examples" / "alarm.bif"), EVIDENCE,
                                   QUERY, samples=4096, window=256, seed=1)
    assert out["posterior"] == ref.to_dict()     # bit-exact: same counts, same quotients
    # The library was built into the user's cache, nothing into the installed package.
    assert list((site["cache"] / "neuropynq" / "cpu").glob("libneuropynq_*.so"))
    assert not list(site["venv"].rglob("libneuropynq_*.so"))


def test_examples_and_bitstreams_come_from_the_installed_package(site):
    out = _run([site["cli"], "examples"], site["cwd"], site["env"]).stdout
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == NETWORKS
    assert str(site["venv"]) in lines[0] and str(ROOT) not in out
    board = FAKE_BITSTREAM[0]
    # the installed package's overlay table and board table: the board's every overlay
    found = _run([site["python"], "-c", "from neuropynq.board.bitstreams import find_bitstream, board_overlays; "
                  f"print(*(find_bitstream(k, {board!r}) for k in board_overlays({board!r})))"],
                 site["cwd"], site["env"]).stdout.split()
    names = [o.name for o in board_overlays(board).values()]
    assert "neuropynq_bm_sparse" in names
    assert [Path(path).read_bytes() for path in found] == [FAKE_BITSTREAM[1] + name.encode() for name in names]
    assert all(Path(path).is_relative_to(site["venv"]) for path in found)


def test_unknown_network_name_is_one_line(site):
    err = _run([site["cli"], "exact", "alarmm"], site["cwd"], site["env"], expect=2).stderr
    assert err.count("\n") == 1 and "'alarmm'" in err and "alarm, asia" in err


def test_notebook_01_runs_from_the_installed_package(site):
    """Its code cells, in order, in one namespace; auto picks the cpu backend here and
    the notebook checks the ref backend's counts against it."""
    script = ("import json\n"
              "from neuropynq import resources\n"
              "path = resources.notebooks_dir() / '01_getting_started.ipynb'\n"
              "print('notebook', path)\n"
              "namespace = {'__name__': '__notebook__'}\n"
              "for cell in json.loads(path.read_text())['cells']:\n"
              "    if cell['cell_type'] == 'code':\n"
              "        exec(compile(''.join(cell['source']), str(path), 'exec'), namespace)\n")
    out = _run([site["python"], "-c", script], site["cwd"], site["env"]).stdout
    assert f"notebook {site['venv']}" in out
    assert "backend: cpu" in out and "mean absolute error" in out
    assert "ref: " in out and "identical counts" in out
