"""Variable elimination against hand-computed values and brute-force enumeration."""
import time

import numpy as np
import pytest

from neuropynq.errors import EvidenceError
from neuropynq.exact.variable_elimination import posterior_marginals, probability_of_evidence
from neuropynq.models.bayesnet import BayesNet


def joint(bn: BayesNet) -> np.ndarray:
    """The full joint table, one axis per variable in `bn.variables` order.

    CPT rows are rescaled to sum to 1 (BIF rows may be off by 1e-6), as
    variable elimination does, so the joint is a distribution.
    """
    axis = {v: i for i, v in enumerate(bn.variables)}
    operands = []
    for v in bn.variables:
        cpt = bn.cpt[v] / bn.cpt[v].sum(axis=-1, keepdims=True)
        operands += [cpt, [axis[u] for u in (*bn.parents[v], v)]]
    return np.einsum(*operands, list(range(len(bn.variables))))


def brute_force(bn: BayesNet, evidence: dict[str, int]):
    table = joint(bn)
    index = tuple(evidence.get(v, slice(None)) for v in bn.variables)
    conditioned = table[index]
    free = [v for v in bn.variables if v not in evidence]
    p_evidence = conditioned.sum()
    marginals = {}
    for i, v in enumerate(free):
        others = tuple(j for j in range(len(free)) if j != i)
        marginals[v] = conditioned.sum(axis=others) / p_evidence
    return marginals, p_evidence


def forward_sample(bn: BayesNet, rng: np.random.Generator) -> dict[str, int]:
    x = {}
    for v in bn.topological_order():
        row = bn.cpt[v][tuple(x[p] for p in bn.parents[v])]
        # Inverse CDF: rows may be off 1 by up to 1e-6, more than rng.choice accepts.
        x[v] = min(int(np.searchsorted(np.cumsum(row) / row.sum(), rng.random(), side="right")), bn.card(v) - 1)
    return x


def evidence_sets(bn: BayesNet, seed: int, sizes=(1, 2, 3)) -> list[dict[str, int]]:
    """Evidence drawn from the network itself, so it has positive probability."""
    rng = np.random.default_rng(seed)
    sets = [{}]
    for size in sizes:
        x = forward_sample(bn, rng)
        chosen = rng.choice(len(bn.variables), size=size, replace=False)
        sets.append({bn.variables[i]: x[bn.variables[i]] for i in sorted(chosen)})
    return sets


@pytest.fixture
def asia(examples_dir):
    return BayesNet.from_bif(examples_dir / "asia.bif")


@pytest.mark.parametrize("network", ["asia", "cancer", "survey", "earthquake", "sachs"])
def test_matches_brute_force_enumeration(network, shared_bn_dir):
    bn = BayesNet.from_bif(shared_bn_dir / f"{network}.bif")
    for evidence in evidence_sets(bn, seed=len(network), sizes=(1, 2, 3, 4)):
        expected, p_evidence = brute_force(bn, evidence)
        got = posterior_marginals(bn, evidence)
        assert list(got) == [v for v in bn.variables if v not in evidence]
        for v in got:
            np.testing.assert_allclose(got[v], expected[v], rtol=0, atol=1e-12, err_msg=f"{network} {v} {evidence}")
        assert probability_of_evidence(bn, evidence) == pytest.approx(p_evidence, rel=1e-12)


def test_asia_hand_computed(asia):
    # lung depends on smoke only: P(lung=yes | smoke=yes) is the CPT entry.
    assert posterior_marginals(asia, {"smoke": "yes"}, ["lung"])["lung"] == pytest.approx([0.1, 0.9], abs=1e-15)
    assert posterior_marginals(asia, {"asia": "yes"}, ["tub"])["tub"] == pytest.approx([0.05, 0.95], abs=1e-15)
    # Prior: P(tub) = .01·.05 + .99·.01 = .0104, P(lung) = .5·.1 + .5·.01 = .055,
    # P(either) = 1 − (1 − .055)(1 − .0104) = .064828, P(xray) = .98·.064828 + .05·.935172.
    prior = posterior_marginals(asia)
    assert prior["tub"][0] == pytest.approx(0.0104, abs=1e-15)
    assert prior["either"][0] == pytest.approx(0.064828, abs=1e-15)
    assert prior["xray"][0] == pytest.approx(0.11029004, abs=1e-15)
    # Bayes: P(asia=yes | tub=yes) = .05·.01 / .0104.
    assert posterior_marginals(asia, {"tub": "yes"}, ["asia"])["asia"][0] == pytest.approx(0.0005 / 0.0104, rel=1e-13)
    assert probability_of_evidence(asia, {"tub": "yes"}) == pytest.approx(0.0104, rel=1e-13)
    assert probability_of_evidence(asia, {"smoke": 0, "lung": 0}) == pytest.approx(0.05, rel=1e-13)
    assert probability_of_evidence(asia, None) == 1.0


def test_evidence_by_name_or_index_agree(asia):
    by_name = posterior_marginals(asia, {"xray": "yes", "smoke": "no"})
    by_index = posterior_marginals(asia, {"xray": 0, "smoke": 1})
    assert by_name.keys() == by_index.keys()
    for v in by_name:
        np.testing.assert_array_equal(by_name[v], by_index[v])


def test_query_selects_and_orders_outputs(asia):
    got = posterior_marginals(asia, {"xray": "yes"}, query=["dysp", "xray", "tub"])
    assert list(got) == ["dysp", "xray", "tub"]
    np.testing.assert_array_equal(got["xray"], [1.0, 0.0])   # evidence: all mass on the observed state
    with pytest.raises(EvidenceError, match="unknown query variable 'cough'"):
        posterior_marginals(asia, {}, query=["cough"])


def test_bad_evidence_is_named(asia):
    with pytest.raises(EvidenceError, match="'maybe' is not a state of 'tub'"):
        posterior_marginals(asia, {"tub": "maybe"})
    with pytest.raises(EvidenceError, match="unknown variable 'cough'"):
        probability_of_evidence(asia, {"cough": "yes"})


def test_zero_probability_evidence_raises(asia):
    # either is the deterministic OR of lung and tub.
    with pytest.raises(EvidenceError, match="evidence has probability zero: either=yes, lung=no, tub=no"):
        posterior_marginals(asia, {"either": "yes", "lung": "no", "tub": "no"})
    assert probability_of_evidence(asia, {"either": "yes", "lung": "no", "tub": "no"}) == 0.0


def test_zero_probability_in_an_unrelated_part_is_still_caught():
    # A and Q are independent; A = a1 is impossible. Q's posterior alone would
    # look fine, but P(e) = 0, so the query must fail.
    bn = BayesNet(["A", "Q", "B"], {"A": ["a0", "a1"], "Q": ["q0", "q1"], "B": ["b0", "b1"]},
                  {"B": ["A"]},
                  {"A": np.array([1.0, 0.0]), "Q": np.array([0.4, 0.6]),
                   "B": np.array([[0.5, 0.5], [0.5, 0.5]])})
    with pytest.raises(EvidenceError, match="evidence has probability zero: B=b1, A=a1"):
        posterior_marginals(bn, {"B": "b1", "A": "a1"}, ["Q"])
    with pytest.raises(EvidenceError, match="evidence has probability zero: A=a1"):
        posterior_marginals(bn, {"A": 1}, ["Q"])


def test_tiny_but_positive_evidence_is_not_zero():
    # 400 independent roots observed at probability 0.1 each: P(e) = 1e-400
    # underflows a float, but the posterior of Q is still defined.
    roots = [f"R{i}" for i in range(400)]
    variables = ["Q", *roots]
    states = {v: ["yes", "no"] for v in variables}
    cpts = {v: np.array([0.1, 0.9]) for v in roots}
    cpts["Q"] = np.array([0.3, 0.7])
    bn = BayesNet(variables, states, {}, cpts)
    got = posterior_marginals(bn, {v: "yes" for v in roots})
    assert list(got) == ["Q"]
    np.testing.assert_allclose(got["Q"], [0.3, 0.7], rtol=0, atol=1e-15)


def test_barren_descendants_do_not_change_a_posterior(asia):
    # dysp and xray are descendants of nothing observed here; the answer is the CPT row.
    got = posterior_marginals(asia, {"bronc": "yes", "either": "no"}, ["dysp"])
    np.testing.assert_allclose(got["dysp"], asia.cpt["dysp"][0, 1], rtol=0, atol=1e-15)


LARGE = ["alarm", "hailfinder", "hepar2", "insurance", "water", "win95pts"]


@pytest.mark.parametrize("network", LARGE)
def test_large_networks_are_tractable_and_consistent(network, shared_bn_dir):
    bn = BayesNet.from_bif(shared_bn_dir / f"{network}.bif")
    evidence = evidence_sets(bn, seed=7, sizes=(4,))[1]
    start = time.perf_counter()
    marginals = posterior_marginals(bn, evidence)
    elapsed = time.perf_counter() - start
    # A guard against an exponential elimination order (these take ~0.1 s), with room
    # for a loaded CI machine; speed itself is measured in bench/, not here.
    assert elapsed < 20.0, f"{network}: all marginals took {elapsed:.2f} s"
    assert len(marginals) == len(bn.variables) - 4
    for v, p in marginals.items():
        assert p.shape == (bn.card(v),) and p.sum() == pytest.approx(1.0, abs=1e-12)
    # Independent check through a different path: P(X = k | e) = P(e, X = k) / P(e).
    p_evidence = probability_of_evidence(bn, evidence)
    assert p_evidence > 0
    for v in list(marginals)[::max(1, len(marginals) // 4)]:
        for k in range(bn.card(v)):
            joint_k = probability_of_evidence(bn, {**evidence, v: k})
            assert marginals[v][k] == pytest.approx(joint_k / p_evidence, rel=1e-11, abs=1e-15)
