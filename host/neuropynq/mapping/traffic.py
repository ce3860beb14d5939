"""Spike traffic between slices, in packets per time step: every neuron sends one
packet per spike to every slice that has a synapse from it (unicast, one packet per
destination core), and every partial slice sends its merge slice one partial sum
per neuron per step. Traffic inside one core is not counted."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import ConvLayer, Network
from .partition import Partition


@dataclass
class Traffic:
    src: np.ndarray      # slice ids
    dst: np.ndarray
    rate: np.ndarray     # packets per time step

    @property
    def total(self) -> float:
        return float(self.rate.sum())


def _owners(network: Network, partition: Partition) -> list[np.ndarray]:
    """Per layer, the slice holding each output neuron, shaped like the layer's output."""
    owners = [np.full(layer.out_shape, -1, dtype=np.int64) for layer in network.layers]
    for sid, s in enumerate(partition.slices):
        if s.role != "partial":
            (c0, c1), (y0, y1), (x0, x1) = s.out
            owners[s.layer][c0:c1, y0:y1, x0:x1] = sid
    return owners


def _add(edges: list, sources: np.ndarray, rates: np.ndarray, dst: int) -> None:
    keep = rates > 0
    if not keep.any():
        return
    ids, inverse = np.unique(sources[keep], return_inverse=True)
    edges.append((ids, np.full(len(ids), dst), np.bincount(inverse, weights=rates[keep])))


def slice_traffic(network: Network, partition: Partition) -> Traffic:
    owners = _owners(network, partition)
    edges: list = []
    merges, read = {}, {}
    for sid, s in enumerate(partition.slices):
        if s.role == "merge":
            merges[(s.layer, s.group)] = sid
    for sid, s in enumerate(partition.slices):
        layer = network.layers[s.layer]
        if s.role == "merge":
            continue
        if s.role == "partial":
            target = merges[(s.layer, s.group)]
            edges.append((np.array([sid]), np.array([target]), np.array([float(s.neurons)])))
        if isinstance(layer, ConvLayer):
            if s.layer == 0:
                continue
            (i0, i1), _, _ = s.inputs
            _, (y0, y1), (x0, x1) = s.out
            # The input rows and columns a tile reads, computed once per layer and tile edge.
            if (s.layer, 0, y0, y1) not in read:
                read[(s.layer, 0, y0, y1)] = np.flatnonzero(layer.taps(y0, y1, layer.height))
            if (s.layer, 1, x0, x1) not in read:
                read[(s.layer, 1, x0, x1)] = np.flatnonzero(layer.taps(x0, x1, layer.width))
            rows, cols = read[(s.layer, 0, y0, y1)], read[(s.layer, 1, x0, x1)]
            src = owners[s.layer - 1].reshape(layer.in_shape)[i0:i1][:, rows][:, :, cols]
            rate = network.layers[s.layer - 1].rate.reshape(layer.in_shape)[i0:i1][:, rows][:, :, cols]
            _add(edges, src.ravel(), rate.ravel(), sid)
            continue
        (i0, i1), = s.inputs
        (o0, o1), _, _ = s.out
        used = None if layer.mask is None else layer.mask[o0:o1, i0:i1].any(axis=0)
        for lo, hi, offset, src_layer in ((i0, min(i1, layer.n_in), 0, s.layer - 1),
                                          (max(i0, layer.n_in), i1, layer.n_in, s.layer)):
            if lo >= hi or src_layer < 0 or (src_layer == s.layer and not layer.recurrent):
                continue
            src = owners[src_layer].ravel()[lo - offset:hi - offset]
            rate = network.layers[src_layer].rate[lo - offset:hi - offset].copy()
            if used is not None:
                rate[~used[lo - i0:hi - i0]] = 0
            _add(edges, src, rate, sid)
    if not edges:
        empty = np.zeros(0, dtype=np.int64)
        return Traffic(empty, empty, np.zeros(0))
    src = np.concatenate([e[0] for e in edges])
    dst = np.concatenate([e[1] for e in edges])
    rate = np.concatenate([e[2] for e in edges])
    n = len(partition.slices)
    key, inverse = np.unique(src * n + dst, return_inverse=True)
    total = np.bincount(inverse, weights=rate)
    src, dst = key // n, key % n
    keep = src != dst
    return Traffic(src[keep], dst[keep], total[keep])
