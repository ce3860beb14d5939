"""Backends by name. Each entry is "module:Class", imported on first use, so a
backend whose module is missing or cannot run here does not break the others.
Adding a backend is one line in BACKENDS; its class may raise BackendUnavailable
from its constructor (no compiler, no board) with the reason."""
from __future__ import annotations

import importlib

from ..errors import BackendUnavailable
from .base import Backend

BACKENDS = {
    "fpga": "neuropynq.backends.fpga:FpgaBackend",
    "cpu": "neuropynq.backends.cpu:CpuBackend",
    "ref": "neuropynq.backends.ref:RefBackend",
}

# `auto` takes the first of these that can run here.
AUTO_ORDER = ("fpga", "cpu", "ref")

# Backends whose construction goes through hardware and its vendor stack (pynq, the
# device tree, a bitstream download, the kernels' first frames): any error there
# means "cannot run here", so `auto` falls back instead of failing.
FALLIBLE = ("fpga",)


def get_backend(name: str) -> Backend:
    """The backend called `name`; BackendUnavailable saying why if it cannot run here."""
    if name not in BACKENDS:
        raise BackendUnavailable(
            f"unknown backend {name!r}; choose one of {', '.join(['auto', *BACKENDS])}")
    module_name, class_name = BACKENDS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise BackendUnavailable(
            f"backend {name!r} is not installed (no module {module_name})") from None
    return getattr(module, class_name)()


def auto_backend() -> tuple[Backend, dict[str, str]]:
    """The first backend of AUTO_ORDER that runs here, and why each one before it did not."""
    reasons: dict[str, str] = {}
    for name in AUTO_ORDER:
        try:
            return get_backend(name), reasons
        except BackendUnavailable as exc:
            reasons[name] = str(exc)
        except Exception as exc:        # noqa: BLE001 - see FALLIBLE
            if name not in FALLIBLE:
                raise
            reasons[name] = f"{type(exc).__name__}: {exc}"
    raise BackendUnavailable("no backend can run here: " + "; ".join(reasons.values()))
