"""The notebooks, executed headless on the cpu backend (their code cells in order, in
one namespace, in a subprocess with a time limit), so they cannot rot: with matplotlib
each figure a notebook shows is written to a file that must be a non-empty PNG; without
matplotlib the notebook still runs to the end and says so. And they match their
generator (tools/make_notebooks.py)."""
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from neuropynq.boards import board_builds

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "host" / "neuropynq" / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
import make_notebooks  # noqa: E402

NAMES = sorted(make_notebooks.NOTEBOOKS)
TIME_LIMIT = 60           # seconds per notebook run
NO_MATPLOTLIB = "matplotlib is not installed"
PNG = b"\x89PNG\r\n\x1a\n"
# What a notebook must say when run here (no board): the board figures are projections.
EXPECTED_OUTPUT = {"03_accelerator_against_processor.ipynb": [
    f"{board} ({build.bn_lanes} lanes at {build.clock_mhz} MHz): projected (Verilator cycles ÷ clock), not measured"
    for board, build in board_builds().items()] + ["measured: ref, cpu, 1 thread"]}

# Runs in the subprocess: argv[1] the notebook, argv[2] "1" to hide matplotlib.
RUNNER = r'''
import json, sys
if sys.argv[2] == "1":
    class NoMatplotlib:
        def find_spec(self, name, path=None, target=None):
            if name == "matplotlib" or name.startswith("matplotlib."):
                raise ImportError(f"No module named {name!r} (hidden by the test)")
    sys.meta_path.insert(0, NoMatplotlib())
cells = ["".join(c["source"]) for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
namespace = {"__name__": "__notebook__"}
for i, source in enumerate(cells):
    exec(compile(source, f"{sys.argv[1]}[cell {i}]", "exec"), namespace)
print(f"ran {len(cells)} code cells")
'''


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def figure_names(path: Path) -> list[str]:
    """The figures the notebook shows: every show(fig, "name") call."""
    return re.findall(r'\bshow\(\w+, "(\w+)"\)', "\n".join(code_cells(path)))


def run_notebook(name: str, figures: Path, hide_matplotlib: bool) -> str:
    env = {**os.environ, "NEUROPYNQ_BACKEND": "cpu", "MPLBACKEND": "Agg",
           "NEUROPYNQ_FIGURES": str(figures), "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", RUNNER, str(NOTEBOOK_DIR / name), "1" if hide_matplotlib else "0"],
                          capture_output=True, text=True, timeout=TIME_LIMIT, env=env, cwd=figures)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert f"ran {len(code_cells(NOTEBOOK_DIR / name))} code cells" in done.stdout
    if "Sampler(" in "".join(code_cells(NOTEBOOK_DIR / name)):
        assert "backend: cpu" in done.stdout
    for text in EXPECTED_OUTPUT.get(name, []):
        assert text in done.stdout, f"{name} does not say {text!r}"
    return done.stdout


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_matches_its_generator(name):
    assert (NOTEBOOK_DIR / name).read_text() == make_notebooks.render(name), \
        "run tools/make_notebooks.py and commit the result"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_draws_its_figures(name, tmp_path):
    assert importlib.util.find_spec("matplotlib") is not None, \
        "drawing the notebooks' figures needs matplotlib, in the dev extra: pip install -e '.[dev]'"
    expected = figure_names(NOTEBOOK_DIR / name)
    assert expected, f"{name} shows no figure"
    out = run_notebook(name, tmp_path, hide_matplotlib=False)
    assert NO_MATPLOTLIB not in out
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert written == sorted(f"{figure}.png" for figure in expected)
    for figure in expected:
        data = (tmp_path / f"{figure}.png").read_bytes()
        assert data.startswith(PNG) and len(data) > 1000, f"{figure}.png is empty"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_to_the_end_without_matplotlib(name, tmp_path):
    out = run_notebook(name, tmp_path, hide_matplotlib=True)
    assert NO_MATPLOTLIB in out
    assert list(tmp_path.glob("*.png")) == []


def test_every_notebook_in_the_package_has_a_generator():
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == NAMES
