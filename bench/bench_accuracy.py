"""Accuracy and time of the cpu backend on the bnlearn networks (../shared/bn), as the
tables of docs/bn_accuracy.md.

networks: per network its size, the cpu backend's wall seconds on every core and on one
thread (S = 65536, T = 256, rate 1, the prior proposal), and per proposal
(neuropynq.proposals: auto, prior, epis) the mean absolute error of the posterior
marginals against exact inference (variable elimination) over the unobserved states
and the effective sample size, on EVIDENCE_SETS evidence sets per network:
`n_observed(V)` variables chosen at random, observed at their states in one forward
sample (the kernel's own ancestral draw).

rare: evidence with P(e) in RARE_BAND on RARE_NETWORKS, drawn by observing variables one
at a time, in random order and at uniformly random states, until P(e) (variable
elimination) falls below the band's top; the set is kept if it is still above the
bottom, otherwise the draw starts again. MAE at S = 65536 per proposal (issue 13 item 4
aims at a mean MAE <= RARE_TARGET).

Every draw and run has a fixed seed, so the tables are reproducible.

    python bench/bench_accuracy.py [--networks alarm,child] [--sections networks,rare]
                                   [--write-docs]

--write-docs replaces the tables between the markers in docs/bn_accuracy.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from bench_cpu import SHARED_BN
from neuropynq import BayesNet
from neuropynq.backends.cpu import CpuBackend, default_threads
from neuropynq.exact.variable_elimination import posterior_marginals, probability_of_evidence
from neuropynq.framing import parse_output
from neuropynq.kernels.bn_model import BNKernelModel, BNTables, rate_to_rmax
from neuropynq.proposals import PROPOSALS, proposal_model
from neuropynq.reference import bn_sampler as bn_ref

DOCS = Path(__file__).resolve().parents[1] / "docs" / "bn_accuracy.md"
SAMPLES, WINDOW, RUN_SEED = 65536, 256, 1
RMAX = rate_to_rmax(1.0)
EVIDENCE_SETS = 3                 # per network, evidence seeds 1..3
RARE_NETWORKS = ("alarm", "insurance", "hailfinder", "win95pts", "child")
RARE_BAND = (1e-7, 1e-4)
RARE_SETS = 4                     # per network, evidence seeds 1..4
RARE_TRIES = 200                  # draws per set before giving up
RARE_TARGET = 0.0025
SECTIONS = ("networks", "rare")
PROPOSAL_NAMES = {"auto": "auto (default)", "prior": "prior (likelihood weighting)", "epis": "epis (EPIS-BN)"}


def n_observed(n_vars: int) -> int:
    """Variables observed per evidence set: a quarter of the network, 2 to 5."""
    return min(5, max(2, n_vars // 4))


def forward_sample(bn: BayesNet, seed: int) -> dict[str, int]:
    """Every variable's state in one ancestral draw of the kernel (seed = its stream)."""
    prior = BNKernelModel.build(bn)
    states, _ = bn_ref.draws(prior, samples=1, seed=seed, rmax=RMAX)
    return dict(zip(prior.order, (int(s) for s in states[0])))


def random_evidence(bn: BayesNet, seed: int) -> dict[str, int]:
    """n_observed(V) variables, chosen at random, at their states in forward sample `seed`."""
    sample = forward_sample(bn, seed)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(bn.variables), size=n_observed(len(bn.variables)), replace=False)
    return {bn.variables[i]: sample[bn.variables[i]] for i in sorted(chosen)}


def rare_evidence(bn: BayesNet, seed: int, band=RARE_BAND) -> tuple[dict[str, int], float]:
    """Evidence with band[0] <= P(e) < band[1], and its P(e). Variables in random order
    are observed at uniformly drawn states until P(e) drops below the band's top (each
    observation only lowers it); a set that overshoots the bottom is dropped and the
    draw starts again."""
    rng = np.random.default_rng(seed)
    for _ in range(RARE_TRIES):
        evidence: dict[str, int] = {}
        for i in rng.permutation(len(bn.variables)):
            v = bn.variables[i]
            evidence[v] = int(rng.integers(bn.card(v)))
            p = probability_of_evidence(bn, evidence)
            if p < band[1]:
                if p >= band[0]:
                    return evidence, p
                break
    raise RuntimeError(f"no evidence with P(e) in [{band[0]:g}, {band[1]:g}) after {RARE_TRIES} draws")


def effective_samples(model: BNKernelModel, samples: int) -> float:
    """ESS = (Σ f_s)² / Σ f_s² of the run's samples (the reference's draws, same seed)."""
    _, fire = bn_ref.draws(model, samples=samples, seed=RUN_SEED, rmax=RMAX)
    return float(fire.sum() ** 2 / (fire ** 2).sum())


def mean_absolute_error(model: BNKernelModel, estimate: dict, exact: dict) -> float:
    free = [v for v, e in zip(model.order, model.evidence_state) if e < 0]
    return float(np.concatenate([np.abs(estimate[v] - exact[v]) for v in free]).mean())


def timed(call):
    """(result, wall seconds) of call(): wall time, so that threads count."""
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def run(backend: CpuBackend, model: BNKernelModel, samples: int) -> tuple[np.ndarray, float]:
    """Raw output words and wall seconds of one kernel run."""
    frame = model.run_frame(samples, WINDOW, RUN_SEED, RMAX)
    return timed(lambda: backend.execute(frame))


def network_row(bn: BayesNet, name: str, backends: dict[int, CpuBackend], samples: int = SAMPLES) -> dict:
    """Size, median wall seconds of the prior proposal per thread count, and per
    proposal: MAE and ESS per evidence set and median wall seconds on every core
    (proposal built + run); exact seconds."""
    seconds = {n: [] for n in backends}
    threads = max(backends)
    maes, ess, proposal_seconds = ({p: [] for p in PROPOSALS} for _ in range(3))
    exact_seconds = 0.0
    tables = BNTables(bn)
    for seed in range(1, EVIDENCE_SETS + 1):
        evidence = random_evidence(bn, seed)
        exact, exact_wall = timed(lambda: posterior_marginals(bn, evidence, query=bn.variables))
        exact_seconds += exact_wall
        for proposal in PROPOSALS:
            model, build_seconds = timed(lambda: proposal_model(tables, evidence, proposal, WINDOW, RMAX,
                                                                RUN_SEED)[0])
            runs = backends if proposal == "prior" else {threads: backends[threads]}
            outputs = []
            for n, backend in runs.items():
                out, wall = run(backend, model, samples)
                if proposal == "prior":
                    seconds[n].append(wall)
                if n == threads:
                    proposal_seconds[proposal].append(build_seconds + wall)
                outputs.append(out)
            assert all(np.array_equal(o, outputs[0]) for o in outputs), "counts depend on the thread count"
            maes[proposal].append(run_error(model, outputs[0], exact))
            ess[proposal].append(effective_samples(model, samples))
    prior = tables.model()
    return dict(network=name, V=prior.n_vars, states=int(prior.cards.max()), parameters=bn.n_parameters(),
                words=int(prior.table.size), observed=n_observed(prior.n_vars),
                seconds={n: float(np.median(s)) for n, s in seconds.items()}, maes=maes, ess=ess,
                proposal_seconds={p: float(np.median(s)) for p, s in proposal_seconds.items()},
                exact_seconds=exact_seconds / EVIDENCE_SETS)


def run_error(model: BNKernelModel, out: np.ndarray, exact: dict) -> float:
    """MAE of a run's posterior, nan if no sample neuron spiked."""
    counts = model.unpack(parse_output(out))
    return mean_absolute_error(model, counts.posterior(), exact) if counts.total else float("nan")


def rare_row(bn: BayesNet, name: str, seed: int, backend: CpuBackend, samples: int = SAMPLES) -> list[dict]:
    """One row per proposal on evidence set `seed` of `name`."""
    evidence, p = rare_evidence(bn, seed)
    exact = posterior_marginals(bn, evidence, query=bn.variables)
    tables = BNTables(bn)
    rows = []
    for proposal in PROPOSALS:
        model, build_seconds = timed(lambda: proposal_model(tables, evidence, proposal, WINDOW, RMAX, RUN_SEED)[0])
        out, run_seconds = run(backend, model, samples)
        rows.append(dict(network=name, evidence={v: bn.states[v][k] for v, k in evidence.items()}, p=p,
                         proposal=PROPOSAL_NAMES[proposal], ess=effective_samples(model, samples),
                         mae=run_error(model, out, exact), seconds=build_seconds + run_seconds))
    return rows


def networks_table(rows: list[dict], threads: int) -> str:
    others = [p for p in PROPOSALS if p != "prior"]
    lines = ["| network | V | max states | parameters | table words | observed | "
             f"cpu s ({threads} threads) | cpu s (1 thread) | MAE mean | MAE worst | ESS min | "
             + "".join(f"{p} s | {p} MAE mean | {p} MAE worst | " for p in others) + "exact s |",
             "|---" * (12 + 3 * len(others)) + "|"]
    for r in rows:
        maes = r["maes"]
        lines.append(f"| {r['network']} | {r['V']} | {r['states']} | {r['parameters']} | {r['words']} | "
                     f"{r['observed']} | {r['seconds'][threads]:.3f} | {r['seconds'][1]:.3f} | "
                     f"{mean(maes['prior'])} | {worst(maes['prior'])} | {min(r['ess']['prior']):.0f} | "
                     + "".join(f"{r['proposal_seconds'][p]:.3f} | {mean(maes[p])} | {worst(maes[p])} | "
                               for p in others) + f"{r['exact_seconds']:.2f} |")
    return "\n".join(lines)


def mean(maes: list[float]) -> str:
    """Mean MAE, or how many sets had no spikes."""
    dead = sum(np.isnan(m) for m in maes)
    return f"no spikes ({dead} of {len(maes)})" if dead else f"{np.mean(maes):.4f}"


def worst(maes: list[float]) -> str:
    return "-" if any(np.isnan(m) for m in maes) else f"{max(maes):.4f}"


def rare_table(rows: list[dict]) -> str:
    lines = ["| network | evidence | P(e) | proposal | ESS | MAE | s |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        evidence = ", ".join(f"{v}={s}" for v, s in r["evidence"].items())
        lines.append(f"| {r['network']} | {evidence} | {r['p']:.2e} | {r['proposal']} | {r['ess']:.0f} | "
                     f"{r['mae']:.4f} | {r['seconds']:.3f} |")
    for proposal in dict.fromkeys(r["proposal"] for r in rows):
        maes = [r["mae"] for r in rows if r["proposal"] == proposal]
        lines.append(f"| **mean** ({len(maes)} sets) | | | {proposal} | | **{mean(maes)}** "
                     f"(worst {worst(maes)}; target <= {RARE_TARGET}) | |")
    return "\n".join(lines)


def replace_between_markers(text: str, section: str, table: str) -> str:
    """`text` with the lines between <!-- bench_accuracy SECTION --> and its /-marker
    replaced by `table`."""
    begin, end = f"<!-- bench_accuracy {section} -->", f"<!-- /bench_accuracy {section} -->"
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f"{DOCS.name} needs exactly one {begin} ... {end} pair")
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return f"{head}{begin}\n{table}\n{end}{tail}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", help="comma-separated network names (default: every .bif in ../shared/bn)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated of {', '.join(SECTIONS)}")
    parser.add_argument("--write-docs", action="store_true", help=f"write the tables into {DOCS}")
    args = parser.parse_args(argv)
    sections = args.sections.split(",")
    if unknown := set(sections) - set(SECTIONS):
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}")
    available = {p.stem: p for p in SHARED_BN.glob("*.bif")}
    wanted = args.networks.split(",") if args.networks else list(available)
    if missing := [n for n in wanted if n not in available]:
        parser.error(f"no {', '.join(missing)} in {SHARED_BN}")
    paths = sorted((available[n] for n in wanted), key=lambda p: p.stat().st_size)
    threads = default_threads()
    backends = {threads: CpuBackend(threads), 1: CpuBackend(1)}
    print(f"load average {os.getloadavg()[0]:.1f} at start, {threads} cores", flush=True)
    tables = {}
    if "networks" in sections:
        rows = []
        for path in paths:
            rows.append(network_row(BayesNet.from_bif(path), path.stem, backends))
            print(f"{path.stem}: done", file=sys.stderr, flush=True)
        tables["networks"] = networks_table(rows, threads)
    if "rare" in sections:
        rows = [row for n in RARE_NETWORKS if n in wanted for seed in range(1, RARE_SETS + 1)
                for row in rare_row(BayesNet.from_bif(available[n]), n, seed, backends[threads])]
        if rows:
            tables["rare"] = rare_table(rows)
    for section, table in tables.items():
        print(f"\n{section}\n{table}")
    if args.write_docs:
        text = DOCS.read_text()
        for section, table in tables.items():
            text = replace_between_markers(text, section, table)
        DOCS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
