"""Opening the .npz archives the package reads (Boltzmann machines, trained
networks) and reading their members, with one set of clear errors for a missing,
unreadable or wrong file.

Every member is read through `NpzArchive.array`: the shape and dtype in its .npy
header are checked before a byte of data is inflated (a 16-byte member claiming
shape (10^6, 10^6) or a 2 MB deflate stream of 16000 x 16000 is refused up front),
and a truncated member, a bad CRC or a corrupt deflate stream becomes a ModelError
naming the file and the member. Pickles are never loaded."""
from __future__ import annotations

import math
import tokenize
import zipfile
import zlib

import numpy as np

from .errors import ModelError, quote
from .input_files import check_regular_file

ELEMENTS_MAX = 1 << 25       # default bound on one member's elements (256 MiB of float64)
NUMERIC_KINDS = "iuf"        # real integer and floating dtypes
# Versions 2 and 3 share the header layout (3 only allows UTF-8 field names).
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0,
                   (3, 0): np.lib.format.read_array_header_2_0}
# numpy parses a header with tokenize and ast.literal_eval, which raise their own errors.
_READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, NotImplementedError,
                SyntaxError, tokenize.TokenError, RecursionError)


class NpzArchive:
    """An open .npz archive; use it as a context manager."""

    def __init__(self, archive: np.lib.npyio.NpzFile, path):
        self._archive = archive
        self.path = path
        self.files = list(archive.files)
        self._members = set(archive.zip.namelist())

    def __enter__(self) -> "NpzArchive":
        return self

    def __exit__(self, *exc_info) -> None:
        self._archive.close()

    def __contains__(self, key: str) -> bool:
        return key in self.files

    def _fail(self, key: str, problem: str) -> ModelError:
        return ModelError(f"{self.path}: member {quote(key)} {problem}")

    def header(self, key: str) -> tuple[tuple[int, ...], np.dtype]:
        """(shape, dtype) from the member's .npy header, without reading its data."""
        if key not in self.files:
            raise ModelError(f"{self.path} lacks array {quote(key)}; it has {quote(', '.join(self.files))}")
        member = f"{key}.npy" if f"{key}.npy" in self._members else key
        try:
            with self._archive.zip.open(member) as handle:
                version = np.lib.format.read_magic(handle)
                if version not in _HEADER_READERS:
                    raise ValueError(f"unknown .npy format version {version}")
                shape, _, dtype = _HEADER_READERS[version](handle)
        except _READ_ERRORS as exc:
            raise self._fail(key, f"is not a readable .npy array ({quote(str(exc))})") from None
        return shape, dtype

    def array(self, key: str, kinds: str = NUMERIC_KINDS, elements_max: int = ELEMENTS_MAX,
              ndim: int | None = None) -> np.ndarray:
        """The member `key`, checked from its header first: dtype kind in `kinds`
        (numpy kind letters; never object), at most `elements_max` elements and, if
        given, `ndim` dimensions."""
        shape, dtype = self.header(key)
        if dtype.kind not in kinds or dtype.hasobject:
            raise self._fail(key, f"has dtype {dtype}; expected {_kind_names(kinds)}")
        if ndim is not None and len(shape) != ndim:
            raise self._fail(key, f"has shape {shape}; expected {ndim} dimension(s)")
        if math.prod(shape) > elements_max or math.prod(shape) * dtype.itemsize > 8 * elements_max:
            raise self._fail(key, f"has shape {shape}, more than the {elements_max} elements "
                                  f"it may have")
        try:
            return self._archive[key]
        except _READ_ERRORS as exc:
            raise self._fail(key, f"cannot be read ({quote(str(exc))})") from None

    def __getitem__(self, key: str) -> np.ndarray:
        return self.array(key)


def _kind_names(kinds: str) -> str:
    names = {"b": "boolean", "i": "integer", "u": "unsigned integer", "f": "floating-point", "U": "text"}
    return "an array of " + " or ".join(names[k] for k in kinds) + " values"


def open_npz(path, what: str) -> NpzArchive:
    """`path` opened as an .npz archive holding `what` (e.g. "a Boltzmann machine");
    ModelError naming the problem otherwise. Use it as a context manager."""
    check_regular_file(path, what)
    try:
        archive = np.load(path, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise ModelError(f"{path} is not a readable .npz file: {quote(str(exc))}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelError(f"{path} is a single .npy array, expected {what} (.npz)")
    return NpzArchive(archive, path)
