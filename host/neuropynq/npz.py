"""Opening the .npz archives the package reads (Boltzmann machines, trained
networks), with one set of clear errors for a missing, unreadable or wrong file."""
from __future__ import annotations

import os
import zipfile

import numpy as np

from .errors import ModelError


def open_npz(path, what: str) -> np.lib.npyio.NpzFile:
    """`path` opened as an .npz archive holding `what` (e.g. "a Boltzmann machine");
    ModelError naming the problem otherwise. Use it as a context manager."""
    if not os.path.isfile(path):
        raise ModelError(f"{what} file not found: {path}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path} is not a readable .npz file: {exc}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelError(f"{path} is a single .npy array, expected {what} (.npz)")
    return archive
