"""The `cpu` backend: the HLS C++ kernels (hls/src) compiled natively (-O3
-march=native) into a shared library and called through ctypes. Same sources as
the FPGA build, so the output frames equal the reference's word for word.

The sources are the repository's hls/ or, installed, the wheel's copy of it
(neuropynq.resources). The library is built on first use into
resources.cpu_cache_dir() ($NEUROPYNQ_CACHE, else build/cpu in a checkout, else the
user's cache folder) under a name that hashes the sources and headers, the flags,
the compiler version and the CPU's features, so an edit to any kernel file triggers
a rebuild. $CXX picks the compiler (default g++).

Threads: a bn RUN frame is split into contiguous sample ranges, one per thread, each
run as a frame of its own whose seed renames the streams (`rng.shifted_seed`), and
the count words are summed. Every sample owns its stream (spec §1.2), so the output
frame is the same word for word whatever the thread count. The kernels keep their
on-chip arrays in statics, so each thread runs on its own copy of the library
(dlopen loads a copy under another file name with its own statics). bm frames, INFO
and anything the split cannot prove equal run whole, on the first copy.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .. import resources
from ..errors import BackendUnavailable, KernelError
from ..framing import HEAD_WORDS, MAGIC_BN, OUT_HEAD_WORDS, SPEC_VERSION, Op, Status, join_u64, output_frame, \
    split_u64
from ..kernels.bn_model import RUN_PARAM_WORDS, run_params_at
from ..limits import SPEC_BN_LIMITS
from ..rng import MASK32, shifted_seed
from .base import Backend, check_threads

HLS = resources.hls_dir()
SOURCES = ("src/bn_sampler.cpp", "src/bm_sampler.cpp", "src/cpu_api.cpp")
# P = 1: lanes would run one after the other on a CPU anyway (INFO reports it). A
# larger batch than the hardware's amortises the per-variable loop overhead.
LANES = 1
BATCH = 256
# -march=native: the kernels are integer code, exact on any instruction set, and the
# wider vectors roughly halve the time of the spiking window. The CPU's identity is
# part of the cache key, so a cache shared between machines never mixes builds.
FLAGS = ("-O3", "-march=native", "-std=c++14", "-shared", "-fPIC", "-Wno-unknown-pragmas",
         f"-DNPQ_LANES={LANES}", f"-DNPQ_BN_BATCH={BATCH}", "-DNPQ_BN_DYNAMIC=1")
RUN_NO_TLAST = 1
# Fewest samples worth a thread of their own: below this the extra frame load and the
# thread hand-off cost more than the samples they take off the other threads.
MIN_SAMPLES_PER_THREAD = 4 * BATCH

# One library copy per thread, each with its own lock: its statics hold one frame at
# a time. _LOCK guards the list.
_LOCK = threading.Lock()
_BUILD: Path | None = None
_COPIES: list[tuple[ctypes.CDLL, threading.Lock]] = []
_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0


def default_threads() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # no affinity masks on this OS
        return os.cpu_count() or 1


def cache_dir() -> Path:
    return resources.cpu_cache_dir()


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
            "(reinstall neuropynq: its wheel carries them)")
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


def _load(path: Path) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(path))
    lib.npq_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                            ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_uint32)]
    lib.npq_run.restype = ctypes.c_int
    lib.npq_take.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.npq_take.restype = None
    return lib


def _private_copy(library: Path, index: int) -> Path:
    """Copy `index` of the library file: dlopen loads each file name with statics of its own."""
    target = library.with_name(f"{library.stem}.{index}{library.suffix}")
    if not target.is_file():
        try:
            fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
            os.close(fd)
            shutil.copyfile(library, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            raise BackendUnavailable(f"the cpu backend cannot write {target} for its thread {index + 1} "
                                     f"({exc.strerror}); make the cache writable or use one thread") from None
    return target


def _copies(n: int) -> list[tuple[ctypes.CDLL, threading.Lock]]:
    """The first n library copies (loaded on first use; copy 0 is the build itself)."""
    global _BUILD
    with _LOCK:
        while len(_COPIES) < n:
            if _BUILD is None:
                _BUILD = build_library()
            # Copies of the build copy 0 runs, even if the sources changed since.
            path = _BUILD if not _COPIES else _private_copy(_BUILD, len(_COPIES))
            _COPIES.append((_load(path), threading.Lock()))
        return _COPIES[:n]


def _run(copy: tuple[ctypes.CDLL, threading.Lock], words: np.ndarray, flags: np.ndarray | None) -> np.ndarray:
    lib, lock = copy
    n_out, status = ctypes.c_size_t(), ctypes.c_uint32()
    with lock:
        rc = lib.npq_run(words.ctypes.data, None if flags is None else flags.ctypes.data,
                         words.size, ctypes.byref(n_out), ctypes.byref(status))
        if rc == RUN_NO_TLAST:
            raise KernelError("the input frame has no TLAST where the kernel needs one: "
                              "it would wait for more words")
        out = np.empty(n_out.value, dtype=np.uint32)
        lib.npq_take(out.ctypes.data, out.size)
    return out


def _sample_ranges(words: np.ndarray, threads: int) -> list[tuple[int, int]] | None:
    """(first, count) of each thread's samples, or None to run the frame whole.

    Only a bn RUN frame of exactly the length its V and TW words give, with samples
    and window that pass the kernel's checks, is split: every other word is the same
    in each part, so each part meets every check the whole frame meets and fails any
    it fails, with the same status. Parts are whole batches (BATCH) but the last."""
    base = HEAD_WORDS + 2
    if threads < 2 or words.size < base or tuple(words[:HEAD_WORDS]) != (MAGIC_BN, SPEC_VERSION, Op.RUN):
        return None
    params = run_params_at(words)
    if params is None or words.size != params + RUN_PARAM_WORDS:
        return None
    samples, window = int(words[params]), int(words[params + 1])
    if window == 0 or samples * window > SPEC_BN_LIMITS.st_max:
        return None
    parts = min(threads, samples // MIN_SAMPLES_PER_THREAD)
    if parts < 2:
        return None
    batches = -(-samples // BATCH)
    bounds = [min(samples, (batches * j // parts) * BATCH) for j in range(parts + 1)]
    return [(a, b - a) for a, b in zip(bounds, bounds[1:])]


def _part_frame(words: np.ndarray, first: int, count: int) -> np.ndarray:
    """The frame running samples first … first + count − 1 of the frame `words`."""
    part = words.copy()
    at = part.size - RUN_PARAM_WORDS
    seed = int(part[at + 2]) | int(part[at + 3]) << 32
    seed = shifted_seed(seed, first)
    part[at], part[at + 2], part[at + 3] = count, seed & MASK32, seed >> 32
    return part


def _pool(workers: int) -> ThreadPoolExecutor:
    """A thread pool of at least `workers` threads, kept for the next runs (starting
    threads for every frame would cost as much as a few thousand samples)."""
    global _POOL, _POOL_SIZE
    with _LOCK:
        if _POOL_SIZE < workers:
            # The smaller pool is dropped, not shut down: a run may still be submitting
            # to it; its threads end when it is collected.
            _POOL, _POOL_SIZE = ThreadPoolExecutor(workers, thread_name_prefix="npq-cpu"), workers
        return _POOL


def _run_split(words: np.ndarray, ranges: list[tuple[int, int]]) -> np.ndarray:
    copies = _copies(len(ranges))
    jobs = [(copy, _part_frame(words, first, count)) for copy, (first, count) in zip(copies, ranges)]
    # The calling thread runs the first part itself while the pool runs the others.
    others = [_pool(len(jobs) - 1).submit(_run, copy, part, None) for copy, part in jobs[1:]]
    outs = [_run(*jobs[0], None)] + [future.result() for future in others]
    if any(int(out[1]) != Status.OK for out in outs):
        return outs[0]   # every part fails the same check, as the whole frame would
    counts = sum(join_u64(out[OUT_HEAD_WORDS:]) for out in outs)
    return output_frame(Status.OK, split_u64(counts))


class CpuBackend(Backend):
    """The HLS kernels as native code; BackendUnavailable if they cannot be built here."""

    name = "cpu"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = default_threads() if threads is None else check_threads(threads)
        _copies(1)

    def with_threads(self, threads: int) -> "CpuBackend":
        return CpuBackend(threads)

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
        ranges = None if flags is not None else _sample_ranges(words, self.threads)
        if ranges is None:
            return _run(_copies(1)[0], words, flags)
        return _run_split(words, ranges)
