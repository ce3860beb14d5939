"""The accelerator against the processor: projected throughput of each kernel at each
board build (host/neuropynq/data/boards.txt) beside the `cpu` backend on one core.

Projected = clock / steady-state cycles per sample (bn) or per sweep (bm), times the
kernels the overlay holds (boards.txt bm_instances: the ZCU104's dense bm overlay has
two, each with its DMA, so two independent chains run side by side —
Sampler.sample_chains; such a row ends with `chains=<k>`, and one chain alone runs at
projected/k). The cycles
are measured in Verilator (cocotb, the project's cached builds) on the workload's own
input frame at the board build's exact twin parameters, from the first input word to
the last output word, the stream at full rate (bench/hw_cycles_tb.py). Steady state:
the same frame is run at two sample (sweep) counts and the difference of the cycles is
divided by the difference of the counts, so loading the frame, seeding, the final
readout and the output frame cancel. Every simulated output frame must equal the cpu
backend's word for word.

The clock: the board's clock where the timing proxy (`make timing-estimate`, its
results in docs/timing_estimate.md) puts the twin at the build's exact sizes at or
above it or at 100 MHz (the proxy models the Z-7020's fabric; a ZU+ board's faster
clock is taken on the proxy's 100 MHz, unverified without Vivado), else the proxy's
fmax; without such a result, or with one measured at
other RTL sources than hw/rtl/'s now (stale), the board clock, printed as
`clock=<MHz>(untimed)`.

cpu_core: `CpuBackend(threads=1)` on the full frame (S samples, every sweep), CPU
time of this process, best of a few repeats.

    python bench/bench_hw.py [--boards B ...] [--workloads W ...] [--quick]

One line per row:
    hw bn <workload> <board> projected=<samples/s> cpu_core=<samples/s> ratio=<x> clock=<MHz> cycles_per_sample=<c>
    hw bm <workload> <board> projected=<updates/ns> cpu_core=<updates/ns> ratio=<x> clock=<MHz> cycles_per_sweep=<c> [chains=<k>]
A row a build cannot run says `projected=n/a` and ends with `reason=<why>`.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for _path in (REPO_ROOT / "host", REPO_ROOT, BENCH_DIR, REPO_ROOT / "tools"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import timing_estimate  # noqa: E402  (its doc's format and the RTL source digest: one source)
from bench_cpu import BN_CASES  # noqa: E402  (the bn workloads: one source)
from neuropynq.backends.cpu import CpuBackend  # noqa: E402
from neuropynq.boards import BM_SPARSE, BoardBuild, BoardTableError, board_build, board_builds  # noqa: E402
from neuropynq.errors import LimitError  # noqa: E402
from neuropynq.kernels.bm_model import BMKernelModel  # noqa: E402
from neuropynq.kernels.bn_model import BNKernelModel, rate_to_rmax  # noqa: E402
from neuropynq.limits import SPEC_BN_LIMITS, BMLimits, BNLimits  # noqa: E402
from neuropynq.models.bayesnet import BayesNet  # noqa: E402
from neuropynq.models.boltzmann import BoltzmannMachine  # noqa: E402

EXAMPLES = REPO_ROOT / "examples"
TB_MODULE = "hw_cycles_tb"
TB_TESTCASE = "frame_cycles"

BN_RATE = 0.5
BN_SEED = 1
# Simulated sample counts (the difference is the measured steady state): >= 4096
# samples beyond the first run; both are whole rounds for any P <= 256 lanes of 16.
BN_SIM_SAMPLES = (4096, 8192)
BN_QUICK_SAMPLES = (256, 512)
BN_CPU_REPEATS = 5

# bm: tau = 1 (Gibbs: every neuron computes its potential), no recording.
BM_TAU, BM_THIN, BM_BURN_IN, BM_SEED = 1, 1, 10, 1
BM_SIM_SWEEPS = (2, 10)
BM_QUICK_SWEEPS = (1, 3)
BM_CPU_REPEATS = 3


# ---------------------------------------------------------------- workloads

@dataclass(frozen=True)
class BNWorkload:
    name: str
    evidence: dict
    samples: int
    window: int

    def model(self, limits: BNLimits = SPEC_BN_LIMITS) -> BNKernelModel:
        """The kernel model within `limits` (LimitError otherwise)."""
        bn = BayesNet.from_bif(EXAMPLES / f"{self.name}.bif")
        return BNKernelModel.build(bn, self.evidence, limits=limits)

    def frame(self, model: BNKernelModel, samples: int) -> np.ndarray:
        return model.run_frame(samples, self.window, BN_SEED, rate_to_rmax(BN_RATE))


@dataclass(frozen=True)
class BMWorkload:
    name: str
    sweeps: int          # of the full frame the cpu backend runs

    def machine(self) -> BoltzmannMachine:
        if self.name == "dense256":      # bench_cpu's dense N = 256 machine
            return BoltzmannMachine.random(256, seed=1, density=1.0, weight_scale=0.1, bias_scale=0.5)
        if self.name == "king1024":      # 32 x 32 king's graph, degree 8 (issue 12)
            return BoltzmannMachine.king_graph(32, seed=1)
        if self.name == "sparse1024":    # random graph of degree <= 8 (issue 12)
            return BoltzmannMachine.bounded_degree(1024, 8, seed=1)
        raise ValueError(f"unknown bm workload {self.name!r}")

    def frame(self, model: BMKernelModel, sweeps: int, limits: BMLimits) -> np.ndarray:
        """The frame a build with `limits` takes: RUN, or RUN_SPARSE for the sparse
        machines (at N = 1024 the dense frame would carry 524,288 words of W)."""
        return model.frame(limits, sweeps, BM_BURN_IN, BM_THIN, BM_TAU, BM_SEED, False)


BN_WORKLOADS = {name: BNWorkload(name, evidence, samples, window)
                for name, evidence, samples, window in BN_CASES}
BM_WORKLOADS = {w.name: w for w in (BMWorkload("dense256", 200), BMWorkload("king1024", 1000),
                                    BMWorkload("sparse1024", 1000))}
WORKLOADS = {**{n: "bn" for n in BN_WORKLOADS}, **{n: "bm" for n in BM_WORKLOADS}}


# ---------------------------------------------------------------- clock

@dataclass(frozen=True)
class ClockChoice:
    mhz: float
    timed: bool          # False: no timing-proxy result, the board clock taken on trust

    def __str__(self) -> str:
        return f"{self.mhz:g}" + ("" if self.timed else "(untimed)")


TIMING_DOC = REPO_ROOT / "docs" / "timing_estimate.md"


def proxy_fmax(kernel: str, build: BoardBuild, doc: Path = TIMING_DOC) -> float | None:
    """The fmax (MHz) the timing proxy's results (docs/timing_estimate.md, written by
    `make timing-estimate`) give `kernel` at `build`'s exact twin parameters; None
    without such a row (a row for other sizes is another build, not this one) and
    for a row measured at other RTL sources than hw/rtl/'s now (stale: said on stderr)."""
    if not doc.is_file():
        return None
    want = build.twin_parameters(kernel)
    for row in timing_estimate.parse_doc(doc.read_text(encoding="utf-8")):
        if (row.kernel, row.board) == (kernel, build.board) and row.params == want:
            now = timing_estimate.source_digest(timing_estimate.build_sources(kernel, want))
            if row.sources != now:
                print(f"bench_hw: {doc.name}: the {kernel} {build.board} row was measured at RTL "
                      f"sources {row.sources or '(not recorded)'}, hw/rtl/ is at {now} now: "
                      "not taken (re-run make timing-estimate)", file=sys.stderr)
                return None
            return row.fmax_mhz
    return None


def clock_for(kernel: str, build: BoardBuild) -> ClockChoice:
    fmax = proxy_fmax(kernel, build)
    if fmax is None:
        return ClockChoice(build.clock_mhz, False)
    met = fmax >= min(build.clock_mhz, timing_estimate.PROXY_BAR_MHZ)
    return ClockChoice(build.clock_mhz if met else fmax, True)


# ---------------------------------------------------------------- simulation

class SimulationError(RuntimeError):
    """The twin's output frame differs from the cpu backend's, or the simulation failed."""


def simulate(kernel: str, board: str, frames: list[np.ndarray], timeouts: list[int]) -> list[int]:
    """Cycles (first input word .. last output word) of each frame on `kernel`'s twin at
    `board`'s build; each output frame is checked against the cpu backend."""
    from tests.rtl.board_builds.test_board_builds import twin_build, twin_build_args

    sources, params, _ = twin_build(kernel, board)
    return simulate_twin(kernel, sources, params, frames, timeouts, f"at {board}", twin_build_args(kernel))


def simulate_twin(kernel: str, sources: list, params: dict, frames: list[np.ndarray],
                  timeouts: list[int], label: str = "", build_args=()) -> list[int]:
    """As `simulate`, at any twin parameters `params` (`label` names them in errors)."""
    from tests.rtl.board_builds.test_board_builds import twin_top
    from tests.rtl.common.build import build_and_run

    where = label or f"at {params}"
    with tempfile.TemporaryDirectory(prefix="bench_hw_") as tmp:
        tmp = Path(tmp)
        frames_file, result_file = tmp / "frames.json", tmp / "result.json"
        frames_file.write_text(json.dumps([{"words": [int(w) for w in f], "timeout_cycles": t}
                                           for f, t in zip(frames, timeouts)]))
        try:
            build_and_run(twin_top(kernel), sources, params, TB_MODULE, testcase=TB_TESTCASE, test_dir=tmp,
                          extra_env={"NPQ_BENCH_FRAMES": str(frames_file),
                                     "NPQ_BENCH_RESULT": str(result_file)}, build_args=build_args)
        except (AssertionError, RuntimeError) as exc:   # a failed run; a failed Verilator build
            raise SimulationError(f"{kernel} {where}: {exc}") from None
        results = json.loads(result_file.read_text())
    cpu = CpuBackend(threads=1)
    for i, (frame, result) in enumerate(zip(frames, results)):
        want = [int(w) for w in cpu.execute(frame)]
        if result["output"] != want:
            raise SimulationError(f"{kernel} {where}: frame {i}: the twin's output frame differs "
                                  f"from the cpu backend's (got {result['output'][:4]}..., "
                                  f"want {want[:4]}...)")
    return [int(r["cycles"]) for r in results]


def steady_state(counts: tuple[int, int], cycles: list[int]) -> float:
    """Cycles per unit (sample, sweep) from runs at two counts."""
    (a, b), (ca, cb) = counts, cycles
    return (cb - ca) / (b - a)


def cpu_seconds(frame: np.ndarray, repeats: int) -> float:
    """Best CPU time of `repeats` runs of `frame` on one thread of the cpu backend."""
    cpu = CpuBackend(threads=1)
    cpu.execute(frame)           # warm-up: the library load and first-touch memory
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        cpu.execute(frame)
        best = min(best, time.process_time() - start)
    return best


# ---------------------------------------------------------------- rows

@dataclass(frozen=True)
class Row:
    kernel: str             # bn | bm
    workload: str
    board: str
    cpu_rate: float         # samples/s (bn), updates/ns (bm)
    clock: ClockChoice
    cycles: float | None    # per sample (bn) or per sweep (bm); None when not measured
    rate_per_cycle: float   # work units per cycle-per-unit: 1 (bn samples) or N (bm updates)
    reason: str = ""
    chains: int = 1         # kernels of the overlay, each running a chain of its own

    @property
    def projected(self) -> float | None:
        """samples/s (bn) or updates/ns (bm) at the clock, over every kernel of the overlay."""
        if self.cycles is None:
            return None
        per_second = self.chains * self.clock.mhz * 1e6 * self.rate_per_cycle / self.cycles
        return per_second if self.kernel == "bn" else per_second / 1e9


def format_row(row: Row) -> str:
    unit = "cycles_per_sample" if row.kernel == "bn" else "cycles_per_sweep"
    projected = row.projected
    line = (f"hw {row.kernel} {row.workload} {row.board} "
            f"projected={'n/a' if projected is None else f'{projected:.4g}'} "
            f"cpu_core={row.cpu_rate:.4g} "
            f"ratio={'n/a' if projected is None else f'{projected / row.cpu_rate:.3g}'} "
            f"clock={row.clock} {unit}={'n/a' if row.cycles is None else f'{row.cycles:.6g}'}")
    line += f" chains={row.chains}" if row.chains > 1 else ""
    return line + (f" reason={row.reason}" if row.reason else "")


LINE_PATTERN = (r"hw (?P<kernel>bn|bm) (?P<workload>\S+) (?P<board>\S+) "
                r"projected=(?P<projected>n/a|[0-9.e+-]+) cpu_core=(?P<cpu>[0-9.e+-]+) "
                r"ratio=(?P<ratio>n/a|[0-9.e+-]+) clock=(?P<clock>[0-9.]+)(?P<untimed>\(untimed\))? "
                r"(?P<unit>cycles_per_sample|cycles_per_sweep)=(?P<cycles>n/a|[0-9.e+-]+)"
                r"(?: chains=(?P<chains>[0-9]+))?"
                r"(?: reason=(?P<reason>.+))?")


def _no_simulator() -> str:
    from tests.rtl.common.build import setup_verilator
    reason = setup_verilator()
    return f"no Verilator: {reason}" if reason else ""


def bn_rows(workload: BNWorkload, boards: list[str], quick: bool) -> list[Row]:
    counts = BN_QUICK_SAMPLES if quick else BN_SIM_SAMPLES
    full = workload.frame(workload.model(), workload.samples)
    cpu_rate = workload.samples / cpu_seconds(full, BN_CPU_REPEATS)
    no_sim = _no_simulator()
    measured: dict[tuple, float] = {}     # builds with equal twin parameters share a run
    rows = []
    for board in boards:
        build = board_build(board)
        clock = clock_for("bn_sampler", build)
        try:
            model = workload.model(build.bn_limits)
        except LimitError as exc:
            rows.append(Row("bn", workload.name, board, cpu_rate, clock, None, 1, _reason(exc)))
            continue
        if no_sim:
            rows.append(Row("bn", workload.name, board, cpu_rate, clock, None, 1, no_sim))
            continue
        key = tuple(sorted(build.twin_parameters("bn_sampler").items()))
        if key not in measured:
            frames = [workload.frame(model, s) for s in counts]
            # Generous: every sample through one lane, each drawing its whole window, twice over.
            timeouts = [4 * f.size + 2 * s * (model.n_vars + workload.window + 8) + 100_000
                        for f, s in zip(frames, counts)]
            measured[key] = steady_state(counts, simulate("bn_sampler", board, frames, timeouts))
        rows.append(Row("bn", workload.name, board, cpu_rate, clock, measured[key], 1))
    return rows


def bm_overlay_for(model: BMKernelModel, build: BoardBuild) -> tuple[str, BMLimits]:
    """The bm overlay of `build` that runs `model`, and its limits: the dense overlay when
    the machine fits its limits, else the sparse one (its own overlay, boards.txt
    bm_units) when the board has it, as the fpga backend chooses; for a machine neither
    takes, the overlay whose limits the n/a row names."""
    sparse = build.bm_sparse_limits if build.bm_units else None
    try:
        return (BM_SPARSE, sparse) if model.choose_build(build.bm_limits, sparse)[0] else ("bm_sampler", build.bm_limits)
    except LimitError:
        return (BM_SPARSE, sparse) if sparse is not None else ("bm_sampler", build.bm_limits)


def bm_rows(workload: BMWorkload, boards: list[str], quick: bool) -> list[Row]:
    counts = BM_QUICK_SWEEPS if quick else BM_SIM_SWEEPS
    model = BMKernelModel.build(workload.machine())
    full = workload.frame(model, workload.sweeps, CpuBackend(threads=1).bm_limits())
    updates = model.n * (workload.sweeps + BM_BURN_IN)
    cpu_rate = updates / cpu_seconds(full, BM_CPU_REPEATS) / 1e9
    no_sim = _no_simulator()
    measured: dict[tuple, float] = {}
    rows = []
    for board in boards:
        build = board_build(board)
        kernel, limits = bm_overlay_for(model, build)
        clock = clock_for(kernel, build)
        try:
            model.frame_kind(limits)
        except LimitError:
            sparse = ("no sparse engine build" if limits.sparse_n_max == 0 else
                      f"SPARSE_N_MAX={limits.sparse_n_max} D_MAX={limits.d_max} degree={model.degree}")
            rows.append(Row("bm", workload.name, board, cpu_rate, clock, None, model.n,
                            f"N_MAX={build.bm_limits.n_max}<{model.n}, {sparse}"))
            continue
        if no_sim:
            rows.append(Row("bm", workload.name, board, cpu_rate, clock, None, model.n, no_sim))
            continue
        key = (kernel, *sorted(build.twin_parameters(kernel).items()))
        if key not in measured:
            frames = [workload.frame(model, s, limits) for s in counts]
            timeouts = [4 * f.size + 2 * (s + BM_BURN_IN) * model.n * model.n + 100_000
                        for f, s in zip(frames, counts)]
            measured[key] = steady_state(counts, simulate(kernel, board, frames, timeouts))
        rows.append(Row("bm", workload.name, board, cpu_rate, clock, measured[key], model.n,
                        chains=build.instances(kernel)))
    return rows


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split())


def rows_for(workload: str, boards: list[str], quick: bool) -> list[Row]:
    if WORKLOADS[workload] == "bn":
        return bn_rows(BN_WORKLOADS[workload], boards, quick)
    return bm_rows(BM_WORKLOADS[workload], boards, quick)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boards", nargs="+", default=list(board_builds()),
                        help="board builds (default: every row of boards.txt)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS),
                        help=f"workloads (default: {' '.join(WORKLOADS)})")
    parser.add_argument("--quick", action="store_true",
                        help=f"fewer simulated samples {BN_QUICK_SAMPLES} / sweeps {BM_QUICK_SWEEPS} "
                             f"(a smoke test; default {BN_SIM_SAMPLES} / {BM_SIM_SWEEPS})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        for board in args.boards:
            board_build(board)
    except BoardTableError as exc:
        print(f"bench_hw: {exc}", file=sys.stderr)
        return 2
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        print(f"bench_hw: unknown workload {unknown[0]!r}; the workloads are {', '.join(WORKLOADS)}",
              file=sys.stderr)
        return 2
    try:
        for workload in args.workloads:
            for row in rows_for(workload, args.boards, args.quick):
                print(format_row(row), flush=True)
    except SimulationError as exc:
        print(f"bench_hw: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
