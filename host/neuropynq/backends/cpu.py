"""The `cpu` backend: the HLS C++ kernels (hls/src) compiled natively (-O3
-march=native) into a shared library and called through ctypes. Same sources as
the FPGA build, so the output frames equal the reference's word for word.

The library is built on first use into a cache directory ($NEUROPYNQ_CACHE, else
build/cpu in the repository) under a name that hashes the sources and headers, the
flags, the compiler version and the CPU's features, so an edit to any kernel file
triggers a rebuild. $CXX picks the compiler (default g++).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from ..errors import BackendUnavailable, KernelError
from ..framing import Status, output_frame
from .base import Backend

REPO = Path(__file__).resolve().parents[3]
HLS = REPO / "hls"
SOURCES = ("src/bn_sampler.cpp", "src/bm_sampler.cpp", "src/cpu_api.cpp")
# P = 1: lanes would run one after the other on a CPU anyway (INFO reports it). A
# larger batch than the hardware's amortises the per-variable loop overhead.
LANES = 1
BATCH = 256
# -march=native: the kernels are integer code, exact on any instruction set, and the
# wider vectors roughly halve the time of the spiking window. The CPU's identity is
# part of the cache key, so a cache shared between machines never mixes builds.
FLAGS = ("-O3", "-march=native", "-std=c++14", "-shared", "-fPIC", "-Wno-unknown-pragmas",
         f"-DNPQ_LANES={LANES}", f"-DNPQ_BN_BATCH={BATCH}")
RUN_NO_TLAST = 1

# The kernels keep their on-chip arrays in statics: one frame at a time per process.
_LOCK = threading.Lock()
_LIBRARY: ctypes.CDLL | None = None


def cache_dir() -> Path:
    return Path(os.environ.get("NEUROPYNQ_CACHE") or REPO / "build" / "cpu")


def _compiler() -> str:
    name = os.environ.get("CXX", "g++")
    path = shutil.which(name)
    if path is None:
        raise BackendUnavailable(
            f"the cpu backend needs a C++ compiler to build the kernels, and {name!r} is not on PATH "
            "(install g++ or set CXX)")
    return path


def _inputs() -> list[Path]:
    """Every file the library depends on: the kernel sources and all headers."""
    missing = [s for s in SOURCES if not (HLS / s).is_file()]
    if missing:
        raise BackendUnavailable(
            f"the cpu backend builds from the HLS sources in {HLS}, which lack {', '.join(missing)} "
            "(install neuropynq from its repository)")
    return [HLS / s for s in SOURCES] + sorted((HLS / "include").rglob("*.h"))


def _cpu_identity() -> str:
    """The machine and its instruction-set extensions (what -march=native depends on)."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = next((line for line in info if line.startswith(("flags", "Features"))), "")
    except OSError:
        flags = platform.processor()
    return f"{platform.machine()} {flags}"


def _build_key(compiler: str) -> str:
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    digest = hashlib.sha256()
    digest.update(version.encode())
    digest.update(_cpu_identity().encode())
    digest.update(" ".join(FLAGS).encode())
    for path in _inputs():
        digest.update(str(path.relative_to(HLS)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_library() -> Path:
    """The shared library for the current sources, compiled if not cached yet."""
    compiler = _compiler()
    target = cache_dir() / f"libneuropynq_{_build_key(compiler)}.so"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Compile to a private name and rename: concurrent builds never see half a file.
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    command = [compiler, *FLAGS, f"-I{HLS / 'include'}", f"-I{HLS / 'include' / 'shim'}",
               *(str(HLS / s) for s in SOURCES), "-o", tmp]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        os.unlink(tmp)
        lines = result.stderr.splitlines()
        first = next((line for line in lines if "error" in line), lines[0] if lines else "no output")
        raise BackendUnavailable(f"building the cpu backend with {compiler} failed: {first.strip()}")
    os.replace(tmp, target)
    return target


def _library() -> ctypes.CDLL:
    global _LIBRARY
    with _LOCK:
        if _LIBRARY is None:
            lib = ctypes.CDLL(str(build_library()))
            lib.npq_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                    ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_uint32)]
            lib.npq_run.restype = ctypes.c_int
            lib.npq_take.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
            lib.npq_take.restype = None
            _LIBRARY = lib
        return _LIBRARY


class CpuBackend(Backend):
    """The HLS kernels as native code; BackendUnavailable if they cannot be built here."""

    name = "cpu"

    def __init__(self) -> None:
        self._lib = _library()

    def execute(self, frame: np.ndarray, last=None) -> np.ndarray:
        """Run one input frame and return the output frame. `last` gives the TLAST flag
        of every word (default: on the final word only)."""
        words = np.ascontiguousarray(frame, dtype=np.uint32).ravel()
        if words.size == 0:
            # Nothing a kernel could read: answer as the ref backend does.
            return output_frame(Status.BAD_MAGIC)
        flags = None
        if last is not None:
            flags = np.ascontiguousarray(last, dtype=np.uint8).ravel()
            if flags.size != words.size:
                raise ValueError(f"last has {flags.size} flags for {words.size} words")
        n_out, status = ctypes.c_size_t(), ctypes.c_uint32()
        with _LOCK:
            rc = self._lib.npq_run(words.ctypes.data, None if flags is None else flags.ctypes.data,
                                   words.size, ctypes.byref(n_out), ctypes.byref(status))
            if rc == RUN_NO_TLAST:
                raise KernelError("the input frame has no TLAST where the kernel needs one: "
                                  "it would wait for more words")
            out = np.empty(n_out.value, dtype=np.uint32)
            self._lib.npq_take(out.ctypes.data, out.size)
        return out
