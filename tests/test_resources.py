"""neuropynq.resources finds the bundled files in a checkout and in an installed
wheel's layout; the CLI takes a bundled network's name from any directory.
(tests/test_install.py builds and installs the real wheel.)"""
import json
import shutil
from pathlib import Path

import pytest

from neuropynq import resources
from neuropynq.backends import cpu
from neuropynq.cli import EXIT_BAD_INPUT, main

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = sorted(p.stem for p in (ROOT / "examples").glob("*.bif"))


@pytest.fixture
def wheel_layout(tmp_path, monkeypatch):
    """A package folder holding a bundle, as setup.py lays it out in a wheel."""
    package = tmp_path / "site-packages" / "neuropynq"
    bundle = package / resources.BUNDLE_DIR
    shutil.copytree(ROOT / "examples", bundle / "examples", ignore=shutil.ignore_patterns("*.py"))
    (bundle / "bitstreams" / "pynq-z2").mkdir(parents=True)
    monkeypatch.setattr(resources, "package_dir", lambda: package)
    resources.root.cache_clear()
    yield bundle
    resources.root.cache_clear()


def test_a_checkout_reads_the_repository():
    assert NETWORKS and "alarm" in NETWORKS
    assert resources.root() == ROOT and not resources.installed()
    assert resources.hls_dir() == ROOT / "hls" == cpu.HLS
    assert resources.bitstreams_dir() == ROOT / "bitstreams"
    assert resources.notebooks_dir() == ROOT / "host" / "neuropynq" / "notebooks"
    assert resources.example_names() == NETWORKS
    assert resources.example("alarm") == resources.example("alarm.bif") == ROOT / "examples" / "alarm.bif"


def test_every_file_the_cpu_backend_compiles_is_bundled():
    bundled = {p for folder, patterns in resources.BUNDLE.items()
               for pattern in patterns for p in (ROOT / folder).glob(pattern)}
    assert set(cpu._inputs()) <= bundled
    assert {ROOT / "examples" / f"{name}.bif" for name in NETWORKS} <= bundled


def test_an_installed_wheel_reads_its_bundle(wheel_layout):
    assert resources.root() == wheel_layout and resources.installed()
    assert resources.example_names() == NETWORKS
    assert resources.example("asia") == wheel_layout / "examples" / "asia.bif"
    assert resources.bitstreams_dir() == wheel_layout / "bitstreams"
    assert resources.hls_dir() == wheel_layout / "hls"


def test_unknown_name_lists_the_bundled_networks():
    with pytest.raises(resources.UnknownNetwork) as info:
        resources.example("alarms")
    message = str(info.value)
    assert "'alarms'" in message and all(name in message for name in NETWORKS)


def test_cpu_cache_location(wheel_layout, tmp_path, monkeypatch):
    """Installed, the build cache is the user's, never site-packages (may be read-only)."""
    monkeypatch.delenv("NEUROPYNQ_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resources.cpu_cache_dir() == tmp_path / "xdg" / "neuropynq" / "cpu"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resources.cpu_cache_dir() == tmp_path / "home" / ".cache" / "neuropynq" / "cpu"
    monkeypatch.setenv("NEUROPYNQ_CACHE", str(tmp_path / "mine"))
    assert resources.cpu_cache_dir() == tmp_path / "mine"


def test_checkout_cache_is_the_repository_build_folder(monkeypatch):
    monkeypatch.delenv("NEUROPYNQ_CACHE", raising=False)
    assert resources.cpu_cache_dir() == ROOT / "build" / "cpu"


def test_cli_takes_a_bundled_name_from_any_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["exact", "asia", "--query", "lung", "--evidence", "smoke=yes", "--json"]) == 0
    from_name = json.loads(capsys.readouterr().out)
    assert main(["exact", str(ROOT / "examples" / "asia.bif"), "--query", "lung",
                 "--evidence", "smoke=yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_name
    assert set(from_name["posterior"]["lung"]) == {"yes", "no"}


def test_cli_prefers_an_existing_path_to_a_bundled_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "examples" / "cancer.bif", tmp_path / "asia")
    assert main(["exact", "asia", "--json"]) == 0
    assert "Cancer" in json.loads(capsys.readouterr().out)["posterior"]


def test_cli_unknown_network_is_one_line_naming_the_choices(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["infer", "alrm", "--backend", "ref"])
    assert info.value.code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'alrm'" in err and all(name in err for name in NETWORKS)


def test_cli_examples_lists_every_bundled_network(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert listed == NETWORKS
    assert "alarm" in out and "37 variables" in out
