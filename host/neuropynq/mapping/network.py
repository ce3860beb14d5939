"""The network to map: a chain of dense (optionally recurrent) and convolutional
layers with the firing rate of every neuron (assumed per layer or measured per
neuron). Read from the plain JSON layer list (docs/mapping.md) or from a network
file written by `neuropynq.train`.

Sizes are checked before anything of that size is allocated: a JSON file of a few
bytes may declare a layer of 10^9 neurons, and the mapping's memory and time grow
with the neurons, the convolution sides and kernels."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LimitError, ModelError, quote
from ..input_files import read_json
from ..npz import ELEMENTS_MAX, open_npz

DEFAULT_RATE = 0.1   # spikes per neuron per time step, when no rate is given

# Bounds on what a network may declare: far beyond any chip the mapper models
# (a TianjicX holds 40960 neurons), small enough that checking a hostile file
# costs at most a few hundred MB.
NEURONS_MAX = 1 << 22        # neurons of one layer, inputs of one layer, and of all layers
LAYERS_MAX = 4096
CONV_SIDE_MAX = 8192         # height and width of a convolution's input
KERNEL_MAX = 64              # side of a convolution kernel
JSON_BYTES_MAX = 64 << 20


def _positive_int(value, what: str, maximum: int = NEURONS_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ModelError(f"{what} must be a positive integer, got {quote(value)}")
    if value > maximum:
        raise LimitError(f"{what} is {value}; at most {maximum} is supported")
    return int(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _rates(rate, n: int, what: str) -> np.ndarray:
    """A scalar (assumed) or per-neuron (measured) rate in [0, 1] as n floats."""
    if isinstance(rate, list):
        if not all(_is_number(r) for r in rate):
            bad = next(r for r in rate if not _is_number(r))
            raise ModelError(f"{what}: a rate list must hold numbers only, it holds {quote(bad)}")
    elif not (_is_number(rate) or isinstance(rate, np.ndarray) and rate.dtype.kind in "iuf"):
        raise ModelError(f"{what}: rate must be a number or a list of numbers, got {quote(rate)}")
    array = np.asarray(rate, dtype=float)
    if array.ndim == 0:
        array = np.full(n, float(array))
    array = array.reshape(-1)
    if array.size != n:
        raise ModelError(f"{what}: {array.size} rates for {n} neurons")
    if not np.all((array >= 0) & (array <= 1)):
        raise ModelError(f"{what}: firing rates must lie in [0, 1] spikes per step")
    return array


@dataclass(eq=False)
class DenseLayer:
    """n_out neurons, each fed by the n_in outputs of the previous layer and, if
    recurrent, by the layer's own outputs. Fan-in index space: inputs 0..n_in-1, then
    own outputs n_in..n_in+n_out-1. `mask` (n_out x fan-in, bool) marks non-zero
    weights; None is full connectivity (without self-connections in the recurrent part)."""
    n_in: int
    n_out: int
    rate: np.ndarray
    recurrent: bool = False
    mask: np.ndarray | None = None
    kind = "dense"

    def __post_init__(self):
        self.n_in = _positive_int(self.n_in, "dense layer n_in")
        self.n_out = _positive_int(self.n_out, "dense layer n_out")
        self.rate = _rates(self.rate, self.n_out, "dense layer")
        if self.mask is not None:
            self.mask = np.asarray(self.mask, dtype=bool)
            if self.mask.shape != (self.n_out, self.fanin_size):
                raise ModelError(f"dense layer mask has shape {self.mask.shape}, "
                                 f"expected {(self.n_out, self.fanin_size)}")

    @property
    def fanin_size(self) -> int:
        return self.n_in + (self.n_out if self.recurrent else 0)

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return (self.n_in, 1, 1)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return (self.n_out, 1, 1)

    @property
    def synapses(self) -> int:
        if self.mask is not None:
            return int(self.mask.sum())
        return self.n_out * self.n_in + (self.n_out * (self.n_out - 1) if self.recurrent else 0)

    def describe(self) -> dict:
        return {"kind": "dense", "n_in": self.n_in, "n_out": self.n_out, "recurrent": self.recurrent,
                "sparse": self.mask is not None, "synapses": self.synapses,
                "mean_rate": float(self.rate.mean())}


@dataclass(eq=False)
class ConvLayer:
    """2-D convolution, in_channels x height x width -> out_channels x out_height x
    out_width, every output channel connected to every input channel."""
    in_channels: int
    out_channels: int
    height: int
    width: int
    kernel: int
    rate: np.ndarray
    stride: int = 1
    padding: int | None = None    # None: kernel // 2 ("same" for stride 1, odd kernel)
    kind = "conv"

    def __post_init__(self):
        maxima = {"height": CONV_SIDE_MAX, "width": CONV_SIDE_MAX, "kernel": KERNEL_MAX,
                  "stride": CONV_SIDE_MAX}
        for name in ("in_channels", "out_channels", "height", "width", "kernel", "stride"):
            setattr(self, name, _positive_int(getattr(self, name), f"conv layer {name}",
                                              maxima.get(name, NEURONS_MAX)))
        if self.padding is None:
            self.padding = self.kernel // 2
        if isinstance(self.padding, bool) or not isinstance(self.padding, (int, np.integer)) \
                or not 0 <= self.padding < self.kernel:
            raise ModelError(f"conv layer padding must be an integer in [0, kernel), got {self.padding!r}")
        self.padding = int(self.padding)
        if self.out_height < 1 or self.out_width < 1:
            raise ModelError(f"conv layer kernel {self.kernel} does not fit a "
                             f"{self.height}x{self.width} input with padding {self.padding}")
        for side, neurons in (("input", self.n_in), ("output", self.n_out)):
            if neurons > NEURONS_MAX:
                raise LimitError(f"conv layer has {neurons} {side} neurons; at most {NEURONS_MAX} "
                                 f"are supported")
        self.rate = _rates(self.rate, int(np.prod(self.out_shape)), "conv layer")

    @property
    def out_height(self) -> int:
        return (self.height + 2 * self.padding - self.kernel) // self.stride + 1

    @property
    def out_width(self) -> int:
        return (self.width + 2 * self.padding - self.kernel) // self.stride + 1

    @property
    def n_in(self) -> int:
        return self.in_channels * self.height * self.width

    @property
    def n_out(self) -> int:
        return self.out_channels * self.out_height * self.out_width

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return (self.in_channels, self.height, self.width)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return (self.out_channels, self.out_height, self.out_width)

    def taps(self, out_lo: int, out_hi: int, size: int) -> np.ndarray:
        """taps[i]: how many (output position in [out_lo, out_hi), kernel offset) pairs
        read input position i (0 <= i < size) along one spatial axis."""
        pos = (np.arange(out_lo, out_hi)[:, None] * self.stride - self.padding
               + np.arange(self.kernel)[None, :]).ravel()
        return np.bincount(pos[(pos >= 0) & (pos < size)], minlength=size)

    @property
    def synapses(self) -> int:
        rows = int(self.taps(0, self.out_height, self.height).sum())
        cols = int(self.taps(0, self.out_width, self.width).sum())
        return self.out_channels * self.in_channels * rows * cols

    def describe(self) -> dict:
        return {"kind": "conv", "in_channels": self.in_channels, "out_channels": self.out_channels,
                "height": self.height, "width": self.width, "kernel": self.kernel,
                "stride": self.stride, "padding": self.padding, "n_out": self.n_out,
                "synapses": self.synapses, "mean_rate": float(self.rate.mean())}


Layer = DenseLayer | ConvLayer


@dataclass(eq=False)
class Network:
    """Layers in order; layer i reads the outputs of layer i-1, layer 0 reads
    external inputs firing at `input_rate` (off-chip, so they cost no mesh traffic)."""
    layers: list
    input_rate: float = DEFAULT_RATE

    def __post_init__(self):
        if not self.layers:
            raise ModelError("network has no layers")
        _check_neurons(sum(layer.n_out for layer in self.layers))
        self.input_rate = float(_rates(self.input_rate, 1, "input_rate")[0])
        for i in range(1, len(self.layers)):
            prev, layer = self.layers[i - 1], self.layers[i]
            if layer.n_in != prev.n_out:
                raise ModelError(f"layer {i} expects {layer.n_in} inputs but layer {i - 1} "
                                 f"has {prev.n_out} outputs")

    @property
    def neurons(self) -> int:
        return sum(layer.n_out for layer in self.layers)

    @property
    def synapses(self) -> int:
        return sum(layer.synapses for layer in self.layers)

    def input_rates(self, i: int) -> np.ndarray:
        """Rates of the feed-forward inputs of layer i, flat in (channel, y, x) order."""
        if i == 0:
            return np.full(self.layers[0].n_in, self.input_rate)
        return self.layers[i - 1].rate


def _check_neurons(neurons: int) -> None:
    if neurons > NEURONS_MAX:
        raise LimitError(f"the network has more than {NEURONS_MAX} neurons")


_DENSE_FIELDS = {"kind", "n_in", "n_out", "rate", "recurrent"}
_CONV_FIELDS = {"kind", "in_channels", "out_channels", "height", "width", "kernel", "stride",
                "padding", "rate"}
_REQUIRED = {"dense": ("n_in", "n_out"),
             "conv": ("in_channels", "out_channels", "height", "width", "kernel")}


def layer_from_dict(spec: dict, index: int) -> Layer:
    where = f"layer {index}"
    if not isinstance(spec, dict):
        raise ModelError(f"{where}: expected an object")
    kind = spec.get("kind")
    fields = {"dense": _DENSE_FIELDS, "conv": _CONV_FIELDS}.get(kind) if isinstance(kind, str) else None
    if fields is None:
        raise ModelError(f"{where}: kind must be 'dense' or 'conv', got {quote(kind)}")
    unknown = sorted(set(spec) - fields)
    if unknown:
        raise ModelError(f"{where}: unknown field(s) {', '.join(unknown)} for a {kind} layer")
    missing = [k for k in _REQUIRED[kind] if k not in spec]
    if missing:
        raise ModelError(f"{where}: a {kind} layer needs {', '.join(missing)}")
    args = {k: v for k, v in spec.items() if k != "kind"}
    args.setdefault("rate", DEFAULT_RATE)
    try:
        if kind == "dense":
            if not isinstance(args.get("recurrent", False), bool):
                raise ModelError("recurrent must be true or false")
            return DenseLayer(**args)
        return ConvLayer(**args)
    except (ModelError, LimitError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def network_from_dict(data: dict) -> Network:
    """{"input_rate": r, "layers": [{"kind": "dense"|"conv", ...}, ...]} -> Network."""
    if not isinstance(data, dict) or not isinstance(data.get("layers"), list):
        raise ModelError('network description must be an object with a "layers" list')
    unknown = sorted(set(data) - {"layers", "input_rate"})
    if unknown:
        raise ModelError(f"network description has unknown field(s) {', '.join(unknown)}")
    if len(data["layers"]) > LAYERS_MAX:
        raise LimitError(f"the network has {len(data['layers'])} layers; at most {LAYERS_MAX} are supported")
    layers, neurons = [], 0
    for i, spec in enumerate(data["layers"]):
        layers.append(layer_from_dict(spec, i))
        # Checked layer by layer, so that the rates of many large layers are never all built.
        neurons += layers[-1].n_out
        _check_neurons(neurons)
    return Network(layers, data.get("input_rate", DEFAULT_RATE))


def network_from_weights(weights: list, recurrent: list | None = None,
                         rates: list | None = None, input_rate: float = DEFAULT_RATE) -> Network:
    """Dense layers from trained weights in the `neuropynq.train` layout: W_i of shape
    (n_in, n_out), optional recurrent W_rec_i (n_out, n_out, row = presynaptic; None
    for none), and per-layer rates (scalar or measured per neuron). Only the pattern
    of non-zero weights matters."""
    layers = []
    for i, w in enumerate(weights):
        w = np.asarray(w)
        if w.ndim != 2:
            raise ModelError(f"layer {i}: weight matrix must be 2-D, got shape {w.shape}")
        rec = None if recurrent is None else recurrent[i]
        mask = (w != 0).T
        if rec is not None:
            rec = np.asarray(rec)
            if rec.shape != (w.shape[1], w.shape[1]):
                raise ModelError(f"layer {i}: recurrent weights have shape {rec.shape}, "
                                 f"expected {(w.shape[1], w.shape[1])}")
            mask = np.hstack([mask, (rec != 0).T])
        rate = DEFAULT_RATE if rates is None else rates[i]
        try:
            layers.append(DenseLayer(w.shape[0], w.shape[1], rate, rec is not None, mask))
        except (ModelError, LimitError) as exc:
            raise type(exc)(f"layer {i}: {exc}") from None
    return Network(layers, input_rate)


def load_network(path: str | Path) -> Network:
    """A JSON layer list (.json) or a network written by `neuropynq.train` (.npz)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        data = read_json(path, "a network", JSON_BYTES_MAX)
        try:
            return network_from_dict(data)
        except (ModelError, LimitError) as exc:
            raise type(exc)(f"{path}: {exc}") from None
    if path.suffix.lower() == ".npz":
        return _load_trained(path)
    raise ModelError(f"{path}: expected a .json layer list or a .npz trained network")


def _load_trained(path: Path) -> Network:
    """Per-layer arrays layer{i}_W (+ optional layer{i}_W_rec) of a trained network;
    synaptic delays (layer{i}_delay) do not change the mapping and are not read."""
    with open_npz(path, "a trained network") as archive:
        count = 0
        while f"layer{count}_W" in archive.files:
            count += 1
        if count == 0:
            raise ModelError(f"{path}: no layer0_W array (not a neuropynq.train network)")
        names = [f"layer{i}_W{suffix}" for i in range(count) for suffix in ("", "_rec")]
        elements = sum(math.prod(archive.header(name)[0]) for name in names if name in archive)
        if elements > ELEMENTS_MAX:
            raise LimitError(f"{path}: the weight arrays have {elements} elements; at most "
                             f"{ELEMENTS_MAX} are supported")
        weights = [archive[f"layer{i}_W"] for i in range(count)]
        recurrent = [archive[f"layer{i}_W_rec"] if f"layer{i}_W_rec" in archive.files else None
                     for i in range(count)]
    try:
        return network_from_weights(weights, recurrent)
    except (ModelError, LimitError) as exc:
        raise type(exc)(f"{path}: {exc}") from None
