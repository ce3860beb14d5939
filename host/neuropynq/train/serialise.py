"""Save and load trained spiking networks, and describe them for a mapper.

File format (an .npz, read with numpy alone):
* `meta`: a 0-d unicode array holding JSON
  {"format": "neuropynq-snn", "version": 1, "layers": [{"kind": "dense" | "recurrent",
  "n_in", "n_out", "neuron": {kind, beta, threshold, reset, surrogate, rho, kappa},
  "max_delay": int or null}, ...]};
* `layer{i}_W`: float64 (n_in, n_out), row = presynaptic neuron;
* `layer{i}_W_rec`: float64 (n_out, n_out), recurrent layers only;
* `layer{i}_delay`: float64 (n_in,), axonal delays in steps of layer i's inputs,
  only for layers with delays.
"""
from __future__ import annotations

import json

import numpy as np

from ..errors import ModelError
from ..npz import open_npz
from .layers import Dense, Recurrent
from .network import Network
from .neurons import neuron_from_description

FORMAT = "neuropynq-snn"
VERSION = 1
LAYER_KINDS = {Dense.kind: Dense, Recurrent.kind: Recurrent}


def network_layers(net: Network) -> list[dict]:
    """One dict per layer: kind, n_in, n_out, W, W_rec (recurrent), neuron parameters,
    and for layers with delays, `delay` (float steps), `delay_steps` (rounded, int64)
    and `max_delay`. Arrays are copies. Only dense and recurrent layers can be
    described (and saved): convolution, pooling, attention and working-memory
    layers have no entry in the format yet, and the mapper would misread them."""
    layers = []
    for i, layer in enumerate(net.layers):
        if layer.kind not in LAYER_KINDS:
            raise ModelError(f"layer {i} is a {layer.kind} layer; only {' and '.join(LAYER_KINDS)} layers "
                             f"can be saved or described for the mapper")
        d = {"kind": layer.kind, "n_in": layer.n_in, "n_out": layer.n_out,
             "W": layer.W.value.copy(), "neuron": layer.neuron.describe(),
             "max_delay": layer.delay.max_delay if layer.delay is not None else None}
        if layer.kind == Recurrent.kind:
            d["W_rec"] = layer.W_rec.value.copy()
        if layer.delay is not None:
            d["delay"] = layer.delay.delay.value.copy()
            d["delay_steps"] = layer.delay.whole_steps()
        layers.append(d)
    return layers


def save_network(net: Network, path) -> None:
    """Write `net` to an .npz at exactly `path` (format in this module's docstring)."""
    arrays, meta = {}, []
    for i, d in enumerate(network_layers(net)):
        meta.append({key: d[key] for key in ("kind", "n_in", "n_out", "neuron", "max_delay")})
        arrays[f"layer{i}_W"] = d["W"]
        if "W_rec" in d:
            arrays[f"layer{i}_W_rec"] = d["W_rec"]
        if "delay" in d:
            arrays[f"layer{i}_delay"] = d["delay"]
    arrays["meta"] = np.array(json.dumps({"format": FORMAT, "version": VERSION, "layers": meta}))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _array(archive, path, key: str, shape: tuple) -> np.ndarray:
    if key not in archive.files:
        raise ModelError(f"{path} lacks array {key}")
    value = np.asarray(archive[key], dtype=np.float64)
    if value.shape != shape:
        raise ModelError(f"{path}: {key} has shape {value.shape}, expected {shape}")
    if not np.all(np.isfinite(value)):
        raise ModelError(f"{path}: {key} has non-finite entries")
    return value


def load_network(path) -> Network:
    """Rebuild a network written by `save_network`."""
    with open_npz(path, "a saved network") as archive:
        if "meta" not in archive.files:
            raise ModelError(f"{path} has no `meta` entry; it is not a saved network")
        try:
            meta = json.loads(str(archive.array("meta", kinds="U")))
        except json.JSONDecodeError as exc:
            raise ModelError(f"{path}: meta is not valid JSON: {exc}") from None
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise ModelError(f"{path}: expected format {FORMAT!r} version {VERSION}, got "
                             f"{meta.get('format')!r} version {meta.get('version')!r}")
        layers = []
        for i, d in enumerate(meta.get("layers", [])):
            if d.get("kind") not in LAYER_KINDS:
                raise ModelError(f"{path}: layer {i} has unknown kind {d.get('kind')!r}")
            missing = [key for key in ("n_in", "n_out", "neuron", "max_delay") if key not in d]
            if missing:
                raise ModelError(f"{path}: meta of layer {i} lacks {', '.join(missing)}")
            layer = LAYER_KINDS[d["kind"]](d["n_in"], d["n_out"], neuron_from_description(d["neuron"]),
                                           max_delay=d["max_delay"])
            layer.W.value[...] = _array(archive, path, f"layer{i}_W", (layer.n_in, layer.n_out))
            if layer.kind == Recurrent.kind:
                layer.W_rec.value[...] = _array(archive, path, f"layer{i}_W_rec", (layer.n_out, layer.n_out))
            if layer.delay is not None:
                delay = _array(archive, path, f"layer{i}_delay", (layer.n_in,))
                if np.any(delay < 0) or np.any(delay > layer.delay.max_delay):
                    raise ModelError(f"{path}: layer{i}_delay has values outside [0, {layer.delay.max_delay}]")
                layer.delay.delay.value[...] = delay
            layers.append(layer)
    return Network(layers)
