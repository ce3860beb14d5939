"""Chip presets and JSON chips, network JSON and trained .npz files, the Mapping's
JSON round trip, text summary and SVG picture."""
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.mapping import (PRESETS, SPINNAKER2, TIANJICX, Chip, Mapping, load_chip, load_network,
                               map_network, mapping_svg, network_from_dict, write_svg)

CUSTOM = {"name": "mini", "rows": 3, "cols": 4, "neurons_per_core": 128, "fanin_per_core": 512,
          "synapses_per_core": 16384, "hop_latency_ns": 5.0, "link_packet_ns": 2.0, "hop_energy_pj": 1.0,
          "synop_energy_pj": 0.5, "synop_time_ns": 1.0, "core_step_energy_pj": 50.0,
          "unavailable": [[0, 0]]}
NET = {"input_rate": 0.2, "layers": [
    {"kind": "conv", "in_channels": 2, "out_channels": 4, "height": 8, "width": 8, "kernel": 3, "rate": 0.05},
    {"kind": "dense", "n_in": 256, "n_out": 50, "recurrent": True},
    {"kind": "dense", "n_in": 50, "n_out": 10, "rate": 0.3}]}


def test_presets():
    assert set(PRESETS) == {"tianjicx", "spinnaker2"}
    assert (TIANJICX.cores, TIANJICX.neurons_per_core, TIANJICX.fanin_per_core) == (160, 256, 256)
    assert (SPINNAKER2.cores, SPINNAKER2.synapses_per_core) == (152, 32768)
    assert load_chip("tianjicx") is TIANJICX and len(TIANJICX.free_cores()) == 160


def test_custom_chip_from_json(tmp_path):
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(CUSTOM))
    chip = load_chip(path)
    assert chip == Chip.from_dict(CUSTOM) and chip.to_dict() == CUSTOM
    assert chip.free_cores() == list(range(1, 12))


@pytest.mark.parametrize("change,message", [
    ({"rows": 0}, "rows must be a positive integer"),
    ({"hop_energy_pj": -1}, "hop_energy_pj must be a number >= 0"),
    ({"unavailable": [[3, 0]]}, r"unavailable core \[3, 0\] is not \[row, col\] inside the 3x4 mesh"),
    ({"colour": "red"}, "unknown field"),
])
def test_bad_chip_descriptions_name_the_field(tmp_path, change, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**CUSTOM, **change}))
    with pytest.raises(ModelError, match=message):
        load_chip(path)
    path.write_text(json.dumps({k: v for k, v in CUSTOM.items() if k != "synapses_per_core"}))
    with pytest.raises(ModelError, match="lacks field.s. synapses_per_core"):
        load_chip(path)


def test_unknown_chip_name_and_bad_json(tmp_path):
    with pytest.raises(ModelError, match="unknown chip 'loihi'"):
        load_chip("loihi")
    path = tmp_path / "broken.json"
    path.write_text("{")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_chip(path)


def test_network_json_and_its_errors(tmp_path):
    net = network_from_dict(NET)
    assert [layer.n_out for layer in net.layers] == [256, 50, 10]
    assert net.layers[1].recurrent and net.layers[1].rate.tolist() == [0.1] * 50   # default rate
    assert net.synapses == 4 * 2 * 22 * 22 + 50 * 256 + 50 * 49 + 500
    with pytest.raises(ModelError, match="layer 1: kind must be 'dense' or 'conv'"):
        network_from_dict({"layers": [NET["layers"][0], {"kind": "pool"}]})
    with pytest.raises(ModelError, match="layer 0: unknown field"):
        network_from_dict({"layers": [{"kind": "dense", "n_in": 1, "n_out": 1, "bias": 0}]})
    with pytest.raises(ModelError, match='"layers" list'):
        network_from_dict({"layer": []})
    with pytest.raises(ModelError, match="expected a .json layer list or a .npz"):
        load_network(tmp_path / "net.txt")


def test_trained_npz_network(tmp_path):
    # neuropynq.train layout: W (n_in, n_out), W_rec (n_out, n_out), row = presynaptic.
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((6, 4)) * (rng.random((6, 4)) < 0.5)
    rec = rng.standard_normal((4, 4)) * (rng.random((4, 4)) < 0.5)
    w1 = rng.standard_normal((4, 3))
    path = tmp_path / "net.npz"
    np.savez(path, layer0_W=w0, layer0_W_rec=rec, layer0_delay=np.zeros((6, 4)), layer1_W=w1,
             meta=json.dumps({"kind": "snn"}))
    net = load_network(path)
    first, second = net.layers
    assert (first.n_in, first.n_out, first.recurrent, second.recurrent) == (6, 4, True, False)
    assert np.array_equal(first.mask, np.hstack([w0.T != 0, rec.T != 0]))
    assert net.synapses == np.count_nonzero(w0) + np.count_nonzero(rec) + 12
    np.savez(tmp_path / "other.npz", W=w0)
    with pytest.raises(ModelError, match="no layer0_W array"):
        load_network(tmp_path / "other.npz")


def test_mapping_json_round_trip_and_summary():
    mapping = map_network(network_from_dict(NET), Chip.from_dict(CUSTOM), "anneal", seed=3)
    again = Mapping.from_json(mapping.to_json())
    assert again.to_dict() == mapping.to_dict()
    data = json.loads(mapping.to_json())
    assert len(data["slices"]) == data["cost"]["cores"] == mapping.cost.cores
    assert data["efficiency"] == pytest.approx(data["limit"] / data["cost"]["cores"])
    text = mapping.summary()
    assert text.startswith("chip mini: 3x4 mesh, 11 free cores; placement anneal (seed 3)")
    assert f"cores used {mapping.cost.cores}; mapping limit {mapping.limit}" in text
    assert f"traffic x hops {mapping.cost.hop_traffic:.4g}" in text


def test_svg_shows_every_used_core_and_loaded_link(tmp_path):
    mapping = map_network(network_from_dict(NET), TIANJICX, "hamilton")
    path = write_svg(mapping, tmp_path / "mesh.svg")
    root = ET.fromstring(path.read_text())
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and path.read_text() == mapping_svg(mapping)
    cores = root.findall(f"{ns}rect")
    assert len(cores) == TIANJICX.cores + len(mapping.layers)     # mesh + legend swatches
    labels = [t.text for t in root.findall(f"{ns}text")]
    assert all(str(i) in " ".join(labels) for i in range(mapping.cost.cores))
    links = root.findall(f"{ns}line")
    loaded = sum(int((getattr(mapping.links, d) > 0).sum()) for d in ("east", "west", "south", "north"))
    assert len(links) == loaded > 0
    widths = sorted(float(line.get("stroke-width")) for line in links)
    assert widths[-1] == pytest.approx(5.0)      # the most loaded link is the widest
