"""Save/load of trained networks and the plain description a mapper reads."""
import json

import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.train.data import poisson_patterns
from neuropynq.train.layers import Dense, Recurrent
from neuropynq.train.network import Network
from neuropynq.train.neurons import LIF, AdaptiveLIF
from neuropynq.train.serialise import load_network, network_layers, save_network
from neuropynq.train.surrogates import make_surrogate


def _network():
    hidden = Recurrent(6, 5, AdaptiveLIF(beta=0.8, threshold=0.9, reset="zero", rho=0.7, kappa=0.1,
                                         surrogate=make_surrogate("sigmoid", 4.0)), seed=1, weight_scale=4.0, max_delay=4)
    hidden.delay.delay.value[:] = [0.0, 1.4, 2.6, 4.0, 3.5, 0.2]
    return Network([hidden, Dense(5, 3, LIF(beta=0.9), seed=2, weight_scale=3.0)])


def test_round_trip_gives_identical_spikes(tmp_path):
    net = _network()
    path = tmp_path / "net.npz"
    save_network(net, path)
    loaded = load_network(path)
    x, _ = poisson_patterns(classes=2, channels=6, steps=20, samples=4, rate=0.3, seed=0)
    reference = net.forward(x)
    assert reference.sum() > 0
    assert np.array_equal(loaded.forward(x), reference)
    assert loaded.layers[0].neuron.describe() == net.layers[0].neuron.describe()


def test_file_layout_is_plain_npz_with_json_meta(tmp_path):
    path = tmp_path / "net.npz"
    save_network(_network(), path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["layer0_W", "layer0_W_rec", "layer0_delay", "layer1_W", "meta"]
        meta = json.loads(str(archive["meta"]))
        assert archive["layer0_W"].shape == (6, 5) and archive["layer0_W_rec"].shape == (5, 5)
        assert archive["layer0_delay"].tolist() == [0.0, 1.4, 2.6, 4.0, 3.5, 0.2]
    assert meta["format"] == "neuropynq-snn" and meta["version"] == 1
    assert [(d["kind"], d["n_in"], d["n_out"], d["max_delay"]) for d in meta["layers"]] == \
        [("recurrent", 6, 5, 4), ("dense", 5, 3, None)]
    assert meta["layers"][0]["neuron"] == {"kind": "alif", "beta": 0.8, "threshold": 0.9, "reset": "zero",
                                           "surrogate": {"name": "sigmoid", "scale": 4.0},
                                           "rho": 0.7, "kappa": 0.1}


def test_network_layers_description():
    net = _network()
    layers = network_layers(net)
    assert [d["kind"] for d in layers] == ["recurrent", "dense"]
    assert np.array_equal(layers[0]["W"], net.layers[0].W.value)
    assert np.array_equal(layers[0]["W_rec"], net.layers[0].W_rec.value)
    assert layers[0]["delay_steps"].tolist() == [0, 1, 3, 4, 4, 0]
    assert "W_rec" not in layers[1] and "delay" not in layers[1]
    layers[0]["W"][0, 0] += 1.0                 # a copy: the network is untouched
    assert layers[0]["W"][0, 0] != net.layers[0].W.value[0, 0]


def test_load_rejects_bad_files(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_network(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, W=np.zeros((2, 2)))
    with pytest.raises(ModelError, match="no `meta`"):
        load_network(other)
    path = tmp_path / "net.npz"
    save_network(_network(), path)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["layer1_W"] = np.zeros((4, 3))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelError, match=r"layer1_W has shape \(4, 3\), expected \(5, 3\)"):
        load_network(tmp_path / "bad.npz")
    arrays = dict(arrays, layer1_W=np.zeros((5, 3)), layer0_delay=np.full(6, 9.0))
    np.savez(tmp_path / "far.npz", **arrays)
    with pytest.raises(ModelError, match=r"outside \[0, 4\]"):
        load_network(tmp_path / "far.npz")


def test_mapper_reads_saved_network(tmp_path):
    from neuropynq.mapping import load_network as load_for_mapping

    net = _network()
    net.layers[1].W.value[2, :] = 0.0          # a pruned input: no synapses from hidden neuron 2
    path = tmp_path / "net.npz"
    save_network(net, path)
    mapped = load_for_mapping(path)
    assert [(layer.n_in, layer.n_out, layer.recurrent) for layer in mapped.layers] == [(6, 5, True), (5, 3, False)]
    # The mapper's fan-in mask (n_out × inputs, then recurrent) is the non-zero pattern of W, W_rec.
    assert np.array_equal(mapped.layers[0].mask, np.hstack([(net.layers[0].W.value != 0).T,
                                                            (net.layers[0].W_rec.value != 0).T]))
    assert not mapped.layers[1].mask[:, 2].any() and mapped.layers[1].mask[:, [0, 1, 3, 4]].all()
