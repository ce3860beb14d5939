"""The board notebooks, executed headless on a CPU backend (their code cells in
order, in one namespace), so they cannot rot; and they match their generator."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "host" / "neuropynq" / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
import make_notebooks  # noqa: E402

NAMES = sorted(make_notebooks.NOTEBOOKS)


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_matches_its_generator(name):
    assert (NOTEBOOK_DIR / name).read_text() == make_notebooks.render(name), \
        "run tools/make_notebooks.py and commit the result"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_headless_on_the_cpu(name, monkeypatch, capsys):
    monkeypatch.setenv("NEUROPYNQ_BACKEND", "ref")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__notebook__"}
    for i, source in enumerate(code_cells(NOTEBOOK_DIR / name)):
        exec(compile(source, f"{name}[cell {i}]", "exec"), namespace)
    out = capsys.readouterr().out
    assert "backend: ref" in out
