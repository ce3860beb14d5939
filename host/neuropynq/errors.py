"""Exceptions with messages that name the problem. The CLI turns every
`NeuropynqError` into exit code 2 and one line on stderr."""


class NeuropynqError(Exception):
    """Base class of every error the package raises on bad input or setup."""


class ModelError(NeuropynqError, ValueError):
    """A malformed model: BIF syntax, unknown variable, cycle, CPT rows, weights."""


class EvidenceError(NeuropynqError, ValueError):
    """Evidence or a clamp that names an unknown variable/state, or has probability zero."""


class LimitError(NeuropynqError, ValueError):
    """A model or run that is beyond the limits of the kernel build it would run on."""


class ParameterError(NeuropynqError, ValueError):
    """A run parameter out of its domain: samples, window, rate, seed, sweeps."""


class BackendUnavailable(NeuropynqError, RuntimeError):
    """The requested backend cannot run here (no compiler, no board, no bitstream)."""


class KernelError(NeuropynqError, RuntimeError):
    """A kernel returned a non-zero status, a malformed frame, or timed out."""


QUOTE_MAX = 60   # characters of a user's value an error message repeats


def quote(value, limit: int = QUOTE_MAX) -> str:
    """repr(value), shortened to about `limit` characters: an error names the bad
    value without copying a 10 MiB token into the message."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        return repr(text[:limit]) + f"... ({len(text)} characters)"
    return repr(text) if isinstance(value, str) else text
