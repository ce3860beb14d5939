"""Dimension-ordered (XY) routing on the mesh: a packet from core (r0, c0) to
(r1, c1) first travels along its row to column c1, then along column c1 to row r1.
Cores are numbered row-major, id = row * cols + col. Links are directed; the load
of a link is the packets per time step that cross it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LinkLoads:
    east: np.ndarray     # rows x (cols-1): (r, c) -> (r, c+1)
    west: np.ndarray     # rows x (cols-1): (r, c+1) -> (r, c)
    south: np.ndarray    # (rows-1) x cols: (r, c) -> (r+1, c)
    north: np.ndarray    # (rows-1) x cols: (r+1, c) -> (r, c)

    def max(self) -> float:
        return max([float(a.max()) for a in (self.east, self.west, self.south, self.north) if a.size]
                   or [0.0])

    def to_dict(self) -> dict:
        return {name: getattr(self, name).tolist() for name in ("east", "west", "south", "north")}

    @classmethod
    def from_dict(cls, data: dict, rows: int, cols: int) -> "LinkLoads":
        shapes = {"east": (rows, cols - 1), "west": (rows, cols - 1),
                  "south": (rows - 1, cols), "north": (rows - 1, cols)}
        return cls(**{name: np.asarray(data[name], dtype=float).reshape(shape)
                      for name, shape in shapes.items()})


def hops(src: np.ndarray, dst: np.ndarray, cols: int) -> np.ndarray:
    """Manhattan distance between cores, the hop count of XY routing."""
    src, dst = np.asarray(src), np.asarray(dst)
    return np.abs(src // cols - dst // cols) + np.abs(src % cols - dst % cols)


def link_loads(rows: int, cols: int, src: np.ndarray, dst: np.ndarray, rate: np.ndarray) -> LinkLoads:
    """Loads of every directed link when each (src, dst, rate) flow takes its XY route.
    Each leg adds `rate` to a run of consecutive links: a +rate/-rate pair in a
    difference array, summed up once at the end.

    The float prefix sum cancels inexactly: where every flow has ended it leaves a
    residue of the order of eps x the rates summed along the line (-2e-14 packets per
    step on TIANJI-CX), which would read as a negative or phantom load. A twin
    difference array of integer flow counts is exact, so a link no flow crosses is
    exactly 0; a crossed one whose sum still comes out negative is clamped at 0, as its
    true load (a sum of positive rates) is then below the residue."""
    r0, c0 = np.asarray(src) // cols, np.asarray(src) % cols
    r1, c1 = np.asarray(dst) // cols, np.asarray(dst) % cols
    rate = np.asarray(rate, dtype=float)

    def run(shape, axis, line, lo, hi, select):
        diff, flows = np.zeros(shape), np.zeros(shape, dtype=np.int64)
        index_lo = (line[select], lo[select]) if axis == 1 else (lo[select], line[select])
        index_hi = (line[select], hi[select]) if axis == 1 else (hi[select], line[select])
        np.add.at(diff, index_lo, rate[select])
        np.add.at(diff, index_hi, -rate[select])
        np.add.at(flows, index_lo, 1)
        np.add.at(flows, index_hi, -1)
        loads = np.where(np.cumsum(flows, axis=axis) > 0, np.maximum(np.cumsum(diff, axis=axis), 0.0), 0.0)
        return loads[:, :-1] if axis == 1 else loads[:-1, :]

    return LinkLoads(east=run((rows, cols), 1, r0, c0, c1, c1 > c0),
                     west=run((rows, cols), 1, r0, c1, c0, c1 < c0),
                     south=run((rows, cols), 0, c1, r0, r1, r1 > r0),
                     north=run((rows, cols), 0, c1, r1, r0, r1 < r0))
