"""The board builds: part, clock, lanes, limits and memory binding of each board.

One table (`data/boards.txt`, package data) is the single source of these facts;
the Vitis/Vivado Tcl reads the same file (hw/board_table.tcl), make reads it
through `python -m neuropynq.boards`, and the host's limit checks, the RTL
regression and the synthesis/timing estimates read it through this module.

    python -m neuropynq.boards                 # the table, aligned
    python -m neuropynq.boards pynq-z2 part    # one field (for make and scripts)
    python -m neuropynq.boards pynq-z2 lanes bm_sampler_sparse   # P of a kernel's build
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .errors import NeuropynqError
from .limits import HW_BN_LIMITS, SPEC_BM_LIMITS, BMLimits, BNLimits

TABLE_RESOURCE = "boards.txt"

# Column -> type. The file's header must name exactly these columns.
_COLUMNS = {
    "board": str, "part": str, "family": str, "ps": str, "clock_mhz": int, "dma_bits": int,
    "bn_lanes": int, "bn_v_max": int, "bn_card_max": int, "bn_parents_max": int,
    "bn_table_max": int, "bn_memory": str, "bm_lanes": int, "bm_engine": str, "bm_n_max": int,
    "bm_memory": str, "bm_instances": int, "bm_units": int, "bm_sparse_n_max": int, "bm_d_max": int,
    "lut": int, "ff": int, "dsp": int, "bram36": int, "uram": int,
}
# Columns that may be 0: a device without URAM, a board without a sparse bm overlay.
_MAY_BE_ZERO = ("uram", "bm_units", "bm_sparse_n_max", "bm_d_max")
_CHOICES = {"family": ("xc7", "xcup"), "ps": ("ps7", "zynqmp"),
            "bn_memory": ("bram", "uram"), "bm_memory": ("bram", "uram"),
            "bm_engine": ("lanes", "fields")}
# bm_sampler's top parameter ENGINE for each engine (hw/rtl/bm_sampler.sv); the sparse
# engine is an overlay of its own (BM_SPARSE: bm_sampler with ENGINE = 2, RUN_SPARSE
# frames only), sized by the bm_units, bm_sparse_n_max and bm_d_max columns.
BM_ENGINES = {"lanes": 0, "fields": 1, "sparse": 2}
BM_SPARSE = "bm_sampler_sparse"


class BoardTableError(NeuropynqError, ValueError):
    """The board table is malformed, or names a build beyond the spec's limits."""


@dataclass(frozen=True)
class Device:
    """Resources of a board's device; fit checks allow HEADROOM of each."""
    lut: int
    ff: int
    dsp: int
    bram36: int
    uram: int


HEADROOM = 0.8


@dataclass(frozen=True)
class BoardBuild:
    board: str
    part: str
    family: str
    ps: str
    clock_mhz: int
    dma_bits: int
    bn_lanes: int
    bn_limits: BNLimits
    bn_memory: str
    bm_lanes: int
    bm_engine: str
    bm_limits: BMLimits
    bm_memory: str
    bm_instances: int             # dense bm_sampler kernels in the dense bm overlay
    bm_units: int                 # U of the sparse overlay (0: none)
    bm_sparse_limits: BMLimits    # the sparse overlay's: N_MAX = 0, SPARSE_N_MAX, D_MAX
    device: Device

    @property
    def clock_ns(self) -> float:
        return 1000.0 / self.clock_mhz

    def lanes(self, kernel: str) -> int:
        """P of `kernel`'s build as its INFO reports it (the sparse overlay: its units U)."""
        return {"bn_sampler": self.bn_lanes, "bm_sampler": self.bm_lanes, BM_SPARSE: self.bm_units}[kernel]

    def instances(self, kernel: str) -> int:
        """How many copies of `kernel` its overlay holds, each with a DMA of its own
        (data/overlays.txt names the column that says; one otherwise)."""
        from .board.bitstreams import overlays
        column = overlays()[kernel].instances
        return 1 if column is None else int(_field(self, column))

    def column(self, name: str) -> str:
        """The table's column `name` of this board, as written there."""
        return _field(self, name)

    def twin_parameters(self, kernel: str) -> dict[str, int]:
        """SystemVerilog top-level parameters of `kernel` at this build's sizes."""
        if kernel == "bn_sampler":
            lim = self.bn_limits
            return {"P": self.bn_lanes, "V_MAX": lim.v_max, "CARD_MAX": lim.card_max,
                    "PARENTS_MAX": lim.parents_max, "TABLE_MAX": lim.table_max}
        if kernel == "bm_sampler":
            return {"P": self.bm_lanes, "N_MAX": self.bm_limits.n_max,
                    "ENGINE": BM_ENGINES[self.bm_engine]}
        if kernel == BM_SPARSE:
            if not self.bm_units:
                raise ValueError(f"board {self.board} has no sparse bm overlay (bm_units = 0)")
            lim = self.bm_sparse_limits
            return {"ENGINE": BM_ENGINES["sparse"], "U": self.bm_units,
                    "SPARSE_N_MAX": lim.sparse_n_max, "D_MAX": lim.d_max}
        raise ValueError(f"unknown kernel {kernel!r} (bn_sampler, bm_sampler, {BM_SPARSE})")


def _parse(text: str, origin: str) -> dict[str, BoardBuild]:
    header: list[str] | None = None
    builds: dict[str, BoardBuild] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if header is None:
            header = line
            if sorted(header) != sorted(_COLUMNS):
                missing = sorted(set(_COLUMNS) - set(header))
                extra = sorted(set(header) - set(_COLUMNS))
                raise BoardTableError(f"{origin}:{lineno}: header columns differ from the "
                                      f"expected ones (missing {missing}, unknown {extra})")
            continue
        if len(line) != len(header):
            raise BoardTableError(f"{origin}:{lineno}: {len(line)} fields, the header has {len(header)}")
        row = {}
        for name, text_value in zip(header, line):
            kind = _COLUMNS[name]
            try:
                value = kind(text_value)
            except ValueError:
                raise BoardTableError(f"{origin}:{lineno}: column {name} must be an integer, "
                                      f"got {text_value!r}") from None
            if kind is int and (value < 0 or (value == 0 and name not in _MAY_BE_ZERO)):
                raise BoardTableError(f"{origin}:{lineno}: column {name} must be positive, got {value}")
            if name in _CHOICES and value not in _CHOICES[name]:
                raise BoardTableError(f"{origin}:{lineno}: column {name} must be one of "
                                      f"{', '.join(_CHOICES[name])}, got {value!r}")
            row[name] = value
        build = _build(row, f"{origin}:{lineno}")
        if build.board in builds:
            raise BoardTableError(f"{origin}:{lineno}: board {build.board!r} appears twice")
        builds[build.board] = build
    if not builds:
        raise BoardTableError(f"{origin}: no board rows")
    return builds


def _build(row: dict, where: str) -> BoardBuild:
    spec_bn, spec_bm = HW_BN_LIMITS, SPEC_BM_LIMITS   # the ceilings of the hardware kernels
    bn = BNLimits(v_max=row["bn_v_max"], card_max=row["bn_card_max"],
                  parents_max=row["bn_parents_max"], table_max=row["bn_table_max"])
    # The board builds' bm engines are dense (lanes, fields): no RUN_SPARSE frames.
    bm = BMLimits(n_max=row["bm_n_max"], sparse_n_max=0, d_max=0)
    sparse = BMLimits(n_max=0, sparse_n_max=row["bm_sparse_n_max"], d_max=row["bm_d_max"])
    if (row["bm_units"] == 0) != (sparse.sparse_n_max == 0) or (sparse.sparse_n_max == 0) != (sparse.d_max == 0):
        raise BoardTableError(f"{where}: bm_units, bm_sparse_n_max and bm_d_max are all 0 (no sparse "
                              f"overlay) or all positive")
    for name, value, spec in (("bn_v_max", bn.v_max, spec_bn.v_max),
                              ("bn_card_max", bn.card_max, spec_bn.card_max),
                              ("bn_parents_max", bn.parents_max, spec_bn.parents_max),
                              ("bn_table_max", bn.table_max, spec_bn.table_max),
                              ("bm_n_max", bm.n_max, spec_bm.n_max),
                              ("bm_sparse_n_max", sparse.sparse_n_max, spec_bm.sparse_n_max),
                              ("bm_d_max", sparse.d_max, spec_bm.d_max)):
        if value > spec:
            raise BoardTableError(f"{where}: {name} = {value} is above the hardware kernel's limit {spec} "
                                  f"(a build may lower a limit, never raise it)")
    if row["uram"] == 0 and "uram" in (row["bn_memory"], row["bm_memory"]):
        raise BoardTableError(f"{where}: board {row['board']} binds memory to URAM but its device has none")
    return BoardBuild(board=row["board"], part=row["part"], family=row["family"], ps=row["ps"],
                      clock_mhz=row["clock_mhz"], dma_bits=row["dma_bits"],
                      bn_lanes=row["bn_lanes"], bn_limits=bn, bn_memory=row["bn_memory"],
                      bm_lanes=row["bm_lanes"], bm_engine=row["bm_engine"], bm_limits=bm,
                      bm_memory=row["bm_memory"], bm_instances=row["bm_instances"],
                      bm_units=row["bm_units"], bm_sparse_limits=sparse,
                      device=Device(lut=row["lut"], ff=row["ff"], dsp=row["dsp"],
                                    bram36=row["bram36"], uram=row["uram"]))


@lru_cache(maxsize=None)
def board_builds() -> dict[str, BoardBuild]:
    """Every board build of the table, by board name, in table order."""
    text = resources.files(__package__).joinpath("data", TABLE_RESOURCE).read_text(encoding="utf-8")
    return _parse(text, f"neuropynq/data/{TABLE_RESOURCE}")


def board_build(board: str) -> BoardBuild:
    """The build of `board`; BoardTableError naming the known boards otherwise."""
    builds = board_builds()
    try:
        return builds[board]
    except KeyError:
        raise BoardTableError(f"unknown board {board!r}; the board builds are "
                              f"{', '.join(builds)}") from None


def _field(build: BoardBuild, name: str) -> str:
    if name not in _COLUMNS:
        raise BoardTableError(f"unknown column {name!r}; columns: {' '.join(_COLUMNS)}")
    flat = {"bn_v_max": build.bn_limits.v_max, "bn_card_max": build.bn_limits.card_max,
            "bn_parents_max": build.bn_limits.parents_max, "bn_table_max": build.bn_limits.table_max,
            "bm_n_max": build.bm_limits.n_max, "bm_sparse_n_max": build.bm_sparse_limits.sparse_n_max,
            "bm_d_max": build.bm_sparse_limits.d_max, **vars(build.device)}
    return str(flat[name] if name in flat else getattr(build, name))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if not args:
            rows = [list(_COLUMNS)] + [[_field(b, c) for c in _COLUMNS] for b in board_builds().values()]
            widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
            for r in rows:
                print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        elif len(args) == 2:
            print(_field(board_build(args[0]), args[1]))
        elif len(args) == 3 and args[1] == "lanes":
            build = board_build(args[0])
            try:
                print(build.lanes(args[2]))
            except KeyError:
                raise BoardTableError(f"unknown kernel {args[2]!r} (bn_sampler, bm_sampler, {BM_SPARSE})") from None
        else:
            print("usage: python -m neuropynq.boards [BOARD COLUMN | BOARD lanes KERNEL]", file=sys.stderr)
            return 2
    except BoardTableError as exc:
        print(f"neuropynq.boards: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
