"""What this machine can run: `neuropynq info`.

For each backend, whether it runs here and, if not, the first thing it lacks: `ref`
always runs; `cpu` needs a C++ compiler and a successful build of the kernels; `fpga`
needs the `pynq` package, a board ($BOARD on PYNQ images) and every overlay the board
has (one bitstream per kernel build: bn, dense bm and, where boards.txt gives the board
bm_units > 0, sparse bm).
The limits of each kernel build come from the kernels themselves (their INFO frames)
on every backend that runs, and from the board table (neuropynq.boards) for the board
builds this machine does not have.
"""
from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass, field

from . import __version__
from .errors import BackendUnavailable
from .limits import UNBOUNDED, describe
from .progress import timed
from .tables import html_table, text_table

BACKEND_ORDER = ("ref", "cpu", "fpga")


@dataclass
class KernelLimits:
    """One build of the two kernels: lanes and limits, and where they were read (bm's
    SPARSE_N_MAX and D_MAX: the sparse bm overlay's where the board has one)."""
    source: str                  # "INFO frame" or "board table"
    clock_mhz: int | None
    bn_lanes: int
    bn_v_max: int
    bn_card_max: int
    bn_parents_max: int
    bn_table_max: int
    bn_t_max: int
    bm_lanes: int
    bm_n_max: int
    bm_tau_max: int
    bm_sparse_n_max: int         # RUN_SPARSE frames (0: no sparse engine)
    bm_d_max: int
    bm_kernels: int = 1          # dense bm kernels running chains side by side (boards.txt bm_instances)


@dataclass
class BackendStatus:
    name: str
    runs: bool
    detail: str                  # how it runs, or why it cannot
    limits: KernelLimits | None = None


@dataclass
class MachineInfo:
    version: str
    backends: list[BackendStatus]
    board: str | None
    board_detail: str
    bitstreams: dict[str, str | None]      # kernel -> its overlay's .bit (None: not found)
    bitstream_details: dict[str, str]      # kernel -> where it was found, or why not
    builds: dict[str, KernelLimits] = field(default_factory=dict)   # the board table

    @property
    def runnable(self) -> list[str]:
        return [b.name for b in self.backends if b.runs]

    def to_dict(self) -> dict:
        return asdict(self) | {"runnable": self.runnable}

    def _limits_rows(self) -> list[list]:
        rows = [(f"{b.name} backend", b.limits) for b in self.backends if b.limits is not None]
        rows += [(f"{name} build", limits) for name, limits in self.builds.items()]
        # A build without a limit of its own (INFO word 0xFFFFFFFF) reads "unbounded".
        return [[name, *(describe(v) if isinstance(v, int) and v == UNBOUNDED else v
                         for v in (getattr(limits, attr) for _, attr in LIMIT_COLUMNS))]
                for name, limits in rows]

    def _overlay_rows(self) -> list[list]:
        return [[kernel, bit or "none", self.bitstream_details[kernel]] for kernel, bit in self.bitstreams.items()]

    def _backend_rows(self) -> list[list]:
        return [[b.name, "runs" if b.runs else "no", b.detail] for b in self.backends]

    def __str__(self) -> str:
        return "\n".join([
            f"neuropynq {self.version}", "backends:",
            text_table(None, self._backend_rows(), limit=None, indent="  "),
            f"board:     {self.board or 'none'} ({self.board_detail})",
            "overlays (one bitstream per kernel build):",
            text_table(None, self._overlay_rows(), limit=None, indent="  "),
            "kernel builds:",
            text_table(["", *(title for title, _ in LIMIT_COLUMNS)], self._limits_rows(), limit=None, indent="  ")])

    def _repr_html_(self) -> str:
        caption = f"neuropynq {self.version}; board: {self.board or 'none'} ({self.board_detail})"
        return (html_table(["backend", "runs here", "how, or why not"], self._backend_rows(), caption)
                + html_table(["kernel", "overlay", "where, or why not"], self._overlay_rows(), "overlays")
                + html_table(["", *(title for title, _ in LIMIT_COLUMNS)], self._limits_rows(), "kernel builds"))


LIMIT_COLUMNS = (("source", "source"), ("MHz", "clock_mhz"), ("bn P", "bn_lanes"), ("V_MAX", "bn_v_max"),
                 ("CARD", "bn_card_max"), ("PARENTS", "bn_parents_max"), ("TABLE_MAX", "bn_table_max"),
                 ("T_MAX", "bn_t_max"), ("bm P", "bm_lanes"), ("N_MAX", "bm_n_max"), ("TAU_MAX", "bm_tau_max"),
                 ("SPARSE_N", "bm_sparse_n_max"), ("D_MAX", "bm_d_max"), ("bm kernels", "bm_kernels"))


def backend_limits(backend, clock_mhz: int | None = None, bm_kernels: int = 1) -> KernelLimits:
    """The limits a running backend's kernels report in their INFO frames; `bm_kernels`
    dense bm kernels side by side (Sampler.sample_chains)."""
    bn, bm = backend.bn_limits(), backend.bm_limits()
    return KernelLimits(source="INFO frame", clock_mhz=clock_mhz,
                        bn_lanes=backend.bn_lanes(), bn_v_max=bn.v_max, bn_card_max=bn.card_max,
                        bn_parents_max=bn.parents_max, bn_table_max=bn.table_max, bn_t_max=bn.t_max,
                        bm_lanes=backend.bm_lanes(), bm_n_max=bm.n_max, bm_tau_max=bm.tau_max,
                        bm_sparse_n_max=bm.sparse_n_max, bm_d_max=bm.d_max, bm_kernels=bm_kernels)


def table_limits(build) -> KernelLimits:
    """A board build's limits as the board table states them (T_MAX and TAU_MAX are the spec's)."""
    bn, bm, sparse = build.bn_limits, build.bm_limits, build.bm_sparse_limits
    return KernelLimits(source="board table", clock_mhz=build.clock_mhz,
                        bn_lanes=build.bn_lanes, bn_v_max=bn.v_max, bn_card_max=bn.card_max,
                        bn_parents_max=bn.parents_max, bn_table_max=bn.table_max, bn_t_max=bn.t_max,
                        bm_lanes=build.bm_lanes, bm_n_max=bm.n_max, bm_tau_max=bm.tau_max,
                        bm_sparse_n_max=sparse.sparse_n_max, bm_d_max=sparse.d_max,
                        bm_kernels=build.bm_instances)


def _ref() -> BackendStatus:
    from .backends.registry import get_backend
    backend = get_backend("ref")
    return BackendStatus("ref", True, "numpy reference (always available)", backend_limits(backend))


def _cpu() -> BackendStatus:
    from .backends import cpu
    try:
        compiler = cpu._compiler()
        with timed("building the cpu backend"):
            library = cpu.build_library()      # cached after the first build
        backend = cpu.CpuBackend()
    except BackendUnavailable as exc:
        return BackendStatus("cpu", False, str(exc))
    return BackendStatus("cpu", True, f"HLS kernels built by {compiler} ({library.name}), "
                                      f"{cpu.default_threads()} threads", backend_limits(backend))


def _board() -> tuple[str | None, str]:
    from .board.bitstreams import board_name
    try:
        return board_name(), "from $BOARD"
    except BackendUnavailable as exc:
        return None, str(exc)


def _bitstream(kernel: str, board: str | None) -> tuple[str | None, str]:
    from .board import bitstreams
    if board is None:
        return None, "no board to look for"
    try:
        bit = bitstreams.find_bitstream(kernel, board)
    except BackendUnavailable as exc:
        return None, str(exc)
    return str(bit), f"with {bit.with_suffix('.hwh').name} beside it"


def _fpga(board: str | None, bitstreams: dict[str, str | None], board_detail: str,
          bitstream_details: dict[str, str]) -> BackendStatus:
    if importlib.util.find_spec("pynq") is None:
        return BackendStatus("fpga", False, "the 'pynq' package is not installed "
                                            "(on a PYNQ board: pip install 'neuropynq[pynq]')")
    if board is None:
        return BackendStatus("fpga", False, f"no board detected: {board_detail}")
    missing = [kernel for kernel, bit in bitstreams.items() if bit is None]
    if missing:
        return BackendStatus("fpga", False, bitstream_details[missing[0]])
    from .backends.fpga import FpgaBackend
    from .boards import board_build
    try:
        backend = FpgaBackend(board=board)     # loads each overlay, asks its kernel for INFO
        # the dense bm kernels from the table: counting the .hwh's would load that overlay again
        limits = backend_limits(backend, backend.clock_mhz, board_build(board).bm_instances)
    except Exception as exc:    # noqa: BLE001 - any failure of the board path means "cannot run"
        return BackendStatus("fpga", False, f"the overlay did not start: {type(exc).__name__}: {exc}")
    return BackendStatus("fpga", True, f"{board} overlays loaded and checked", limits)


def gather() -> MachineInfo:
    """Probe this machine (builds the cpu backend if it is not cached yet; loads the
    overlays on a board)."""
    from .board.bitstreams import board_overlays, overlay_names
    from .boards import board_builds
    board, board_detail = _board()
    found = {kernel: _bitstream(kernel, board) for kernel in (board_overlays(board) if board else overlay_names())}
    bitstreams = {kernel: bit for kernel, (bit, _) in found.items()}
    details = {kernel: detail for kernel, (_, detail) in found.items()}
    backends = [_ref(), _cpu(), _fpga(board, bitstreams, board_detail, details)]
    return MachineInfo(version=__version__, backends=backends, board=board, board_detail=board_detail,
                       bitstreams=bitstreams, bitstream_details=details,
                       builds={name: table_limits(build) for name, build in board_builds().items()})
