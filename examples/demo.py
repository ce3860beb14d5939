"""neuropynq demo: SNN posterior inference on the ALARM network and neural
sampling of a Boltzmann machine, each beside the exact answer.

Runs on the best backend here (`Sampler("auto")`: fpga, else cpu, else the numpy
reference). `make demo` runs this file.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from neuropynq import BayesNet, BoltzmannMachine, Sampler, posterior_marginals
from neuropynq.exact.enumeration import joint, kl_divergence, marginals

EXAMPLES = Path(__file__).resolve().parent

# A patient with low blood pressure, low central venous pressure and a high heart
# rate from the blood-pressure monitor: is it hypovolaemia, left-ventricular
# failure or anaphylaxis, and what is the cardiac output?
EVIDENCE = {"BP": "LOW", "CVP": "LOW", "HRBP": "HIGH"}
QUERY = ["HYPOVOLEMIA", "LVFAILURE", "ANAPHYLAXIS", "STROKEVOLUME", "CO", "TPR"]


def alarm_demo(sampler: Sampler) -> None:
    bn = BayesNet.from_bif(EXAMPLES / "alarm.bif")
    post = sampler.posterior(bn, EVIDENCE, QUERY, samples=1 << 18, window=256, seed=1, rate=0.5)
    exact = posterior_marginals(bn, EVIDENCE, QUERY)
    given = ", ".join(f"{v}={s}" for v, s in EVIDENCE.items())
    print(f"ALARM ({len(bn.variables)} variables), evidence {given}")
    print(f"SNN importance sampling: S={post.samples} sample neurons, T={post.window} steps, "
          f"{post.total} spikes, {post.seconds:.2f} s on {post.backend}")
    print(f"  {'variable':<13}{'state':<8}{'SNN':>8}{'exact':>8}{'|err|':>8}")
    errors = []
    for v in QUERY:
        for k, state in enumerate(bn.states[v]):
            p, q = post.marginals[v][k], exact[v][k]
            errors.append(abs(p - q))
            print(f"  {v if k == 0 else '':<13}{state:<8}{p:8.4f}{q:8.4f}{abs(p - q):8.4f}")
    print(f"  mean absolute error {np.mean(errors):.4f}\n")


def boltzmann_demo(sampler: Sampler) -> None:
    bm = BoltzmannMachine.random(10, seed=7, density=1.0, weight_scale=0.5, bias_scale=0.5)
    sweeps = 100_000
    run = sampler.sample(bm, sweeps, burn_in=100, tau=1, seed=3)
    exact = marginals(bm)
    kl = kl_divergence(run.distribution(), joint(bm))
    print(f"Boltzmann machine, N={bm.n} (dense random), Gibbs (tau=1), {sweeps} sweeps, "
          f"{run.seconds:.2f} s on {run.backend}")
    print(f"  {'neuron':>6}{'SNN':>8}{'exact':>8}{'|err|':>8}")
    for k in range(bm.n):
        print(f"  {k:>6}{run.marginals[k]:8.4f}{exact[k]:8.4f}{abs(run.marginals[k] - exact[k]):8.4f}")
    print(f"  KL(sampled || exact) over all 2^{bm.n} states: {kl:.5f} nats")


def main() -> None:
    start = time.perf_counter()
    sampler = Sampler("auto")
    print(sampler.describe(), end="\n\n")
    alarm_demo(sampler)
    boltzmann_demo(sampler)
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
