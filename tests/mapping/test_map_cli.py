"""`neuropynq map` run as a user would: summary and JSON output, the SVG, and exit
code 2 with one line on stderr for bad input."""
import json
import subprocess
import sys

import pytest

from neuropynq.mapping import TIANJICX, Mapping, map_network, network_from_dict

NET = {"input_rate": 0.2, "layers": [
    {"kind": "dense", "n_in": 784, "n_out": 300, "rate": 0.05},
    {"kind": "dense", "n_in": 300, "n_out": 10}]}


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "neuropynq", "map", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "mlp.json"
    path.write_text(json.dumps(NET))
    return path


def test_json_output_is_the_mapping(model):
    done = run_cli(model, "--chip", "tianjicx", "--placement", "anneal", "--seed", "4", "--json")
    assert done.returncode == 0, done.stderr
    out = Mapping.from_dict(json.loads(done.stdout))
    expected = map_network(network_from_dict(NET), TIANJICX, "anneal", seed=4)
    assert out.cores.tolist() == expected.cores.tolist()
    assert out.cost.hop_traffic == pytest.approx(expected.cost.hop_traffic)
    assert (out.placement, out.seed, out.chip) == ("anneal", 4, TIANJICX)


def test_summary_and_svg(model, tmp_path):
    svg = tmp_path / "mesh.svg"
    done = run_cli(model, "--chip", "spinnaker2", "--placement", "rowmajor", "--svg", svg)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("chip spinnaker2: 8x19 mesh, 152 free cores; placement rowmajor")
    assert "cores used 9; mapping limit 8" in done.stdout
    assert svg.read_text().startswith("<svg")


def test_custom_chip_file(model, tmp_path):
    chip = {**TIANJICX.to_dict(), "name": "half", "rows": 5}
    path = tmp_path / "half.json"
    path.write_text(json.dumps(chip))
    done = run_cli(model, "--chip", path, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["chip"]["rows"] == 5


@pytest.mark.parametrize("args,message", [
    (["--chip", "loihi"], "unknown chip 'loihi'"),
    (["--placement", "spiral"], "unknown placement 'spiral'"),
    (["--chip", "missing.json"], "chip file not found: missing.json"),
])
def test_bad_input_exits_2_with_one_line(model, args, message):
    done = run_cli(model, *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert done.stderr.startswith("neuropynq: error:")


def test_network_too_big_for_the_chip_and_bad_model(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"layers": [{"kind": "dense", "n_in": 1000, "n_out": 50000}]}))
    done = run_cli(big, "--chip", "tianjicx")
    assert done.returncode == 2 and "but chip 'tianjicx' has 160 free" in done.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": [{"kind": "dense", "n_in": 3}]}))
    done = run_cli(bad)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "layer 0: a dense layer needs n_out" in done.stderr
