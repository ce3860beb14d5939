"""Stream framing shared by both kernels (docs/spec.md §4): magics, opcodes,
status codes and the output-frame head. The per-kernel payloads live with the
kernel models (`neuropynq.kernels`)."""
from __future__ import annotations

from enum import IntEnum

import numpy as np

from .errors import KernelError

SPEC_VERSION = 2
MAGIC_BN = 0x4E50424E   # "NPBN"
MAGIC_BM = 0x4E50424D   # "NPBM"
MAGIC_OUT = 0x4E505253  # "NPRS"
HEAD_WORDS = 3          # magic, version, opcode
OUT_HEAD_WORDS = 3      # magic, status, payload length


class Op(IntEnum):
    RUN = 1
    INFO = 2
    RUN_SPARSE = 3      # bm only (§4.3.1): W as neighbour lists; bn answers BAD_OPCODE


class Status(IntEnum):
    OK = 0
    BAD_MAGIC = 1
    BAD_VERSION = 2
    BAD_OPCODE = 3
    LIMIT = 4
    BAD_MODEL = 5
    BAD_PARAMS = 6
    SHORT_FRAME = 7
    LONG_FRAME = 8


STATUS_TEXT = {
    Status.OK: "ok",
    Status.BAD_MAGIC: "the frame is not for this kernel (bad magic word)",
    Status.BAD_VERSION: "the kernel implements another spec version",
    Status.BAD_OPCODE: "unknown opcode",
    Status.LIMIT: "a size is zero or beyond the build's limits",
    Status.BAD_MODEL: "a model descriptor is out of range",
    Status.BAD_PARAMS: "a run parameter is out of range",
    Status.SHORT_FRAME: "the input frame ended early (TLAST too soon)",
    Status.LONG_FRAME: "the input frame is longer than its header says",
}


def head(magic: int, op: Op) -> list[int]:
    return [magic, SPEC_VERSION, int(op)]


def output_frame(status: Status, payload=()) -> np.ndarray:
    """An output frame: magic, status, length, payload (uint32)."""
    payload = np.asarray(payload, dtype=np.uint64).astype(np.uint32)
    headw = np.array([MAGIC_OUT, int(status), payload.size], dtype=np.uint32)
    return np.concatenate([headw, payload])


def parse_output(words) -> np.ndarray:
    """Check an output frame and return its payload; raise KernelError naming a bad status."""
    words = np.asarray(words, dtype=np.uint32)
    if words.size < OUT_HEAD_WORDS or int(words[0]) != MAGIC_OUT:
        raise KernelError(f"malformed output frame ({words.size} words, first {words[:1]})")
    status, length = int(words[1]), int(words[2])
    if status != Status.OK:
        try:
            name = Status(status)
            text = f"{name.name}: {STATUS_TEXT[name]}"
        except ValueError:
            text = f"unknown status {status}"
        raise KernelError(f"kernel reported {text}")
    if words.size != OUT_HEAD_WORDS + length:
        raise KernelError(f"output frame says {length} payload words but has {words.size - OUT_HEAD_WORDS}")
    return words[OUT_HEAD_WORDS:]


def split_u64(values) -> np.ndarray:
    """64-bit values as (low, high) word pairs, interleaved."""
    v = np.asarray(values, dtype=np.uint64)
    out = np.empty(2 * v.size, dtype=np.uint32)
    out[0::2] = (v & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    out[1::2] = (v >> np.uint64(32)).astype(np.uint32)
    return out


def join_u64(words) -> np.ndarray:
    w = np.asarray(words, dtype=np.uint64)
    return w[0::2] | (w[1::2] << np.uint64(32))
