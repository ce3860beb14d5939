"""Perception tasks from the SNN-sampling literature as small Bayesian networks.

Continuous quantities (a stimulus location, a noisy cue) are discretised onto
`n_bins` equal bins of `x_range`. A Gaussian becomes the probability mass it
puts in each bin, with the mass beyond the range folded into the two end bins,
so every CPT row sums to 1 by construction. State `b{i}` of a discretised
variable stands for the centre of bin i (see `bin_centres`).
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..errors import ModelError
from .bayesnet import BayesNet


def _check_bins(n_bins, x_range) -> tuple[float, float]:
    """Validate the binning; returns x_range as floats (low, high)."""
    if not isinstance(n_bins, (int, np.integer)) or isinstance(n_bins, bool) or n_bins < 2:
        raise ModelError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    try:
        low, high = (float(x) for x in x_range)
    except (TypeError, ValueError):
        raise ModelError(f"x_range must be a pair (low, high) of numbers, got {x_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ModelError(f"x_range must be (low, high) with finite low < high, got {x_range!r}")
    return low, high


def _check_sd(name: str, sd) -> None:
    if not np.isfinite(sd) or sd <= 0:
        raise ModelError(f"{name} must be finite and > 0, got {sd!r}")


def bin_edges(n_bins: int, x_range=(-5, 5)) -> np.ndarray:
    """The n_bins + 1 edges of the equal bins of x_range."""
    low, high = _check_bins(n_bins, x_range)
    return low + np.arange(n_bins + 1) * (high - low) / n_bins


def bin_centres(n_bins: int, x_range=(-5, 5)) -> np.ndarray:
    """The value each discretised state b0…b{n_bins−1} stands for."""
    low, high = _check_bins(n_bins, x_range)
    # Multiply before dividing: for ranges like (−5, 5) the middle centre is exactly 0.
    return low + (2 * np.arange(n_bins) + 1) * (high - low) / (2 * n_bins)


def _bin_states(n_bins: int) -> list[str]:
    return [f"b{i}" for i in range(n_bins)]


def _discretised_gaussian(means: np.ndarray, sd: float, edges: np.ndarray) -> np.ndarray:
    """Row r: mass of N(means[r], sd²) in each bin; the tails go to the end bins."""
    inner = ndtr((edges[None, 1:-1] - np.asarray(means, dtype=np.float64)[:, None]) / sd)
    cdf = np.concatenate((np.zeros((inner.shape[0], 1)), inner, np.ones((inner.shape[0], 1))), axis=1)
    return np.diff(cdf, axis=1)


def cue_combination(n_bins=15, prior_mean=0.0, prior_sd=2.0, cue_sds=(1.0, 1.5), cue_noise_levels=None,
                    x_range=(-5, 5)) -> BayesNet:
    """Optimal cue combination (Ernst & Banks 2002) as a Bayesian network.

    Latent S ~ N(prior_mean, prior_sd²); cue Ck ~ N(S, cue_sds[k−1]²), k = 1…K, all
    discretised onto the same bins. Given the cues, the posterior over S
    approximates the product-of-Gaussians combination
    (`cue_combination_gaussian_posterior`).

    `cue_noise_levels` (optional, factors > 0) models the experiment's varying
    stimulus noise: each cue Ck then gets a parent Nk with uniform prior over
    states level0…level{L−1}, and given Nk = level i its sd is
    cue_sds[k−1] · cue_noise_levels[i]. Observe Nk to tell the network how
    reliable cue k is on this trial.
    """
    _check_bins(n_bins, x_range)
    if not np.isfinite(prior_mean):
        raise ModelError(f"prior_mean must be finite, got {prior_mean!r}")
    _check_sd("prior_sd", prior_sd)
    cue_sds = tuple(cue_sds)
    if not cue_sds:
        raise ModelError("cue_sds must name at least one cue")
    for k, sd in enumerate(cue_sds, start=1):
        _check_sd(f"cue_sds[{k - 1}] (cue C{k})", sd)
    if cue_noise_levels is not None:
        cue_noise_levels = tuple(cue_noise_levels)
        if not cue_noise_levels:
            raise ModelError("cue_noise_levels, when given, must list at least one factor")
        for i, factor in enumerate(cue_noise_levels):
            _check_sd(f"cue_noise_levels[{i}]", factor)

    edges = bin_edges(n_bins, x_range)
    centres = bin_centres(n_bins, x_range)
    bins = _bin_states(n_bins)
    variables, states, parents = ["S"], {"S": bins}, {"S": []}
    cpts = {"S": _discretised_gaussian([prior_mean], prior_sd, edges)[0]}
    for k, sd in enumerate(cue_sds, start=1):
        cue = f"C{k}"
        if cue_noise_levels is None:
            parents[cue] = ["S"]
            cpts[cue] = _discretised_gaussian(centres, sd, edges)
        else:
            noise = f"N{k}"
            variables.append(noise)
            states[noise] = [f"level{i}" for i in range(len(cue_noise_levels))]
            parents[noise] = []
            cpts[noise] = np.full(len(cue_noise_levels), 1.0 / len(cue_noise_levels))
            parents[cue] = ["S", noise]
            cpts[cue] = np.stack([_discretised_gaussian(centres, sd * factor, edges)
                                  for factor in cue_noise_levels], axis=1)
        variables.append(cue)
        states[cue] = bins
    return BayesNet(variables, states, parents, cpts, name="cue_combination")


def cue_combination_gaussian_posterior(prior_mean, prior_sd, cue_values, cue_sds) -> tuple[float, float]:
    """Analytic posterior (mean, sd) of S given Gaussian cues: precisions add, and the
    mean is the precision-weighted average of the prior mean and the cue values.
    prior_sd = inf gives a flat prior."""
    cue_values = np.asarray(cue_values, dtype=np.float64).ravel()
    cue_sds = np.asarray(cue_sds, dtype=np.float64).ravel()
    if cue_values.size != cue_sds.size:
        raise ModelError(f"{cue_values.size} cue values but {cue_sds.size} cue sds")
    if not np.all(np.isfinite(cue_values)) or not np.isfinite(prior_mean):
        raise ModelError("prior_mean and cue values must be finite")
    if not prior_sd > 0:
        raise ModelError(f"prior_sd must be > 0, got {prior_sd!r}")
    for k, sd in enumerate(cue_sds):
        _check_sd(f"cue_sds[{k}]", sd)
    precisions = 1.0 / cue_sds ** 2
    prior_precision = 1.0 / prior_sd ** 2
    precision = prior_precision + precisions.sum()
    mean = (prior_precision * prior_mean + precisions @ cue_values) / precision
    return float(mean), float(precision ** -0.5)


def causal_inference(n_bins=9, p_common=0.5, sd_v=1.0, sd_a=2.0, sd_prior=3.0, x_range=(-6, 6)) -> BayesNet:
    """Causal inference in multisensory perception (Körding et al. 2007).

    C ∈ {common, separate} with P(common) = p_common. The visual source
    S_v ~ N(0, sd_prior²). Given C = common the auditory source is the same
    location (S_a = S_v); given C = separate it is an independent draw from the
    same prior. Cues X_v ~ N(S_v, sd_v²) and X_a ~ N(S_a, sd_a²). All locations are
    discretised onto the same bins. Observe X_v and X_a; query C, S_v or S_a.
    """
    _check_bins(n_bins, x_range)
    if not 0.0 <= p_common <= 1.0:
        raise ModelError(f"p_common must be a probability in [0, 1], got {p_common!r}")
    for name, sd in (("sd_v", sd_v), ("sd_a", sd_a), ("sd_prior", sd_prior)):
        _check_sd(name, sd)
    edges = bin_edges(n_bins, x_range)
    centres = bin_centres(n_bins, x_range)
    bins = _bin_states(n_bins)
    prior = _discretised_gaussian([0.0], sd_prior, edges)[0]
    # Axes (C, S_v, S_a): a copy of S_v if common, the prior again if separate.
    auditory_source = np.stack((np.eye(n_bins), np.tile(prior, (n_bins, 1))))
    return BayesNet(
        variables=["C", "S_v", "S_a", "X_v", "X_a"],
        states={"C": ["common", "separate"], "S_v": bins, "S_a": bins, "X_v": bins, "X_a": bins},
        parents={"C": [], "S_v": [], "S_a": ["C", "S_v"], "X_v": ["S_v"], "X_a": ["S_a"]},
        cpts={"C": np.array([p_common, 1.0 - p_common]),
              "S_v": prior,
              "S_a": auditory_source,
              "X_v": _discretised_gaussian(centres, sd_v, edges),
              "X_a": _discretised_gaussian(centres, sd_a, edges)},
        name="causal_inference",
    )
