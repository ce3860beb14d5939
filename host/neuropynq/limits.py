"""Kernel limits (docs/spec.md §2.4, §3.4). Limits belong to a build: the spec's
bn frame fields are 32 bits wide (16 for a cardinality), the ref and cpu builds take
any network those fields can describe, and a hardware build reports its own, lower
limits. The host checks a model against the limits of the build it will run on and
names the limit that the model breaks."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import LimitError
from .luts import TAU_MAX

# An INFO limit word meaning "no limit of the build's own": the frame field's range is
# the only bound (a 32-bit field, or the 16-bit cardinality field for CARD_MAX).
UNBOUNDED = 0xFFFFFFFF


@dataclass(frozen=True)
class BNLimits:
    v_max: int = UNBOUNDED
    card_max: int = UNBOUNDED
    parents_max: int = UNBOUNDED
    table_max: int = UNBOUNDED
    t_max: int = 1 << 20
    s_max: int = (1 << 32) - 1
    st_max: int = (1 << 48) - 1   # samples * window must stay below 2^48


@dataclass(frozen=True)
class BMLimits:
    n_max: int = 1024           # RUN frames (0: the build has no dense engine)
    tau_max: int = TAU_MAX
    sparse_n_max: int = 1024    # RUN_SPARSE frames (0: the build has no sparse engine)
    d_max: int = 16             # list slots per neuron of a RUN_SPARSE frame


# What the spec's frames allow: the limits of the ref and cpu builds.
SPEC_BN_LIMITS = BNLimits()
# The ceiling of the hardware micro-architecture (HLS static arrays, the SystemVerilog
# twin): 4-bit state fields and 16 table banks per row (CARD_MAX 16), 8 parent slots,
# 7-bit variable and 16-bit table addresses. Board builds (data/boards.txt) take these
# or less.
HW_BN_LIMITS = BNLimits(v_max=128, card_max=16, parents_max=8, table_max=32768)
SPEC_BM_LIMITS = BMLimits()


def describe(value: int) -> str:
    """A limit as a person reads it."""
    return "unbounded" if value == UNBOUNDED else str(value)


def require(ok: bool, message: str) -> None:
    """Raise LimitError(message) unless `ok`."""
    if not ok:
        raise LimitError(message)
