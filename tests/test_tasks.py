import math

import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.exact.variable_elimination import posterior_marginals
from neuropynq.models.tasks import (bin_centres, bin_edges, causal_inference, cue_combination,
                                    cue_combination_gaussian_posterior)


def phi(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def enumerate_posterior(bn, evidence, query):
    """P(query | evidence) from the full joint table: the product of every CPT."""
    letter = {v: chr(ord("a") + i) for i, v in enumerate(bn.variables)}
    subscripts = ",".join("".join(letter[u] for u in bn.parents[v] + [v]) for v in bn.variables)
    joint = np.einsum(subscripts + "->" + "".join(letter[v] for v in bn.variables),
                      *(bn.cpt[v] for v in bn.variables))
    index = tuple(evidence.get(v, slice(None)) for v in bn.variables)
    kept = [v for v in bn.variables if v not in evidence]
    conditional = joint[index]
    marginal = conditional.sum(axis=tuple(i for i, v in enumerate(kept) if v != query))
    return marginal / marginal.sum()


def test_bins():
    np.testing.assert_allclose(bin_edges(4, (-2, 2)), [-2, -1, 0, 1, 2])
    np.testing.assert_allclose(bin_centres(4, (-2, 2)), [-1.5, -0.5, 0.5, 1.5])
    np.testing.assert_allclose(bin_centres(15), np.linspace(-5 + 1 / 3, 5 - 1 / 3, 15))


def test_cue_combination_structure_and_tables():
    bn = cue_combination()
    assert bn.variables == ["S", "C1", "C2"]
    assert bn.parents == {"S": [], "C1": ["S"], "C2": ["S"]}
    assert bn.states["S"] == [f"b{i}" for i in range(15)] == bn.states["C2"]
    edges = bin_edges(15, (-5, 5))
    centres = bin_centres(15, (-5, 5))
    # Prior N(0, 2²): an interior bin holds the mass between its edges, an end bin its whole tail.
    assert bn.cpt["S"][7] == pytest.approx(phi(edges[8] / 2) - phi(edges[7] / 2), rel=1e-12)
    assert bn.cpt["S"][0] == pytest.approx(phi(edges[1] / 2), rel=1e-12)
    assert bn.cpt["S"][14] == pytest.approx(1 - phi(edges[14] / 2), rel=1e-9)
    # Cue C2 given S in bin 3: N(centre_3, 1.5²) mass in bin 5.
    expected = phi((edges[6] - centres[3]) / 1.5) - phi((edges[5] - centres[3]) / 1.5)
    assert bn.cpt["C2"][3, 5] == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(bn.cpt["C1"].sum(axis=1), np.ones(15), rtol=1e-14)


def test_gaussian_posterior_hand_computed():
    # Precisions 1/4 + 1 + 4/9 = 61/36; mean (0/4 + 1/1 + 2·4/9)·36/61 = 68/61.
    mean, sd = cue_combination_gaussian_posterior(0.0, 2.0, [1.0, 2.0], [1.0, 1.5])
    assert mean == pytest.approx(68 / 61, rel=1e-14)
    assert sd == pytest.approx(math.sqrt(36 / 61), rel=1e-14)
    # A flat prior and one cue: the cue itself.
    assert cue_combination_gaussian_posterior(3.0, math.inf, [-1.0], [0.5]) == (-1.0, 0.5)


def _posterior_of_s(bn, evidence, centres):
    p = posterior_marginals(bn, evidence, ["S"])["S"]
    mean = centres @ p
    return p, mean, math.sqrt(((centres - mean) ** 2) @ p)


def test_cue_combination_posterior_mean_within_one_bin_for_every_cue_pair():
    bn = cue_combination()
    centres = bin_centres(15, (-5, 5))
    width = centres[1] - centres[0]
    for i in range(15):
        for j in range(15):
            _, mean, _ = _posterior_of_s(bn, {"C1": i, "C2": j}, centres)
            analytic, _ = cue_combination_gaussian_posterior(0.0, 2.0, [centres[i], centres[j]], [1.0, 1.5])
            assert abs(mean - analytic) < width, (i, j)


def test_fine_bins_approach_the_gaussian_combination():
    n_bins, x_range = 41, (-8, 8)
    bn = cue_combination(n_bins=n_bins, x_range=x_range)
    centres = bin_centres(n_bins, x_range)
    for i, j in [(15, 25), (20, 20), (12, 28), (27, 14)]:
        _, mean, sd = _posterior_of_s(bn, {"C1": i, "C2": j}, centres)
        analytic_mean, analytic_sd = cue_combination_gaussian_posterior(0.0, 2.0, [centres[i], centres[j]],
                                                                        [1.0, 1.5])
        assert mean == pytest.approx(analytic_mean, abs=0.03)
        assert sd == pytest.approx(analytic_sd, abs=0.01)


def test_cue_combination_matches_enumeration():
    bn = cue_combination(cue_sds=(1.0, 1.5, 0.7))
    evidence = {"C1": 4, "C2": 9, "C3": 6}
    np.testing.assert_allclose(posterior_marginals(bn, evidence, ["S"])["S"],
                               enumerate_posterior(bn, evidence, "S"), rtol=1e-10, atol=1e-15)


def test_noise_levels_reweight_the_cues():
    bn = cue_combination(cue_noise_levels=(1.0, 3.0))
    assert bn.variables == ["S", "N1", "C1", "N2", "C2"]
    assert bn.parents["C1"] == ["S", "N1"]
    assert bn.states["N2"] == ["level0", "level1"]
    centres = bin_centres(15, (-5, 5))
    cues = {"C1": 4, "C2": 10}   # centres −2 and +2
    plain, _, _ = _posterior_of_s(cue_combination(), cues, centres)
    same, _, _ = _posterior_of_s(bn, {**cues, "N1": 0, "N2": 0}, centres)
    np.testing.assert_allclose(same, plain, rtol=1e-12)
    _, mean_both_reliable, _ = _posterior_of_s(bn, {**cues, "N1": 0, "N2": 0}, centres)
    _, mean_c1_noisy, _ = _posterior_of_s(bn, {**cues, "N1": 1, "N2": 0}, centres)
    _, mean_c2_noisy, _ = _posterior_of_s(bn, {**cues, "N1": 0, "N2": 1}, centres)
    # The noisier cue loses weight, so the estimate moves toward the other cue.
    assert mean_c1_noisy > mean_both_reliable + 0.5
    assert mean_c2_noisy < mean_both_reliable - 0.5
    # Unobserved noise level: a mixture, between the two.
    _, mean_c1_unknown, _ = _posterior_of_s(bn, {**cues, "N2": 0}, centres)
    assert mean_both_reliable < mean_c1_unknown < mean_c1_noisy


def test_causal_inference_structure():
    bn = causal_inference()
    assert bn.variables == ["C", "S_v", "S_a", "X_v", "X_a"]
    assert bn.states["C"] == ["common", "separate"]
    assert bn.parents["S_a"] == ["C", "S_v"]
    # Common cause: the auditory source is the visual one; separate: a fresh prior draw.
    np.testing.assert_array_equal(bn.cpt["S_a"][0], np.eye(9))
    np.testing.assert_array_equal(bn.cpt["S_a"][1, 3], bn.cpt["S_v"])
    np.testing.assert_allclose(bn.cpt["C"], [0.5, 0.5])


def test_common_cause_is_likelier_when_cues_agree():
    bn = causal_inference()
    def p_common(x_v, x_a):
        return posterior_marginals(bn, {"X_v": x_v, "X_a": x_a}, ["C"])["C"][0]
    assert p_common(4, 4) > p_common(4, 5) > p_common(2, 6) > p_common(0, 8)
    assert p_common(4, 4) > 0.5 > p_common(2, 6)


@pytest.mark.parametrize("evidence", [{"X_v": 4, "X_a": 4}, {"X_v": 1, "X_a": 7}, {"X_v": 6, "X_a": 3}])
def test_causal_inference_matches_enumeration(evidence):
    bn = causal_inference(p_common=0.3)
    for query in ("C", "S_v", "S_a"):
        np.testing.assert_allclose(posterior_marginals(bn, evidence, [query])[query],
                                   enumerate_posterior(bn, evidence, query), rtol=1e-10, atol=1e-15)


def test_causal_inference_approaches_kording_formula():
    """Körding et al. 2007, eqs. 4–5 (prior mean 0), evaluated at the cue bins' centres."""
    sd_v, sd_a, sd_p, p_c = 1.0, 2.0, 3.0, 0.5
    n_bins, x_range = 41, (-12, 12)
    bn = causal_inference(n_bins=n_bins, p_common=p_c, sd_v=sd_v, sd_a=sd_a, sd_prior=sd_p, x_range=x_range)
    centres = bin_centres(n_bins, x_range)
    for i, j in [(20, 20), (18, 23), (15, 26), (22, 13)]:
        x_v, x_a = centres[i], centres[j]
        var_common = sd_v**2 * sd_a**2 + sd_v**2 * sd_p**2 + sd_a**2 * sd_p**2
        like_common = math.exp(-0.5 * ((x_v - x_a)**2 * sd_p**2 + x_v**2 * sd_a**2 + x_a**2 * sd_v**2)
                               / var_common) / (2 * math.pi * math.sqrt(var_common))
        like_separate = (math.exp(-0.5 * (x_v**2 / (sd_v**2 + sd_p**2) + x_a**2 / (sd_a**2 + sd_p**2)))
                         / (2 * math.pi * math.sqrt((sd_v**2 + sd_p**2) * (sd_a**2 + sd_p**2))))
        expected = p_c * like_common / (p_c * like_common + (1 - p_c) * like_separate)
        got = posterior_marginals(bn, {"X_v": i, "X_a": j}, ["C"])["C"][0]
        assert got == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("build, kwargs, message", [
    (cue_combination, dict(n_bins=1), "n_bins must be an integer >= 2"),
    (cue_combination, dict(x_range=(3, -3)), "finite low < high"),
    (cue_combination, dict(x_range=(0, 1, 2)), r"pair \(low, high\) of numbers"),
    (causal_inference, dict(x_range=(-np.inf, 1)), "finite low < high"),
    (cue_combination, dict(prior_sd=0.0), "prior_sd must be finite and > 0"),
    (cue_combination, dict(cue_sds=()), "at least one cue"),
    (cue_combination, dict(cue_sds=(1.0, -2.0)), r"cue_sds\[1\] \(cue C2\)"),
    (cue_combination, dict(cue_noise_levels=(1.0, 0.0)), r"cue_noise_levels\[1\]"),
    (causal_inference, dict(p_common=1.2), r"p_common must be a probability in \[0, 1\]"),
    (causal_inference, dict(sd_a=np.inf), "sd_a must be finite and > 0"),
    (causal_inference, dict(n_bins=2.5), "n_bins must be an integer"),
])
def test_bad_parameters(build, kwargs, message):
    with pytest.raises(ModelError, match=message):
        build(**kwargs)


def test_gaussian_posterior_rejects_mismatched_cues():
    with pytest.raises(ModelError, match="2 cue values but 1 cue sds"):
        cue_combination_gaussian_posterior(0.0, 1.0, [1.0, 2.0], [1.0])
    with pytest.raises(ModelError, match=r"cue_sds\[0\] must be finite and > 0"):
        cue_combination_gaussian_posterior(0.0, 1.0, [1.0], [0.0])
