"""Finding the overlay for a board: an explicit path, the package data, or the
repository's bitstreams/<board>/ folder where `make bitstream` puts it."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import BackendUnavailable

BOARDS = ("pynq-z2", "zcu104", "kv260")
BITFILE = "neuropynq.bit"
# PYNQ images export BOARD (e.g. "Pynq-Z2", "ZCU104", "KV260").
_ALIASES = {"pynq-z2": "pynq-z2", "pynqz2": "pynq-z2", "zcu104": "zcu104", "kv260": "kv260",
            "kv260_som": "kv260"}

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "bitstreams"
REPO_DIR = Path(__file__).resolve().parents[3] / "bitstreams"


def board_name(board: str | None = None) -> str:
    raw = board or os.environ.get("BOARD")
    if not raw:
        raise BackendUnavailable("no board given and $BOARD is not set (not on a PYNQ image?)")
    name = _ALIASES.get(raw.strip().lower())
    if name is None:
        raise BackendUnavailable(f"unsupported board {raw!r}; neuropynq builds for {', '.join(BOARDS)}")
    return name


def find_bitstream(board: str | None = None, bitfile: str | os.PathLike | None = None) -> Path:
    """The .bit to load; its .hwh must sit beside it with the same basename."""
    if bitfile is not None:
        candidates = [Path(bitfile)]
    else:
        name = board_name(board)
        candidates = [d / name / BITFILE for d in (PACKAGE_DIR, REPO_DIR)]
    for bit in candidates:
        if bit.is_file():
            if not bit.with_suffix(".hwh").is_file():
                raise BackendUnavailable(f"{bit} has no {bit.with_suffix('.hwh').name} beside it")
            return bit
    looked = ", ".join(str(c) for c in candidates)
    raise BackendUnavailable(f"no bitstream found (looked for {looked}); build one with "
                             f"'make bitstream BOARD=<board>' and copy it to the board")
