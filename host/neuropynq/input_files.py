"""Opening the files a user names (BIF networks, chip and network JSON, .npz
archives). Every reader of a user's file goes through here, so that a named pipe
never blocks, a directory or a device is named as such, an oversized file is
refused before it is read, and undecodable text is reported with its line."""
from __future__ import annotations

import json
import math
import os
import stat

from .errors import LimitError, ModelError, quote


def check_regular_file(path, what: str) -> int:
    """The size of `path` if it is a regular file (after symlinks); ModelError
    naming the file otherwise. Opening a FIFO would block, a device may never end."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ModelError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ModelError(f"{path} is a directory, expected {what} file")
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"{path} is not a regular file (a named pipe, socket or device), "
                         f"expected {what} file")
    return info.st_size


def read_bytes(path, what: str, max_bytes: int) -> bytes:
    """The contents of the regular file `path`, refused above `max_bytes`."""
    size = check_regular_file(path, what)
    if size > max_bytes:
        raise LimitError(f"{path} has {size} bytes; {what} file may have at most "
                         f"{max_bytes >> 20} MiB")
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)   # the file may have grown since stat
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise LimitError(f"{path} has more than {max_bytes} bytes; {what} file may have at "
                         f"most {max_bytes >> 20} MiB")
    return data


def decode_text(data: bytes, path) -> str:
    """UTF-8 text (a leading byte-order mark is dropped); ModelError naming the line
    and byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ModelError(f"{path}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def read_text(path, what: str, max_bytes: int) -> str:
    return decode_text(read_bytes(path, what, max_bytes), path)


def read_json(path, what: str, max_bytes: int):
    """The JSON value in `path`. Only finite numbers are accepted: NaN, Infinity and
    1e999 are not JSON numbers a model could use."""
    text = read_text(path, what, max_bytes)

    def finite(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise ModelError(f"{path}: number {quote(literal)} is out of the range of a double")
        return value

    def constant(literal: str):
        raise ModelError(f"{path}: {literal} is not a JSON number")

    try:
        return json.loads(text, parse_float=finite, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except ModelError:
        raise
    except RecursionError:
        raise ModelError(f"{path}: JSON nested too deeply") from None
    except ValueError as exc:   # an integer beyond Python's digit limit
        raise ModelError(f"{path}: not usable JSON: {quote(str(exc))}") from None

