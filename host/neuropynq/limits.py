"""Kernel limits (docs/spec.md §2.4, §3.4). A build may lower them; the host
checks a model against the limits of the build it will run on and names the
limit that the model breaks."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import LimitError
from .luts import TAU_MAX


@dataclass(frozen=True)
class BNLimits:
    v_max: int = 128
    card_max: int = 16
    parents_max: int = 8
    table_max: int = 32768
    t_max: int = 1 << 20
    s_max: int = (1 << 32) - 1
    st_max: int = (1 << 48) - 1   # samples * window must stay below 2^48


@dataclass(frozen=True)
class BMLimits:
    n_max: int = 1024
    tau_max: int = TAU_MAX


SPEC_BN_LIMITS = BNLimits()
SPEC_BM_LIMITS = BMLimits()


def require(ok: bool, message: str) -> None:
    """Raise LimitError(message) unless `ok`."""
    if not ok:
        raise LimitError(message)
