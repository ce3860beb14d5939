"""Throughput of the `cpu` backend (the HLS kernels compiled natively) against the
numpy reference (`ref`) and against a plain hand-written C++ loop doing the same
arithmetic (compiled here with the same -O3; its counts are checked equal to the
kernel's, so the comparison is like for like). One core (threads=1); only the kernel
run is timed, best of a few repeats (CPU time of this process).

Then the hardware view: cycles per sample (bn) and per sweep (bm) estimated from
the kernels' loop structure (trip counts x II, see `bn_cycles_per_sample` and
`bm_cycles_per_sweep`) for P = 1, 4, 16.

Then thread scaling of bn runs (`CpuBackend(threads=N)` splits the samples): wall
time with N threads against one, in alternating rounds so a busy machine slows both
alike; the range over rounds is printed, with the load average, the CPU time N
threads spend against one (the cost of splitting: on idle cores the speed-up is at
most N / that ratio) and the cores the run got (CPU seconds / wall seconds). On a
shared machine the wall speed-up shows only when cores are free: Linux's autogroup
scheduling gives a session the same CPU share however many threads it runs.

Then the bnlearn networks beside the repository (../shared/bn), the large ones included:
per network its size, the cpu backend's seconds on one thread at S = 65536, T = 256
with three variables observed at a forward sample's states, which of the kernel's
paths ran (the micro-architecture's arrays, or the general path for models beyond
them), and the mean absolute error against exact inference (with its time).

    python bench/bench_cpu.py [throughput] [cycles] [threads] [networks]    (default: all four)
"""
from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from neuropynq import BayesNet, BoltzmannMachine
from neuropynq.backends.cpu import CpuBackend, FLAGS, cache_dir, default_threads
from neuropynq.backends.ref import RefBackend
from neuropynq.framing import join_u64, parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.errors import LimitError
from neuropynq.exact.variable_elimination import posterior_marginals
from neuropynq.kernels.bn_model import BNKernelModel, rate_to_rmax
from neuropynq.limits import HW_BN_LIMITS
from neuropynq.reference import bn_sampler as bn_ref
from neuropynq.luts import EXP2_LUT, LNTAU_LUT, LOG2M_LUT, SIGMOID_LUT
from neuropynq.reference.bn_sampler import _model_tables, _offset

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHARED_BN = Path(__file__).resolve().parents[2] / "shared" / "bn"
NETWORK_SAMPLES, NETWORK_WINDOW = 65536, 1024   # the window of tests/test_bn_statistics.py
BN_CASES = [("alarm", {"BP": "LOW", "CVP": "LOW", "HRBP": "HIGH"}, 65536, 256),
            ("hailfinder", {"R5Fcst": "XNIL", "CldShadeOth": "Cloudy"}, 65536, 256)]
# Boltzmann machines: N, density, sweeps (burn-in 10). Dense rows use the full dot
# product; the 5% machine (degree <= 32) the kernel's neighbour lists, while the
# plain loop still sums whole rows.
BM_CASES = [(64, 1.0, 2000), (256, 1.0, 200), (1024, 1.0, 12), (256, 0.05, 1000)]
BM_BURN_IN = 10
BN_BATCH_HW = 32        # NPQ_BN_BATCH of the hardware build (hls/include/npq_config.h)
PIPELINE_DEPTH = 12     # cycles to fill a pipelined loop (a typical Vitis depth at 250 MHz)
LANES = (1, 4, 16)
# Thread scaling: network, evidence, samples (window 256).
THREAD_CASES = [("alarm", {}, 65536), ("alarm", {"BP": "LOW", "CVP": "LOW", "HRBP": "HIGH"}, 1 << 20),
                ("hailfinder", {}, 262144)]
THREAD_ROUNDS = 7

# The straightforward C++ a programmer would write for the same arithmetic: one
# sample (one neuron update) at a time, no batching, no lanes.
PLAIN_CPP = r"""
#include <stdint.h>
static inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
struct Rng { uint32_t s0, s1, s2, s3; };
static inline Rng seed_stream(uint64_t seed, uint64_t id) {
    uint64_t a = mix(seed + (2 * id + 1) * 0x9E3779B97F4A7C15ull), b = mix(seed + (2 * id + 2) * 0x9E3779B97F4A7C15ull);
    Rng s = {(uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b, (uint32_t)(b >> 32)};
    if (!(s.s0 | s.s1 | s.s2 | s.s3)) s.s0 = 1;
    return s;
}
static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
static inline uint32_t next(Rng& s) {
    uint32_t r = rotl(s.s1 * 5, 7) * 9, t = s.s1 << 9;
    s.s2 ^= s.s0; s.s3 ^= s.s1; s.s1 ^= s.s2; s.s0 ^= s.s3; s.s2 ^= t; s.s3 = rotl(s.s3, 11);
    return r;
}
extern "C" void plain_bn(int V, const int* card, const int* npar, const int* parents, const int* evidence,
                         const int* base, const uint32_t* table, uint32_t S, uint32_t T, uint64_t seed,
                         uint32_t rmax, uint32_t offset, const uint32_t* exp2, const uint32_t* log2m,
                         uint64_t* counts) {
    int x[128], first[128], n = 0;
    for (int i = 0; i < V; ++i) { first[i] = n; n += card[i]; }
    for (uint32_t s = 0; s < S; ++s) {
        Rng g = seed_stream(seed, s);
        uint32_t nlw = 0; bool dead = false;
        for (int i = 0; i < V; ++i) {
            uint32_t row = 0;
            for (int j = 0; j < npar[i]; ++j) row = row * card[parents[8 * i + j]] + x[parents[8 * i + j]];
            if (evidence[i] >= 0) {
                uint32_t nl = table[base[i] + row];
                dead |= nl == 0xFFFF; nlw += nl; x[i] = evidence[i];
            } else {
                uint32_t u = next(g) >> 16, c = card[i] - 1, k = 0;
                for (uint32_t j = 0; j < c; ++j) k += u >= table[base[i] + row * c + j];
                x[i] = k;
            }
        }
        uint32_t d = nlw - offset, f = 0;
        if (!dead && (d >> 10) < 24) f = (uint32_t)(((uint64_t)rmax * exp2[d & 1023]) >> (15 + (d >> 10)));
        // Poisson window: Σ -log2(r / 2^32) (Q16) against T·f·log2(e).
        uint64_t spikes = 0, acc = 0, lambda = ((uint64_t)f * T * 94548u) >> 24;
        if (f) while (spikes < T) {
            uint32_t r = next(g), lz = r ? __builtin_clz(r) : 32, m = lz >= 31 ? 0 : (r << (lz + 1)) >> 24;
            acc += ((lz + 1) << 16) - log2m[m];
            if (acc >= lambda) break;
            ++spikes;
        }
        for (int i = 0; i < V; ++i) counts[first[i] + x[i]] += spikes;
        counts[n] += spikes;
    }
}
extern "C" void plain_bm(int N, const int16_t* W, const int16_t* b, const int* order, int C, const int* colour_end,
                         uint32_t sweeps, uint32_t burn_in, uint32_t tau, uint64_t seed, const uint32_t* sigmoid,
                         int32_t lntau, uint32_t* on, uint32_t* spikes) {
    static Rng g[1024]; static int z[1024], zeta[1024], next_z[1024];
    for (int k = 0; k < N; ++k) { g[k] = seed_stream(seed, k); z[k] = zeta[k] = 0; on[k] = spikes[k] = 0; }
    for (uint32_t sweep = 0; sweep < burn_in + sweeps; ++sweep) {
        for (int c = 0, start = 0; c < C; start = colour_end[c++]) {
            for (int m = start; m < colour_end[c]; ++m) {
                int k = order[m];
                uint32_t r = next(g[k]);
                if (zeta[k] > 1) { --zeta[k]; next_z[k] = 1; continue; }
                int32_t u = b[k];
                for (int j = 0; j < N; ++j) u += W[k * N + j] * z[j];
                int32_t idx = ((u - lntau) >> 4) + 512;
                idx = idx < 0 ? 0 : idx > 1023 ? 1023 : idx;
                bool fire = (r >> 8) < sigmoid[idx];
                zeta[k] = fire ? tau : 0;
                spikes[k] += fire && sweep >= burn_in;
                next_z[k] = fire;
            }
            for (int m = start; m < colour_end[c]; ++m) z[order[m]] = next_z[order[m]];
        }
        if (sweep >= burn_in) for (int k = 0; k < N; ++k) on[k] += z[k];
    }
}
"""


def plain_library() -> ctypes.CDLL:
    """The plain loops, compiled with the cpu backend's optimisation flags."""
    out = cache_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    source, lib = out / "plain.cpp", out / "libplain.so"
    if not lib.exists() or source.read_text() != PLAIN_CPP:
        source.write_text(PLAIN_CPP)
        flags = [f for f in FLAGS if not f.startswith("-D")]
        subprocess.run(["g++", *flags, str(source), "-o", str(lib)], check=True)
    return ctypes.CDLL(str(lib))


def best_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


def plain_bn_counts(lib, model: BNKernelModel, samples: int, window: int, seed: int, rmax: int):
    parents = np.zeros((model.n_vars, 8), dtype=np.int32)
    for i, p in enumerate(model.parents):
        parents[i, :len(p)] = p
    arrays = dict(card=model.cards.astype(np.int32),
                  npar=np.array([len(p) for p in model.parents], dtype=np.int32),
                  parents=parents.ravel(), evidence=model.evidence_state.astype(np.int32),
                  base=model.base.astype(np.int32), table=model.table.astype(np.uint32),
                  exp2=EXP2_LUT.astype(np.uint32), log2m=LOG2M_LUT.astype(np.uint32),
                  counts=np.zeros(int(model.cards.sum()) + 1, dtype=np.uint64))
    offset = _offset(_model_tables(model))

    def run():
        arrays["counts"][:] = 0
        lib.plain_bn(ctypes.c_int(model.n_vars), *(ctypes.c_void_p(_ptr(arrays[k])) for k in
                                                   ("card", "npar", "parents", "evidence", "base", "table")),
                     ctypes.c_uint32(samples), ctypes.c_uint32(window), ctypes.c_uint64(seed),
                     ctypes.c_uint32(rmax), ctypes.c_uint32(offset), ctypes.c_void_p(_ptr(arrays["exp2"])),
                     ctypes.c_void_p(_ptr(arrays["log2m"])), ctypes.c_void_p(_ptr(arrays["counts"])))
        return arrays["counts"]
    return run


def plain_bm_counts(lib, model: BMKernelModel, sweeps: int, burn_in: int, tau: int, seed: int):
    arrays = dict(W=model.W_q.astype(np.int16).ravel(), b=model.b_q.astype(np.int16),
                  order=model.order.astype(np.int32), ends=model.colour_end.astype(np.int32),
                  sigmoid=SIGMOID_LUT.astype(np.uint32), on=np.zeros(model.n, dtype=np.uint32),
                  spikes=np.zeros(model.n, dtype=np.uint32))

    def run():
        lib.plain_bm(ctypes.c_int(model.n), ctypes.c_void_p(_ptr(arrays["W"])), ctypes.c_void_p(_ptr(arrays["b"])),
                     ctypes.c_void_p(_ptr(arrays["order"])), ctypes.c_int(model.colours),
                     ctypes.c_void_p(_ptr(arrays["ends"])), ctypes.c_uint32(sweeps), ctypes.c_uint32(burn_in),
                     ctypes.c_uint32(tau), ctypes.c_uint64(seed), ctypes.c_void_p(_ptr(arrays["sigmoid"])),
                     ctypes.c_int32(int(LNTAU_LUT[tau])), ctypes.c_void_p(_ptr(arrays["on"])),
                     ctypes.c_void_p(_ptr(arrays["spikes"])))
        return np.concatenate([arrays["on"], arrays["spikes"]])
    return run


def bn_rows(cpu, ref, plain) -> list[tuple]:
    rows = []
    for name, evidence, samples, window in BN_CASES:
        model = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / f"{name}.bif"), evidence)
        rmax = rate_to_rmax(0.5)
        frame = model.run_frame(samples, window, 1, rmax)
        kernel_counts = join_u64(parse_output(cpu.execute(frame)))
        run_plain = plain_bn_counts(plain, model, samples, window, 1, rmax)
        assert np.array_equal(run_plain(), kernel_counts), "the plain loop disagrees with the kernel"
        t_ref = best_seconds(lambda: ref.execute(frame), 2)
        t_cpu = best_seconds(lambda: cpu.execute(frame), 5)
        t_plain = best_seconds(run_plain, 5)
        rows.append((f"bn {name} S={samples} T={window}", samples, "samples/s", t_ref, t_cpu, t_plain))
    return rows


def bm_rows(cpu, ref, plain) -> list[tuple]:
    rows = []
    for n, density, sweeps in BM_CASES:
        bm = BoltzmannMachine.random(n, seed=1, density=density, weight_scale=0.1, bias_scale=0.5)
        model = BMKernelModel.build(bm)
        frame = model.run_frame(sweeps, BM_BURN_IN, 1, 1, 1, False)
        kernel_counts = parse_output(cpu.execute(frame))
        run_plain = plain_bm_counts(plain, model, sweeps, BM_BURN_IN, 1, 1)
        assert np.array_equal(run_plain(), kernel_counts), "the plain loop disagrees with the kernel"
        t_ref = best_seconds(lambda: ref.execute(frame), 1)
        t_cpu = best_seconds(lambda: cpu.execute(frame), 3)
        t_plain = best_seconds(run_plain, 3)
        updates = n * (sweeps + BM_BURN_IN)
        label = "dense" if density == 1 else f"{density:.0%} dense"
        rows.append((f"bm {label} N={n} ({model.colours} colours) {sweeps + BM_BURN_IN} sweeps",
                     updates, "updates/s", t_ref, t_cpu, t_plain))
    return rows


def bn_cycles_per_sample(n_vars: int, window_cost: float, lanes: int, batch: int = BN_BATCH_HW,
                         card_max: int = 16) -> float:
    """Cycles per sample of bn_sampler: per group of P·B samples, the pipelined loops
    seed (B), variables (V·B), thresholds (B), the Poisson units' window (B samples in
    turn, `window_cost` cycles each on average: a live sample's draws and a load) and
    readout (V·(B + CARD_MAX)), each plus a pipeline fill."""
    group = (batch + n_vars * (batch + PIPELINE_DEPTH) + batch + PIPELINE_DEPTH
             + batch * window_cost + PIPELINE_DEPTH + n_vars * (batch + card_max + 2 * PIPELINE_DEPTH))
    return group / (lanes * batch)


def bm_cycles_per_sweep(n: int, lanes: int, degree: int | None = None) -> float:
    """Cycles per sweep of bm_sampler (Gibbs, every neuron free): per neuron a dot
    product of ⌈N/P⌉ cycles (⌈degree/P⌉ in sparse mode) plus its pipeline fill,
    then commit and record (N each)."""
    terms = n if degree is None else degree
    return n * (-(-terms // lanes) + PIPELINE_DEPTH) + 2 * n


def print_throughput(rows) -> None:
    head = ("workload", "ref s", "cpu s", "plain s", "ref rate", "cpu rate", "ref÷cpu", "cpu÷plain")
    width = max(len(r[0]) for r in rows)
    print(f"{head[0]:<{width}}  " + "  ".join(f"{h:>9}" for h in head[1:]))
    for name, work, unit, t_ref, t_cpu, t_plain in rows:
        print(f"{name:<{width}}  {t_ref:9.3f}  {t_cpu:9.4f}  {t_plain:9.4f}  {work / t_ref:9.3g}  "
              f"{work / t_cpu:9.3g}  {t_ref / t_cpu:8.1f}x  {t_cpu / t_plain:8.2f}x   ({unit})")
    print("times; targets: ref÷cpu >= 10x on bn (speed-up over the reference); "
          "cpu÷plain <= 2x (the kernel within 2x of the plain loop)")


def print_cycles() -> None:
    print(f"\nestimated cycles (trip counts x II=1, pipeline fill {PIPELINE_DEPTH}, bn batch {BN_BATCH_HW})")
    print(f"{'workload':<40}" + "".join(f"{'P=' + str(p):>12}" for p in LANES))
    # Window cost per sample: mean draws + 1 (the load) of bench_hw's cases at rate 1/2
    # (docs/design/bn_throughput.md §3.2: 7.1 and 8.0 draws per sample).
    for name, n_vars, cost in (("bn alarm (V=37) T=256", 37, 8.1), ("bn hailfinder (V=56) T=256", 56, 9.0)):
        print(f"{name + ', cycles/sample':<40}" + "".join(
            f"{bn_cycles_per_sample(n_vars, cost, p):12.1f}" for p in LANES))
    for n, density, _ in BM_CASES:
        degree = None if density == 1 else round(density * (n - 1))
        label = "dense" if degree is None else f"degree {degree}"
        print(f"{f'bm {label} N={n}, cycles/sweep':<40}" + "".join(
            f"{bm_cycles_per_sweep(n, p, degree):12.0f}" for p in LANES))


def _timed(run) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def print_thread_scaling() -> None:
    cores = default_threads()
    counts = sorted({1, 2, cores})
    print(f"\nbn thread scaling on {cores} cores (load average {os.getloadavg()[0]:.1f} at start): "
          f"wall speed-up over 1 thread, min / median / max of {THREAD_ROUNDS} rounds; "
          "CPU time ratio = CPU seconds of N threads / of 1")
    print(f"{'workload':<44}{'threads':>8}{'speed-up min':>14}{'median':>8}{'max':>8}{'CPU ratio':>11}"
          f"{'cores got':>11}")
    for name, evidence, samples in THREAD_CASES:
        model = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / f"{name}.bif"), evidence)
        frame = model.run_frame(samples, 256, 1, rate_to_rmax(0.5))
        backends = {n: CpuBackend(n) for n in counts}
        whole = backends[1].execute(frame)
        for n in counts[1:]:
            assert np.array_equal(backends[n].execute(frame), whole), "counts depend on the thread count"
        times = {n: [] for n in counts}
        for _ in range(THREAD_ROUNDS):
            for n in counts:
                times[n].append(_timed(lambda: backends[n].execute(frame)))
        label = f"{name} {'evidence' if evidence else 'prior'} S={samples} T=256"
        for n in counts[1:]:
            ups = sorted(w1 / wn for (w1, _), (wn, _) in zip(times[1], times[n]))
            cpu_ratio = np.median([c for _, c in times[n]]) / np.median([c for _, c in times[1]])
            cores_got = np.median([c / w for w, c in times[n]])
            print(f"{label:<44}{n:>8}{ups[0]:>13.2f}x{np.median(ups):>7.2f}x{ups[-1]:>7.2f}x{cpu_ratio:>11.2f}"
                  f"{cores_got:>11.2f}")
            label = ""
    print(f"target: speed-up >= 0.8 x cores = {0.8 * cores:.1f}x at S >= 65536 (on idle cores)")


def forward_evidence(bn: BayesNet, seed: int = 1) -> dict:
    """Three variables (last, middle, first third in kernel order) at one forward sample's states."""
    prior = BNKernelModel.build(bn)
    states, _ = bn_ref.draws(prior, samples=1, seed=seed, rmax=65535)
    order = prior.order
    return {order[k]: int(states[0, k]) for k in (len(order) - 1, len(order) // 2, len(order) // 3)}


def print_networks() -> None:
    paths = sorted(SHARED_BN.glob("*.bif"), key=lambda p: p.stat().st_size)
    if not paths:
        print(f"\nno bnlearn networks in {SHARED_BN}")
        return
    print(f"\nbnlearn networks, cpu backend on 1 thread, S={NETWORK_SAMPLES} T={NETWORK_WINDOW}, "
          "3 variables observed at a forward sample's states")
    print(f"{'network':<12}{'V':>6}{'states':>7}{'parents':>8}{'table':>9}  {'path':<8}{'cpu s':>8}"
          f"{'samples/s':>11}{'MAE':>9}{'exact s':>9}")
    cpu = CpuBackend(1)
    for path in paths:
        bn = BayesNet.from_bif(path)
        evidence = forward_evidence(bn)
        model = BNKernelModel.build(bn, evidence)
        try:
            BNKernelModel.build(bn, evidence, limits=HW_BN_LIMITS)
            kernel_path = "arrays"
        except LimitError:
            kernel_path = "general"
        frame = model.run_frame(NETWORK_SAMPLES, NETWORK_WINDOW, 1, rate_to_rmax(1.0))
        seconds = best_seconds(lambda: cpu.execute(frame), 3)
        estimate = model.unpack(parse_output(cpu.execute(frame))).posterior()
        start = time.process_time()
        exact = posterior_marginals(bn, evidence, query=model.order)
        exact_seconds = time.process_time() - start
        free = [v for v, e in zip(model.order, model.evidence_state) if e < 0]
        mae = float(np.concatenate([np.abs(estimate[v] - exact[v]) for v in free]).mean())
        print(f"{path.stem:<12}{model.n_vars:>6}{int(model.cards.max()):>7}"
              f"{max(len(p) for p in model.parents):>8}{model.table.size:>9}  {kernel_path:<8}{seconds:>8.3f}"
              f"{NETWORK_SAMPLES / seconds:>11.3g}{mae:>9.4f}{exact_seconds:>9.2f}")
    print("target: MAE <= 0.01 on every network (the issue-13 accuracy bar)")


def main(sections=("throughput", "cycles", "threads", "networks")) -> None:
    if "throughput" in sections:
        cpu, ref, plain = CpuBackend(1), RefBackend(), plain_library()
        print_throughput(bn_rows(cpu, ref, plain) + bm_rows(cpu, ref, plain))
    if "cycles" in sections:
        print_cycles()
    if "threads" in sections:
        print_thread_scaling()
    if "networks" in sections:
        print_networks()


if __name__ == "__main__":
    main(sys.argv[1:] or ("throughput", "cycles", "threads", "networks"))
