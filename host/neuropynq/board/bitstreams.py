"""Finding a kernel build's overlay for a board: an explicit path, or
bitstreams/<board>/<overlay>.bit where `make bitstream` puts it (in the repository,
or the copy a wheel built from it carries; neuropynq.resources knows which). Each
kernel build has its own overlay, named in data/overlays.txt (read by the Vivado flow
too); a board has the overlays whose board-table column (`needs`) is above 0 there,
e.g. the sparse bm overlay only where bm_units > 0.

    python -m neuropynq.board.bitstreams BOARD [KERNEL]   # the board's overlays' kernels (for make)
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as package_files
from pathlib import Path

from .. import resources
from ..boards import BoardTableError, board_build, board_builds
from ..errors import BackendUnavailable, NeuropynqError

BOARDS = tuple(board_builds())
OVERLAYS_RESOURCE = "overlays.txt"
_HEADER = ["kernel", "ip", "overlay", "needs", "instances"]
# PYNQ images export BOARD (e.g. "Pynq-Z2", "ZCU104", "KV260").
_ALIASES = {"pynq-z2": "pynq-z2", "pynqz2": "pynq-z2", "zcu104": "zcu104", "kv260": "kv260",
            "kv260_som": "kv260"}


@dataclass(frozen=True)
class Overlay:
    kernel: str          # the kernel build it holds: bn_sampler, bm_sampler, bm_sampler_sparse
    ip: str              # its kernel IP: cell name and VLNV neuropynq:hls:<ip>:1.0
    name: str            # the .bit/.hwh basename and the block design's name
    needs: str | None    # the board-table column that must be above 0 (None: every board)
    instances: str | None   # the board-table column counting the kernel's copies (None: one)

    def on(self, board: str) -> bool:
        """True if `board`'s build has this overlay."""
        return self.needs is None or int(board_build(board).column(self.needs)) > 0

    def cells(self, board: str) -> list[str]:
        """The kernel cells of this overlay on `board`: <ip>, then <ip>_1, <ip>_2, ...
        (each with its DMA, the cell name + '_dma')."""
        return cell_names(self.ip, board_build(board).instances(self.kernel))

    @property
    def short(self) -> str:
        """The name `make bitstream KERNEL=` takes: bn, bm, bm_sparse."""
        return self.kernel.replace("_sampler", "")


@lru_cache(maxsize=None)
def overlays() -> dict[str, Overlay]:
    """Kernel build -> its overlay, every board's (data/overlays.txt)."""
    text = package_files.files("neuropynq").joinpath("data", OVERLAYS_RESOURCE).read_text(encoding="utf-8")
    rows = [line.split("#", 1)[0].split() for line in text.splitlines()]
    rows = [row for row in rows if row]
    if not rows or rows[0] != _HEADER or any(len(row) != len(_HEADER) for row in rows[1:]):
        raise NeuropynqError(f"neuropynq/data/{OVERLAYS_RESOURCE} is malformed: a header "
                             f"'{' '.join(_HEADER)}' and one row of that many fields per overlay expected")
    found = {}
    for kernel, ip, name, needs, instances in rows[1:]:
        needs = None if needs == "-" else needs
        instances = None if instances == "-" else instances
        for what, column in (("needs", needs), ("counts its instances in", instances)):
            if column is None:
                continue
            try:      # a column of the board table holding a count
                [int(board_build(b).column(column)) for b in BOARDS]
            except (BoardTableError, ValueError):
                raise NeuropynqError(f"neuropynq/data/{OVERLAYS_RESOURCE}: overlay {name} {what} {column!r}, "
                                     f"which is not a numeric column of the board table") from None
        found[kernel] = Overlay(kernel, ip, name, needs, instances)
    return found


def cell_names(ip: str, count: int) -> list[str]:
    """The block design's cells of `count` copies of kernel IP `ip` (hw/bd/npq_bd.tcl)."""
    return [ip if i == 0 else f"{ip}_{i}" for i in range(count)]


def overlay_names() -> dict[str, str]:
    """Kernel build -> the basename of its overlay's .bit and .hwh, every board's."""
    return {kernel: overlay.name for kernel, overlay in overlays().items()}


def board_overlays(board: str) -> dict[str, Overlay]:
    """The overlays `board` (a board-table name) has, by kernel build, in table order."""
    return {kernel: overlay for kernel, overlay in overlays().items() if overlay.on(board)}


def bitfile_name(kernel: str) -> str:
    """The .bit file name of `kernel`'s overlay ("neuropynq_bn.bit" for bn_sampler)."""
    return f"{overlays()[kernel].name}.bit"


def board_name(board: str | None = None) -> str:
    raw = board or os.environ.get("BOARD")
    if not raw:
        raise BackendUnavailable("no board given and $BOARD is not set (not on a PYNQ image?)")
    name = _ALIASES.get(raw.strip().lower())
    if name is None:
        raise BackendUnavailable(f"unsupported board {raw!r}; neuropynq builds for {', '.join(BOARDS)}")
    return name


def missing_overlay(kernel: str, board: str) -> str:
    """Why `board` has no overlay of `kernel` (its board-table column is 0)."""
    overlay = overlays()[kernel]
    return (f"board {board} has no {overlay.name} overlay ({kernel}): its board-table column "
            f"{overlay.needs} is 0 (host/neuropynq/data/boards.txt)")


def find_bitstream(kernel: str, board: str | None = None,
                   bitfile: str | os.PathLike | None = None) -> Path:
    """The .bit of `kernel`'s overlay; its .hwh must sit beside it with the same basename."""
    if bitfile is not None:
        bit = Path(bitfile)
    else:
        name = board_name(board)
        if not overlays()[kernel].on(name):
            raise BackendUnavailable(missing_overlay(kernel, name))
        bit = resources.bitstreams_dir() / name / bitfile_name(kernel)
    if not bit.is_file():
        raise BackendUnavailable(f"no {kernel} overlay found (looked for {bit}); build it with "
                                 f"'make bitstream BOARD=<board> KERNEL={overlays()[kernel].short}' "
                                 f"(a wheel carries the bitstreams present when it was built)")
    if not bit.with_suffix(".hwh").is_file():
        raise BackendUnavailable(f"{bit} has no {bit.with_suffix('.hwh').name} beside it")
    return bit


def main(argv: list[str] | None = None) -> int:
    """Print the kernel builds whose overlays `make bitstream` builds for BOARD: every
    overlay the board has, or KERNEL's (its name or short name) if the board has it."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m neuropynq.board.bitstreams BOARD [KERNEL]", file=sys.stderr)
        return 2
    try:
        board_build(args[0])
        kernels = list(board_overlays(args[0]))
        if len(args) == 2:
            chosen = [k for k, o in overlays().items() if args[1] in (k, o.short)]
            if not chosen:
                raise NeuropynqError(f"unknown kernel {args[1]!r}; the overlays hold "
                                     f"{', '.join(o.short for o in overlays().values())}")
            if chosen[0] not in kernels:
                raise NeuropynqError(missing_overlay(chosen[0], args[0]))
            kernels = chosen
    except NeuropynqError as exc:
        print(f"neuropynq.board.bitstreams: {exc}", file=sys.stderr)
        return 2
    print(" ".join(kernels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
