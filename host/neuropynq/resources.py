"""Where the files that ship with neuropynq live: the example networks, the HLS
sources the cpu backend compiles, the bitstreams, the notebooks, and the folder the
cpu backend builds into.

The repository keeps examples/, hls/ and bitstreams/ at its top level, beside host/.
A built wheel carries copies of them under `neuropynq/_bundled/` (setup.py copies the
files BUNDLE names at build time); an editable install or a checkout on PYTHONPATH
has no bundle and reads the repository. Nothing else in the package knows either
location.

setup.py reads BUNDLE and BUNDLE_DIR from this file's source (it cannot import the
package while building it), so both stay plain literals.
"""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import ModelError, NeuropynqError, quote

# Repository folder -> glob patterns (relative to it) of the files a wheel carries.
BUNDLE = {
    "examples": ("*.bif",),
    "hls/include": ("**/*.h",),
    "hls/src": ("*.cpp",),
    "bitstreams": ("*/*.bit", "*/*.hwh"),
}
BUNDLE_DIR = "_bundled"
EXAMPLE_SUFFIX = ".bif"


class UnknownNetwork(ModelError):
    """A model name that is neither an existing file nor a bundled example network."""


def package_dir() -> Path:
    """The installed `neuropynq` package folder (importlib.resources' view of it)."""
    here = resources.files(__package__)
    if not isinstance(here, Path):
        # The cpu backend hands these files to a compiler: they must be real files.
        raise NeuropynqError(f"neuropynq is loaded from {here}, not from files on disk; "
                         "install it with pip")
    return here


@lru_cache(maxsize=None)
def root() -> Path:
    """The folder holding examples/, hls/ and bitstreams/: the wheel's bundle when
    installed, else the repository checkout the package is imported from."""
    bundle = package_dir() / BUNDLE_DIR
    return bundle if bundle.is_dir() else package_dir().parents[1]


def installed() -> bool:
    """True when running from a wheel's bundle, False from a repository checkout."""
    return root() == package_dir() / BUNDLE_DIR


def hls_dir() -> Path:
    """The HLS C++ tree: include/ (headers, include/shim) and src/ (kernels)."""
    return root() / "hls"


def bitstreams_dir() -> Path:
    """Holds one folder per board with each kernel's overlay, <overlay>.bit + .hwh
    (names: data/overlays.txt)."""
    return root() / "bitstreams"


def examples_dir() -> Path:
    return root() / "examples"


def notebooks_dir() -> Path:
    """The Jupyter notebooks (package data in both layouts)."""
    return package_dir() / "notebooks"


def example_names() -> list[str]:
    """The bundled example networks, by name (the BIF file's stem), sorted."""
    return sorted(p.stem for p in examples_dir().glob(f"*{EXAMPLE_SUFFIX}"))


def example(name: str) -> Path:
    """The BIF file of the bundled network `name` ("alarm" or "alarm.bif");
    UnknownNetwork listing the bundled names otherwise."""
    stem = name[:-len(EXAMPLE_SUFFIX)] if name.endswith(EXAMPLE_SUFFIX) else name
    names = example_names()
    if stem not in names:
        known = ", ".join(names) if names else f"none found in {examples_dir()}"
        raise UnknownNetwork(f"{quote(name)} is neither a file nor a bundled network ({known})")
    return examples_dir() / f"{stem}{EXAMPLE_SUFFIX}"


def cpu_cache_dir() -> Path:
    """Where the cpu backend builds its library: $NEUROPYNQ_CACHE if set; in a
    checkout the repository's build/cpu (gitignored); installed, the user's cache
    folder, since site-packages may be read-only."""
    override = os.environ.get("NEUROPYNQ_CACHE")
    if override:
        return Path(override)
    if not installed():
        return root() / "build" / "cpu"
    user_cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(user_cache) / "neuropynq" / "cpu"
