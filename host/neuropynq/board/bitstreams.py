"""Finding a kernel's overlay for a board: an explicit path, or
bitstreams/<board>/<overlay>.bit where `make bitstream` puts it (in the repository,
or the copy a wheel built from it carries; neuropynq.resources knows which). Each
kernel has its own overlay, named in data/overlays.txt (read by the Vivado flow too)."""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources as package_files
from pathlib import Path

from .. import resources
from ..errors import BackendUnavailable, NeuropynqError

BOARDS = ("pynq-z2", "zcu104", "kv260")
OVERLAYS_RESOURCE = "overlays.txt"
# PYNQ images export BOARD (e.g. "Pynq-Z2", "ZCU104", "KV260").
_ALIASES = {"pynq-z2": "pynq-z2", "pynqz2": "pynq-z2", "zcu104": "zcu104", "kv260": "kv260",
            "kv260_som": "kv260"}


@lru_cache(maxsize=None)
def overlay_names() -> dict[str, str]:
    """Kernel -> the basename of its overlay's .bit and .hwh (data/overlays.txt)."""
    text = package_files.files("neuropynq").joinpath("data", OVERLAYS_RESOURCE).read_text(encoding="utf-8")
    rows = [line.split("#", 1)[0].split() for line in text.splitlines()]
    rows = [row for row in rows if row]
    if not rows or rows[0] != ["kernel", "overlay"] or any(len(row) != 2 for row in rows[1:]):
        raise NeuropynqError(f"neuropynq/data/{OVERLAYS_RESOURCE} is malformed: a header "
                             f"'kernel overlay' and one 'kernel name' row per kernel expected")
    return dict(rows[1:])


def bitfile_name(kernel: str) -> str:
    """The .bit file name of `kernel`'s overlay ("neuropynq_bn.bit" for bn_sampler)."""
    return f"{overlay_names()[kernel]}.bit"


def board_name(board: str | None = None) -> str:
    raw = board or os.environ.get("BOARD")
    if not raw:
        raise BackendUnavailable("no board given and $BOARD is not set (not on a PYNQ image?)")
    name = _ALIASES.get(raw.strip().lower())
    if name is None:
        raise BackendUnavailable(f"unsupported board {raw!r}; neuropynq builds for {', '.join(BOARDS)}")
    return name


def find_bitstream(kernel: str, board: str | None = None,
                   bitfile: str | os.PathLike | None = None) -> Path:
    """The .bit of `kernel`'s overlay; its .hwh must sit beside it with the same basename."""
    if bitfile is not None:
        bit = Path(bitfile)
    else:
        bit = resources.bitstreams_dir() / board_name(board) / bitfile_name(kernel)
    if not bit.is_file():
        short = kernel.split("_")[0]
        raise BackendUnavailable(f"no {kernel} overlay found (looked for {bit}); build it with "
                                 f"'make bitstream BOARD=<board> KERNEL={short}' (a wheel carries "
                                 f"the bitstreams present when it was built)")
    if not bit.with_suffix(".hwh").is_file():
        raise BackendUnavailable(f"{bit} has no {bit.with_suffix('.hwh').name} beside it")
    return bit

