"""Evidence-aware importance proposals (neuropynq.proposals): the rewritten kernel
model's importance weights are exact (by enumeration), its samples agree with exact
inference within the spec's standard errors, ref and cpu agree word for word on it,
EPIS beats likelihood weighting on unlikely evidence, and bad inputs are named."""
import itertools
from pathlib import Path

import numpy as np
import pytest

from neuropynq.backends.cpu import CpuBackend
from neuropynq.errors import EvidenceError, LimitError, ParameterError
from neuropynq.exact.variable_elimination import posterior_marginals, probability_of_evidence
from neuropynq.fixedpoint import CDF_ONE, NL_FRAC_BITS, NL_IMPOSSIBLE
from neuropynq.kernels.bn_model import BNTables, rate_to_rmax
from neuropynq.limits import BNLimits
from neuropynq.models.bayesnet import BayesNet
from neuropynq.proposals import PILOT_SAMPLES, _epis_model, predicted_count, proposal_model, weight_name
from neuropynq.reference import bn_sampler
from neuropynq.sampler import Sampler

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ALARM = BayesNet.from_bif(EXAMPLES / "alarm.bif")
ASIA = BayesNet.from_bif(EXAMPLES / "asia.bif")
SACHS = BayesNet.from_bif(EXAMPLES / "sachs.bif")
RMAX = rate_to_rmax(1.0)
# P(e) = 2.0e-5, drawn by bench/bench_accuracy.py (rare set 2 of alarm): likelihood
# weighting keeps about 700 effective samples of 65536 here.
ALARM_RARE = {"CATECHOL": "NORMAL", "SAO2": "NORMAL", "PULMEMBOLUS": "FALSE", "ERRLOWOUTPUT": "FALSE",
              "HR": "LOW", "INSUFFANESTH": "TRUE"}
# A forward sample's states (bench/bench_accuracy.py, evidence seed 2 on alarm) where
# rewriting every ancestor leaves about 40 of 1024 pilot samples effective and the
# evidence's parents alone about 550: loopy BP's messages through alarm's
# near-deterministic tables (HRBP, EXPCO2) mislead the deeper proposal tables.
ALARM_FORWARD = {"HYPOVOLEMIA": "FALSE", "HRBP": "HIGH", "ERRCAUTER": "FALSE", "EXPCO2": "LOW",
                 "MINVOLSET": "NORMAL"}


def model_of(bn, evidence, proposal, limits=None, **run):
    tables = BNTables(bn) if limits is None else BNTables(bn, limits)
    return proposal_model(tables, bn.parse_evidence(evidence), proposal, **run)


def expected_marginals(model) -> dict[str, np.ndarray]:
    """What the kernel estimates as S, T -> infinity: every assignment of the sampled
    variables enumerated, with the probability its thresholds give it and the weight
    its NL values give it (spec §2.1, §2.2), read back from the tables alone."""
    strides = [[int(np.prod(model.cards[ps[j + 1:]])) for j in range(len(ps))] for ps in model.parents]
    sampled = [i for i in range(model.n_vars) if model.evidence_state[i] < 0]
    totals = {v: np.zeros(int(c)) for v, c in zip(model.order, model.cards)}
    for values in itertools.product(*(range(int(model.cards[i])) for i in sampled)):
        x = model.evidence_state.copy()
        x[sampled] = values
        log_weight, probability = 0.0, 1.0
        for i in range(model.n_vars):
            row = sum(int(x[p]) * s for p, s in zip(model.parents[i], strides[i]))
            if model.evidence_state[i] >= 0:
                nl = int(model.table[model.base[i] + row])
                if nl == NL_IMPOSSIBLE:
                    probability = 0.0
                log_weight -= nl / (1 << NL_FRAC_BITS)
            else:
                c = int(model.cards[i])
                cuts = np.concatenate([[0], model.table[model.base[i] + row * (c - 1):][:c - 1], [CDF_ONE]])
                probability *= (int(cuts[x[i] + 1]) - int(cuts[x[i]])) / CDF_ONE
        for i, v in enumerate(model.order):
            totals[v][x[i]] += probability * 2.0 ** log_weight
    return {v: t / t.sum() for v, t in totals.items()}


@pytest.mark.parametrize("bn, evidence, depth", [
    (ASIA, {"asia": "yes", "xray": "no", "dysp": "yes"}, None),
    (ASIA, {"tub": "yes", "smoke": "no", "dysp": "no"}, None),
    (ASIA, {"tub": "yes", "smoke": "no", "dysp": "no"}, 1),
    (SACHS, {"Akt": "HIGH", "P38": "LOW", "Jnk": "HIGH", "PIP3": "LOW"}, None),
    (SACHS, {"Akt": "HIGH", "P38": "LOW", "Jnk": "HIGH", "PIP3": "LOW"}, 1),
])
def test_rewritten_model_weights_give_the_exact_posterior(bn, evidence, depth):
    # Exact up to the quantisation the prior model has too: NL values to 2^-10 in log2
    # (a relative 3.4e-4 per table) and the thresholds to 2^-16. depth 1: only the
    # evidence's parents rewritten, their own parents drawn from the prior.
    exact = posterior_marginals(bn, evidence, query=bn.variables)
    model = _epis_model(BNTables(bn), bn.parse_evidence(evidence), "epis", depth)
    assert model.n_vars > len(bn.variables)          # the proposal did change the model
    got = expected_marginals(model)
    prior = expected_marginals(model_of(bn, evidence, "prior")[0])
    for v in bn.variables:
        assert np.abs(got[v] - exact[v]).max() < 2e-3, v
        assert np.abs(prior[v] - exact[v]).max() < 2e-3, v


@pytest.fixture(scope="module")
def alarm_rare():
    assert 1e-7 <= probability_of_evidence(ALARM, ALARM_RARE) < 1e-4
    return posterior_marginals(ALARM, ALARM_RARE, query=ALARM.variables)


def run_mae(model, exact, samples, window, seed=1):
    """MAE of a reference run over the sampled variables, and the largest |error| / SE."""
    counts, total = bn_sampler.sample(model, samples, window, seed, RMAX)
    flat = counts / total
    ends = np.cumsum(model.cards)
    errors, z = [], []
    states, fire = bn_sampler.draws(model, samples, seed, RMAX)
    p = np.concatenate([exact.get(v, np.ones(1)) for v in model.order])
    se = bn_sampler.standard_error(states, fire, model.cards, window, p)
    for i, v in enumerate(model.order):
        if model.evidence_state[i] < 0:
            part = slice(ends[i] - model.cards[i], ends[i])
            errors.append(np.abs(flat[part] - exact[v]))
            z.append(np.abs(flat[part] - exact[v]) / se[part])
    return float(np.concatenate(errors).mean()), float(np.concatenate(z).max())


def test_epis_beats_likelihood_weighting_on_unlikely_evidence(alarm_rare):
    # S = 65536, T = 256 as bench_accuracy's rare table; measured MAE 0.0105 (prior)
    # and 0.0021 (epis). Every marginal of both within 5 standard errors (spec §2.3).
    maes = {}
    for proposal in ("prior", "epis"):
        model = model_of(ALARM, ALARM_RARE, proposal)[0]
        maes[proposal], worst_z = run_mae(model, alarm_rare, 65536, 256)
        assert worst_z < 5, proposal
    assert maes["epis"] < 0.0025 and maes["prior"] > 2 * maes["epis"], maes


def test_epis_rewrites_only_the_nearest_generations_where_its_pilot_predicts_more():
    # S = 16384, T = 256: measured MAE 0.0158 rewriting every ancestor, 0.0033 with
    # the evidence's parents alone (the one the pilot picks). Both within 5 SE.
    evidence = ALARM.parse_evidence(ALARM_FORWARD)
    exact = posterior_marginals(ALARM, ALARM_FORWARD, query=ALARM.variables)
    whole = _epis_model(BNTables(ALARM), evidence, "epis")
    chosen, used = model_of(ALARM, ALARM_FORWARD, "epis", window=256, rmax=RMAX, seed=1)
    assert used == "epis" and chosen.n_vars < whole.n_vars
    assert predicted_count(chosen, 256, RMAX, 5) > 10 * predicted_count(whole, 256, RMAX, 5)
    (whole_mae, whole_z), (chosen_mae, chosen_z) = (run_mae(m, exact, 16384, 256) for m in (whole, chosen))
    assert max(whole_z, chosen_z) < 5 and chosen_mae < whole_mae / 3, (whole_mae, chosen_mae)


@pytest.mark.slow
def test_auto_runs_the_shallow_rewrite_on_diabetes(shared_bn_dir):
    # bench/bench_accuracy.py's diabetes set 3: the whole rewrite's pilot predicts 0
    # effective of 1024 (no spikes), the prior's 4, the evidence's parents alone 66
    # (MAE 0.0034 mean over the 3 sets at S = 65536, the prior's 0.0137).
    bn = BayesNet.from_bif(shared_bn_dir / "diabetes.bif")
    evidence = {"tot_bal_1": "__0_4mmol_kg_h", "activ_ins_4": "56mU_l", "ins_abs_4": "100_0mU_kg_h",
                "ins_indep_5": "0_4mmol_kg_h", "renal_cl_19": "0_0mmol_kg_h"}
    model, used = model_of(bn, evidence, "auto", window=256, rmax=RMAX, seed=1)
    prior = model_of(bn, evidence, "prior")[0]
    whole = _epis_model(BNTables(bn), bn.parse_evidence(evidence), "epis")
    assert used == "epis" and len(bn.variables) < model.n_vars < whole.n_vars
    counts = [predicted_count(m, 256, RMAX, 5) for m in (model, prior, whole)]
    assert counts[0] > 5 * max(counts[1:]), counts


def test_auto_takes_epis_on_unlikely_evidence_and_prior_where_it_is_enough():
    assert model_of(ALARM, ALARM_RARE, "auto", window=256, rmax=RMAX, seed=1)[1] == "epis"
    model, used = model_of(ALARM, {}, "auto")
    assert used == "prior" and model.n_vars == len(ALARM.variables)
    # smoke is a root: likelihood weighting draws the rest exactly, every sample effective
    model, used = model_of(ASIA, {"smoke": "yes"}, "auto", window=256, rmax=RMAX, seed=1)
    assert used == "prior" and predicted_count(model, 256, RMAX, 5) > 0.99 * PILOT_SAMPLES


def test_ref_and_cpu_agree_word_for_word_on_a_proposal_model():
    model = model_of(ALARM, ALARM_RARE, "epis")[0]
    frame = model.run_frame(4096, 64, 7, RMAX)
    assert np.array_equal(CpuBackend(2).execute(frame), bn_sampler.run_frame(frame))


def test_sampler_reports_the_proposal_and_leaves_weight_nodes_out():
    post = Sampler("ref").posterior(ALARM, ALARM_RARE, samples=2048, window=32, proposal="epis", seed=3)
    assert post.proposal == "epis" and set(post.counts) == set(ALARM.variables)
    assert all(weight_name(v, ()) not in post.marginals for v in ALARM.variables)
    assert all(abs(sum(p.values()) - 1) < 1e-12 for p in post.to_dict().values())
    batch = Sampler("ref").posterior_batch(ALARM, [ALARM_RARE, {}], samples=2048, window=32, proposal="epis",
                                           seed=3)
    assert [b.proposal for b in batch] == ["epis", "prior"]
    assert all(np.array_equal(batch[0].counts[v], post.counts[v]) for v in ALARM.variables)


def test_impossible_evidence_is_named_with_every_proposal():
    for proposal in ("epis", "auto"):
        with pytest.raises(EvidenceError, match="probability zero: .*tub=yes.*either=no"):
            Sampler("ref").posterior(ASIA, {"tub": "yes", "either": "no"}, samples=256, window=8,
                                     proposal=proposal)


def test_board_limits_name_the_proposal_and_the_ways_round():
    # alarm (37 variables) fits a build of 40; EPIS adds a weight node per changed variable
    limits = BNLimits(v_max=40, card_max=16, parents_max=8, table_max=32768)
    with pytest.raises(LimitError, match=r"variables with --proposal epis .*at most 40.*--backend cpu.*--proposal prior"):
        model_of(ALARM, ALARM_RARE, "epis", limits)
    model, used = model_of(ALARM, ALARM_RARE, "auto", limits)
    assert used == "prior" and model.n_vars == 37


def test_unknown_proposal_is_refused():
    with pytest.raises(ParameterError, match="unknown proposal 'lw': choose one of auto, prior, epis"):
        Sampler("ref").posterior(ASIA, {"dysp": "yes"}, proposal="lw")
