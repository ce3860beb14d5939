"""Finding the overlay for a board: an explicit path, or bitstreams/<board>/ where
`make bitstream` puts it (in the repository, or the copy a wheel built from it
carries; neuropynq.resources knows which)."""
from __future__ import annotations

import os
from pathlib import Path

from .. import resources
from ..errors import BackendUnavailable

BOARDS = ("pynq-z2", "zcu104", "kv260")
BITFILE = "neuropynq.bit"
# PYNQ images export BOARD (e.g. "Pynq-Z2", "ZCU104", "KV260").
_ALIASES = {"pynq-z2": "pynq-z2", "pynqz2": "pynq-z2", "zcu104": "zcu104", "kv260": "kv260",
            "kv260_som": "kv260"}


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
        bit = Path(bitfile)
    else:
        bit = resources.bitstreams_dir() / board_name(board) / BITFILE
    if not bit.is_file():
        raise BackendUnavailable(f"no bitstream found (looked for {bit}); build one with "
                                 f"'make bitstream BOARD=<board>' (a wheel carries the bitstreams "
                                 f"present when it was built)")
    if not bit.with_suffix(".hwh").is_file():
        raise BackendUnavailable(f"{bit} has no {bit.with_suffix('.hwh').name} beside it")
    return bit
