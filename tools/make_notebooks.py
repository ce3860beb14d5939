"""Writes the board notebooks (host/neuropynq/notebooks/*.ipynb) from the cell
sources below, so the notebooks stay reviewable as code. Run after editing:
    .venv/bin/python tools/make_notebooks.py
tests/test_notebooks.py checks the committed notebooks match and runs them."""
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "host" / "neuropynq" / "notebooks"

SETUP = '''import os
import numpy as np
from neuropynq import BayesNet, BoltzmannMachine, Sampler, posterior_marginals
from neuropynq.errors import BackendUnavailable

# On a PYNQ board "auto" loads the neuropynq overlay (bitstreams/<board>/neuropynq.bit);
# elsewhere it falls back to the cpu backend. NEUROPYNQ_BACKEND overrides the choice.
BACKEND = os.environ.get("NEUROPYNQ_BACKEND", "auto")
snn = Sampler(BACKEND)
print(snn.describe())'''

GETTING_STARTED = [
    ("markdown", "# neuropynq on the board: Bayesian inference with spiking sample neurons\n\n"
     "Each of S *sample neurons* carries one ancestral sample of the ALARM network and fires "
     "over T steps at a rate proportional to its importance weight; the posterior is the "
     "spike-weighted vote. The same seed gives the same counts on the FPGA and on the CPU."),
    ("code", SETUP),
    ("code", '''from neuropynq import resources
bn = BayesNet.from_bif(resources.example("alarm"))     # the bundled ALARM network
evidence = {"HRBP": "HIGH", "BP": "LOW"}
query = ["LVFAILURE", "HYPOVOLEMIA", "STROKEVOLUME"]
print(len(bn.variables), "variables;", "evidence:", evidence)'''),
    ("markdown", "## Run the SNN sampler and compare with the exact posterior"),
    ("code", '''post = snn.posterior(bn, evidence, query=query, samples=32768, window=256, seed=1)
exact = posterior_marginals(bn, evidence, query)
for v in query:
    for k, state in enumerate(bn.states[v]):
        print(f"{v:13s} {state:8s}  snn {post.marginals[v][k]:.4f}  exact {exact[v][k]:.4f}")
mae = np.mean(np.concatenate([np.abs(post.marginals[v] - exact[v]) for v in query]))
print(f"mean absolute error {mae:.4f}; {post.seconds:.3f} s on {post.backend}")
assert mae < 0.03'''),
    ("markdown", "## The same seed on another backend gives the same counts"),
    ("code", '''other = "cpu" if snn.backend.name == "fpga" else "ref"
try:
    twin = Sampler(other).posterior(bn, evidence, query=query, samples=32768, window=256, seed=1)
    assert all(np.array_equal(twin.counts[v], post.counts[v]) for v in query)
    print(f"{snn.backend.name}: {post.seconds:.3f} s, {other}: {twin.seconds:.3f} s, identical counts")
except BackendUnavailable as exc:
    print("not compared:", exc)'''),
]

BOLTZMANN = [
    ("markdown", "# Neural sampling of a Boltzmann machine\n\n"
     "Refractory spiking neurons (Buesing et al. 2011) sample p(z) ∝ exp(bᵀz + ½zᵀWz); "
     "τ = 1 is Gibbs sampling. We compare the empirical distribution with full enumeration."),
    ("code", SETUP),
    ("code", '''from neuropynq.exact.enumeration import joint, kl_divergence
bm = BoltzmannMachine.random(8, seed=3)
run = snn.sample(bm, sweeps=50_000, burn_in=100, tau=4, seed=7)
p_exact = joint(bm)
p_snn = run.distribution()
kl = kl_divergence(p_snn, p_exact)
print(f"KL(empirical || exact) = {kl:.4f} after {run.sweeps} sweeps ({run.seconds:.2f} s, {run.backend})")
assert kl < 0.05'''),
    ("code", '''top = np.argsort(p_exact)[::-1][:16]
try:
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(np.arange(top.size) - 0.2, p_exact[top], width=0.4, label="exact")
    ax.bar(np.arange(top.size) + 0.2, p_snn[top], width=0.4, label="SNN sampler")
    ax.set_xticks(np.arange(top.size), [format(s, "08b")[::-1] for s in top], rotation=90)
    ax.set_ylabel("p(z)"); ax.legend(); fig.tight_layout()
except ImportError:   # no matplotlib: a text plot
    for s in top:
        print(format(s, "08b")[::-1], f"{p_exact[s]:.4f}", "#" * int(200 * p_exact[s]),
              f"| {p_snn[s]:.4f}", "*" * int(200 * p_snn[s]))'''),
]


def notebook(cells):
    def cell(kind, source):
        c = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            c.update(execution_count=None, outputs=[])
        return c
    return {"cells": [cell(k, s) for k, s in cells],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


NOTEBOOKS = {"01_getting_started.ipynb": GETTING_STARTED,
             "02_boltzmann_sampling.ipynb": BOLTZMANN}


def render(name: str) -> str:
    return json.dumps(notebook(NOTEBOOKS[name]), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        (OUT / name).write_text(render(name))
        print("wrote", OUT / name)
