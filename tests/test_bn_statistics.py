"""bn_sampler against exact inference: every non-evidence marginal of the reference
kernel and of its float twin within K standard errors of the variable-elimination
posterior, and a small mean absolute error (docs/bn_accuracy.md).

K = 5: the standard error is the delta-method error of the ratio estimate evaluated
on the drawn samples (neuropynq.reference.bn_sampler.standard_error), so |error|/SE is
close to a standard normal for every marginal. With ~1,000 marginals checked here, a
correct sampler exceeds 5 SE anywhere with probability below 1e-3, while a real bug
(a wrong row index, threshold or weight) moves some marginal by far more than 5 SE at
65536 samples. The quantisation bias of the kernel (thresholds to 2^-16, weights to
2^-10 in log2) is one to two orders of magnitude below the SE at this sample count.
"""
from pathlib import Path

import numpy as np
import pytest

from neuropynq.exact.variable_elimination import posterior_marginals
from neuropynq.kernels.bn_model import BNKernelModel, rate_to_rmax
from neuropynq.models.bayesnet import BayesNet
from neuropynq.fixedpoint import FIRE_BITS
from neuropynq.reference import bn_float, bn_sampler
from neuropynq.rng import Streams

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Rate 1/2, as the Sampler's default: the Poisson window (§2.2 step 4) is truncated at T,
# which at f <= 1/2 happens with negligible probability; the window is doubled to keep
# the spikes of the earlier rate 1.
SAMPLES, WINDOW, SEED, RATE = 65536, 2048, 2024, 0.5
K = 5.0
MAE_MAX = 0.01

# Evidence a clinician or modeller could observe: P(e) between 1e-3 and 0.1, so that
# likelihood weighting keeps thousands of effective samples out of 65536.
CASES = [
    ("asia", {"xray": "yes", "dysp": "yes"}),
    ("asia", {"asia": "yes", "smoke": "yes", "dysp": "no"}),
    ("sachs", {"Akt": "HIGH", "P38": "LOW"}),
    ("sachs", {"Erk": "AVG", "PIP2": "HIGH", "Jnk": "LOW"}),
    ("child", {"LowerBodyO2": "<5", "CO2Report": ">=7.5"}),
    ("child", {"XrayReport": "Oligaemic", "GruntingReport": "yes", "Age": "0-3_days"}),
    ("insurance", {"PropCost": "Million", "DrivHist": "Many"}),
    ("insurance", {"MedCost": "TenThou", "GoodStudent": "False", "OtherCar": "True"}),
    ("alarm", {"HRBP": "HIGH", "CO": "LOW", "BP": "HIGH"}),
    ("alarm", {"HRSAT": "LOW", "EXPCO2": "LOW", "BP": "LOW"}),
]


@pytest.fixture(scope="module")
def table():
    rows = []
    yield rows
    print("\n| network | evidence | ESS | MAE ref | MAE float | max z ref | max z float | mean |ref - float| |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| {} | {} | {:.0f} | {:.5f} | {:.5f} | {:.2f} | {:.2f} | {:.6f} |".format(*row))


def labels(model):
    return [f"{v}={s}" for v, states in zip(model.order, model.states) for s in states]


def check_within_k_se(name, estimate, exact, se, free, names):
    z = np.abs(estimate - exact) / se
    worst = int(np.argmax(np.where(free, z, -1)))
    assert z[worst] <= K, (f"{name}: P({names[worst]}) = {estimate[worst]:.5f}, exact {exact[worst]:.5f}, "
                           f"{z[worst]:.1f} standard errors ({se[worst]:.2e}) away")
    mae = float(np.abs(estimate - exact)[free].mean())
    assert mae <= MAE_MAX, f"{name}: mean absolute error {mae:.4f} > {MAE_MAX}"
    return mae, float(z[worst])


@pytest.mark.slow
@pytest.mark.parametrize("net, evidence", CASES, ids=[f"{n}-{i % 2}" for i, (n, _) in enumerate(CASES)])
def test_marginals_match_exact_inference(net, evidence, table):
    bn = BayesNet.from_bif(EXAMPLES / f"{net}.bif")
    model = BNKernelModel.build(bn, evidence)
    exact_by_name = posterior_marginals(bn, evidence, query=model.order)
    exact = np.concatenate([exact_by_name[v] for v in model.order])
    free = np.concatenate([np.full(c, e < 0) for c, e in zip(model.cards, model.evidence_state)])
    names = labels(model)

    rmax = rate_to_rmax(RATE)
    counts, total = bn_sampler.sample(model, SAMPLES, WINDOW, SEED, rmax)
    states, fire = bn_sampler.draws(model, SAMPLES, SEED, rmax)
    estimate = counts / total
    se = bn_sampler.standard_error(states, fire, model.cards, WINDOW, exact)
    mae, z = check_within_k_se(f"{net} reference", estimate, exact, se, free, names)

    twin = bn_float.run(bn, evidence, SAMPLES, WINDOW, SEED, RATE)
    twin_estimate = np.concatenate([twin.counts[v] for v in model.order]) / twin.total
    twin_states, twin_fire = bn_float.draws(bn, evidence, SAMPLES, SEED, RATE)
    twin_se = bn_sampler.standard_error(twin_states, twin_fire, model.cards, WINDOW, exact)
    twin_mae, twin_z = check_within_k_se(f"{net} float twin", twin_estimate, exact, twin_se, free, names)

    ess = fire.sum() ** 2 / (fire ** 2).sum()
    quantisation = float(np.abs(estimate - twin_estimate)[free].mean())
    table.append((net, ", ".join(f"{v}={s}" for v, s in evidence.items()), ess, mae, twin_mae, z, twin_z,
                  quantisation))


# ---------------------------------------------------------------- the Poisson window
POISSON_STREAMS = 40000


@pytest.mark.parametrize("fire, window", [(1 << 23, 64), (1 << 20, 256), (167772, 256), (3, 1 << 20)])
def test_spike_counts_are_poisson(fire, window):
    """n of §2.2 step 4 has the mean and variance of Poisson(T·f), f = F / 2^24, and the
    window draws min(n + 1, T) times. Bounds: 5 standard errors of the sample mean
    (sqrt(λ/N)) and of the sample variance (sqrt((λ + 2λ²)/N), Poisson's fourth moment)."""
    lam = window * fire / (1 << FIRE_BITS)
    n, draws = bn_sampler.spike_counts(Streams(7, np.arange(POISSON_STREAMS)),
                                        np.full(POISSON_STREAMS, fire, dtype=np.int64), window)
    assert abs(n.mean() - lam) <= 5 * np.sqrt(lam / POISSON_STREAMS)
    assert abs(n.var(ddof=1) - lam) <= 5 * np.sqrt((lam + 2 * lam ** 2) / POISSON_STREAMS)
    assert np.array_equal(draws, np.minimum(n + 1, window))


def test_a_silent_sample_never_draws():
    n, draws = bn_sampler.spike_counts(Streams(7, np.arange(4)), np.array([0, 5, 0, 1 << 23]), 16)
    assert n[[0, 2]].tolist() == [0, 0] and draws[[0, 2]].tolist() == [0, 0]
    assert draws[[1, 3]].min() >= 1
