"""Logical mapping: cut every layer into core-sized slices along its dimensions —
output neurons and input fan-in for dense layers; output channels, input channels
and the two spatial axes for convolutions (the "4-D partition"). Where the fan-in
is split into F groups, each group is a *partial* slice that sums its share of the
inputs for the slice's output neurons, and a *merge* slice adds the F partial sums
and holds the neurons; otherwise one *direct* slice holds neurons and synapses.

Every slice respects the chip's per-core limits on neurons (partial-sum
accumulators count as neurons), distinct inputs and stored synapses; every synapse
of the network lies in exactly one direct or partial slice."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import LimitError
from .chip import Chip
from .network import ConvLayer, DenseLayer, Network

_FANIN_CANDIDATES = 4   # fan-in splits tried above the smallest feasible one (dense layers)


@dataclass
class Slice:
    """One core's share of a layer. `out`: (channel, y, x) half-open ranges of the
    output neurons it serves. `inputs`: for a dense slice ((lo, hi),) over the layer's
    fan-in index space; for a conv slice the (channel, y, x) box of input neurons it
    reads; () for a merge slice, whose inputs are the partial slices of its group."""
    layer: int
    role: str
    group: int                       # output group in the layer (a merge and its partials share it)
    out: tuple
    inputs: tuple
    neurons: int
    fanin: int
    synapses: int
    events: float                    # synaptic operations per time step

    def to_dict(self) -> dict:
        out = asdict(self)
        out["out"] = [list(r) for r in self.out]
        out["inputs"] = [list(r) for r in self.inputs]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Slice":
        return cls(**{**data, "out": tuple(tuple(r) for r in data["out"]),
                      "inputs": tuple(tuple(r) for r in data["inputs"])})


@dataclass
class Partition:
    slices: list
    limit: int          # lower bound on cores from total neurons and synapses

    @property
    def cores(self) -> int:
        return len(self.slices)


def equal_bounds(n: int, parts: int) -> np.ndarray:
    """parts + 1 cut points splitting range(n) into parts of sizes differing by at most 1."""
    return (np.arange(parts + 1) * n) // parts


def mapping_limit(network: Network, chip: Chip) -> int:
    """No mapping can use fewer cores than the total neurons or synapses need."""
    return max(-(-network.neurons // chip.neurons_per_core),
               -(-network.synapses // chip.synapses_per_core))


def partition_network(network: Network, chip: Chip) -> Partition:
    slices = []
    for i, layer in enumerate(network.layers):
        rates_in = network.input_rates(i)
        part = (_partition_dense if isinstance(layer, DenseLayer) else _partition_conv)
        slices.extend(part(i, layer, rates_in, chip))
    return Partition(slices, mapping_limit(network, chip))


def _merge_slice(layer: int, group: int, out: tuple, neurons: int, splits: int) -> Slice:
    # One partial sum per neuron and partial slice arrives each step, weight 1.
    return Slice(layer, "merge", group, out, (), neurons, splits * neurons, splits * neurons,
                 float(splits * neurons))


# ---- dense layers -------------------------------------------------------------

def _dense_blocks(layer: DenseLayer, rates_fanin: np.ndarray, bounds: np.ndarray):
    """(synapses, events), each n_out x F: per output neuron and fan-in group."""
    starts = bounds[:-1]
    if layer.mask is not None:
        counts = np.add.reduceat(layer.mask, starts, axis=1, dtype=np.int64)
        group_of = np.repeat(np.arange(len(starts)), np.diff(bounds))
        weights = np.zeros((layer.fanin_size, len(starts)))
        weights[np.arange(layer.fanin_size), group_of] = rates_fanin
        events = np.vstack([layer.mask[r:r + 4096] @ weights
                            for r in range(0, layer.n_out, 4096)])
        return counts, events
    sizes = np.diff(bounds)
    counts = np.tile(sizes, (layer.n_out, 1)).astype(np.int64)
    events = np.tile(np.add.reduceat(rates_fanin, starts), (layer.n_out, 1))
    if layer.recurrent:   # no self-connection: output o does not read fan-in input n_in + o
        own = np.arange(layer.n_out)
        group = np.searchsorted(bounds, layer.n_in + own, side="right") - 1
        counts[own, group] -= 1
        events[own, group] -= layer.rate
    return counts, events


def _output_groups(counts: np.ndarray, cap: int, synapse_cap: int) -> list[tuple[int, int]]:
    """Greedy contiguous output groups of at most `cap` neurons whose block in every
    fan-in group holds at most `synapse_cap` synapses."""
    n = counts.shape[0]
    cum = np.vstack([np.zeros((1, counts.shape[1]), dtype=np.int64), np.cumsum(counts, axis=0)])
    groups, start = [], 0
    while start < n:
        end = min(n, start + cap)
        for f in range(counts.shape[1]):
            end = min(end, int(np.searchsorted(cum[:, f], cum[start, f] + synapse_cap, "right")) - 1)
        groups.append((start, end))
        start = end
    return groups


def _partition_dense(index: int, layer: DenseLayer, rates_in: np.ndarray, chip: Chip) -> list:
    fanin_cap = min(chip.fanin_per_core, chip.synapses_per_core)
    first = -(-layer.fanin_size // fanin_cap)
    rates_fanin = np.concatenate([rates_in, layer.rate]) if layer.recurrent else rates_in
    best = None
    for splits in range(first, min(first + _FANIN_CANDIDATES, layer.fanin_size) + 1):
        cap = chip.neurons_per_core
        if splits > 1:   # the merge slice reads one partial sum per neuron and split
            cap = min(cap, chip.fanin_per_core // splits, chip.synapses_per_core // splits)
        if cap < 1:
            break
        if best is not None and -(-layer.n_out // cap) * (splits + (splits > 1)) >= best[0]:
            continue   # cannot beat the best split found so far
        bounds = equal_bounds(layer.fanin_size, splits)
        counts, events = _dense_blocks(layer, rates_fanin, bounds)
        groups = _output_groups(counts, cap, chip.synapses_per_core)
        cores = len(groups) * (splits + (splits > 1))
        if best is None or cores < best[0]:
            best = (cores, splits, bounds, counts, events, groups)
    if best is None:
        raise LimitError(f"layer {index}: fan-in {layer.fanin_size} needs more than "
                         f"{chip.fanin_per_core} partial sums per neuron; their merge exceeds "
                         f"the {chip.fanin_per_core}-input core of chip {chip.name!r}")
    _, splits, bounds, counts, events, groups = best
    slices = []
    for g, (o0, o1) in enumerate(groups):
        out = ((o0, o1), (0, 1), (0, 1))
        for f in range(splits):
            i0, i1 = int(bounds[f]), int(bounds[f + 1])
            fanin = (i1 - i0) if layer.mask is None else int(layer.mask[o0:o1, i0:i1].any(axis=0).sum())
            slices.append(Slice(index, "direct" if splits == 1 else "partial", g, out, ((i0, i1),),
                                o1 - o0, fanin, int(counts[o0:o1, f].sum()),
                                float(events[o0:o1, f].sum())))
        if splits > 1:
            slices.append(_merge_slice(index, g, out, o1 - o0, splits))
    return slices


# ---- convolutional layers -----------------------------------------------------

def _tile_sizes(n: int) -> list[int]:
    """Every largest-part size an equal split of range(n) can have."""
    return sorted({-(-n // parts) for parts in range(1, n + 1)}, reverse=True)


def _conv_shape(layer: ConvLayer, chip: Chip):
    """(cores, splits, oc_groups, tile rows, tile cols) of the cheapest partition whose
    worst (interior) slice fits the core."""
    N, A, S, k, s = (chip.neurons_per_core, chip.fanin_per_core, chip.synapses_per_core,
                     layer.kernel, layer.stride)
    best = None
    for gic in _tile_sizes(layer.in_channels):
        splits = -(-layer.in_channels // gic)
        for th in _tile_sizes(layer.out_height):
            rows_in = min((th - 1) * s + k, layer.height)
            for tw in _tile_sizes(layer.out_width):
                cols_in = min((tw - 1) * s + k, layer.width)
                if gic * rows_in * cols_in > A or th * tw > N:
                    continue
                oc = min(N // (th * tw), S // (gic * th * tw * k * k))
                if splits > 1:
                    oc = min(oc, A // (splits * th * tw), S // (splits * th * tw))
                if oc < 1:
                    continue
                tiles = -(-layer.out_height // th) * -(-layer.out_width // tw)
                cores = -(-layer.out_channels // oc) * tiles * (splits + (splits > 1))
                key = (cores, splits, -th * tw)
                if best is None or key < best[0]:
                    best = (key, splits, -(-layer.out_channels // oc), th, tw)
    return best


def _serpentine(rows: int, cols: int) -> list[tuple[int, int]]:
    return [(r, c if r % 2 == 0 else cols - 1 - c) for r in range(rows) for c in range(cols)]


def _partition_conv(index: int, layer: ConvLayer, rates_in: np.ndarray, chip: Chip) -> list:
    shape = _conv_shape(layer, chip)
    if shape is None:
        raise LimitError(f"layer {index}: a {layer.kernel}x{layer.kernel} convolution over "
                         f"{layer.in_channels} channels does not fit one core of chip {chip.name!r}, "
                         "even as one output neuron per core")
    _, splits, oc_groups, th, tw = shape
    oc_b = equal_bounds(layer.out_channels, oc_groups)
    ic_b = equal_bounds(layer.in_channels, splits)
    y_b = equal_bounds(layer.out_height, -(-layer.out_height // th))
    x_b = equal_bounds(layer.out_width, -(-layer.out_width // tw))
    volume = rates_in.reshape(layer.in_shape)
    group_rates = np.add.reduceat(volume, ic_b[:-1], axis=0)   # input rate per ic group, y, x
    taps_rows = [layer.taps(y_b[t], y_b[t + 1], layer.height) for t in range(len(y_b) - 1)]
    taps_cols = [layer.taps(x_b[t], x_b[t + 1], layer.width) for t in range(len(x_b) - 1)]
    slices, group = [], 0
    for ty, tx in _serpentine(len(y_b) - 1, len(x_b) - 1):
        y0, y1, x0, x1 = int(y_b[ty]), int(y_b[ty + 1]), int(x_b[tx]), int(x_b[tx + 1])
        taps_y, taps_x = taps_rows[ty], taps_cols[tx]
        ry, rx = np.flatnonzero(taps_y), np.flatnonzero(taps_x)
        iy0, iy1, ix0, ix1 = int(ry[0]), int(ry[-1]) + 1, int(rx[0]), int(rx[-1]) + 1
        for g in range(oc_groups):
            c0, c1 = int(oc_b[g]), int(oc_b[g + 1])
            out = ((c0, c1), (y0, y1), (x0, x1))
            neurons = (c1 - c0) * (y1 - y0) * (x1 - x0)
            for f in range(splits):
                i0, i1 = int(ic_b[f]), int(ic_b[f + 1])
                events = (c1 - c0) * float(taps_y[iy0:iy1] @ group_rates[f, iy0:iy1, ix0:ix1]
                                           @ taps_x[ix0:ix1])
                slices.append(Slice(index, "direct" if splits == 1 else "partial", group, out,
                                    ((i0, i1), (iy0, iy1), (ix0, ix1)), neurons,
                                    (i1 - i0) * len(ry) * len(rx),
                                    (c1 - c0) * (i1 - i0) * int(taps_y.sum()) * int(taps_x.sum()),
                                    events))
            if splits > 1:
                slices.append(_merge_slice(index, group, out, neurons, splits))
            group += 1
    return slices
