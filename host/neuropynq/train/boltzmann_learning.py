"""Boltzmann learning whose negative phase runs on the `bm_sampler`.

`BoltzmannModel` holds the parameters of a Boltzmann machine over V visible and H
hidden binary units with visible–hidden weights and, optionally, lateral
visible–visible weights (no hidden–hidden weights): H > 0 without lateral weights
is an RBM, H = 0 with lateral weights a fully visible BM. Because hidden units are
conditionally independent given the visible ones, the data (positive) phase and
the exact log-likelihood are computed in closed form; only the model (negative)
phase needs sampling.

`ContrastiveDivergence` does gradient ascent on the log-likelihood:

    ∂ log L / ∂θ = ⟨∂(−E)/∂θ⟩_data − ⟨∂(−E)/∂θ⟩_model

with the model expectation taken over states recorded by `Sampler(...).sample`
on the current machine (hidden units Rao-Blackwellised: p(h | v) in place of h).
By default each update runs fresh chains from z = 0 with `burn_in` sweeps, a new
seed per update. With `persistent=True` (persistent contrastive divergence) each
update's chains start from the state the previous update's chains ended in (the
kernel's final state, sent back as the next RUN frame's initial state, docs/spec.md
§3.2): the chains keep up with the slowly changing model instead of restarting
far from it, so `burn_in` can be short. To get several independent chains from one
kernel run, the sampler runs `chains` disjoint copies of the machine side by side
(a block-diagonal W): the copies share no weight, so each is its own chain, and a
bipartite machine still takes two colours.

The sampler quantises weights and biases to Q5.10 in [−32, 32); learned values
are clipped to that range after every update, so the model always runs on the
kernel, and what the sampler draws from is the quantised machine.
"""
from __future__ import annotations

import copy
import time

import numpy as np
from scipy.special import expit, logsumexp

from ..errors import ModelError
from ..exact.enumeration import ENUMERATION_MAX, all_states
from ..models.boltzmann import BoltzmannMachine
from ..progress import Progress
from .history import History
from .optim import Adam
from .parameter import Parameter

Q510_MAX = 32.0 - 2.0 ** -10     # the largest Q5.10 value (32767 / 1024)
Q510_MIN = -32.0


def _check_visible(data, n_visible: int) -> np.ndarray:
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[1] != n_visible or data.shape[0] == 0:
        raise ModelError(f"data must be a (patterns, {n_visible}) array with patterns >= 1, got {data.shape}")
    if not np.all((data == 0) | (data == 1)):
        raise ModelError("data must be binary (0/1)")
    return data.astype(np.float64)


class BoltzmannModel:
    """Parameters W_vh (V, H), W_vv (V, V; zero unless `lateral`), b_v, b_h; the
    machine's neurons are the V visible units, then the H hidden units. Weights
    start ~ N(0, init_scale²) from `seed`, biases at 0."""

    def __init__(self, n_visible: int, n_hidden: int, lateral: bool = False, seed: int = 0,
                 init_scale: float = 0.01):
        if not isinstance(n_visible, (int, np.integer)) or n_visible < 1:
            raise ModelError(f"n_visible must be a positive integer, got {n_visible!r}")
        if not isinstance(n_hidden, (int, np.integer)) or n_hidden < 0:
            raise ModelError(f"n_hidden must be a non-negative integer, got {n_hidden!r}")
        if n_hidden == 0 and not lateral:
            raise ModelError("a machine without hidden units needs lateral weights (lateral=True)")
        self.n_visible, self.n_hidden, self.lateral = int(n_visible), int(n_hidden), bool(lateral)
        rng = np.random.default_rng(seed)
        limits = dict(low=Q510_MIN, high=Q510_MAX)
        self.W_vh = Parameter("W_vh", init_scale * rng.standard_normal((n_visible, n_hidden)), **limits)
        lateral_init = np.zeros((n_visible, n_visible))
        if lateral:
            upper = np.triu(init_scale * rng.standard_normal((n_visible, n_visible)), k=1)
            lateral_init = upper + upper.T
        self.W_vv = Parameter("W_vv", lateral_init, **limits)
        self.b_v = Parameter("b_v", np.zeros(n_visible), **limits)
        self.b_h = Parameter("b_h", np.zeros(n_hidden), **limits)

    def parameters(self) -> list[Parameter]:
        return [self.W_vh, self.b_v, self.b_h] + ([self.W_vv] if self.lateral else [])

    @property
    def n(self) -> int:
        return self.n_visible + self.n_hidden

    def machine(self) -> BoltzmannMachine:
        """The Boltzmann machine (visible units first) that the sampler runs."""
        v, n = self.n_visible, self.n
        W = np.zeros((n, n))
        W[:v, :v] = self.W_vv.value
        W[:v, v:] = self.W_vh.value
        W[v:, :v] = self.W_vh.value.T
        return BoltzmannMachine(W, np.concatenate((self.b_v.value, self.b_h.value)))

    def hidden_probabilities(self, visible: np.ndarray) -> np.ndarray:
        """p(h_j = 1 | v) for each row of `visible`."""
        return expit(visible @ self.W_vh.value + self.b_h.value)

    def log_unnormalised(self, visible: np.ndarray) -> np.ndarray:
        """log Σ_h exp(−E(v, h)) for each row of `visible` (the hidden sum in closed form)."""
        lateral = 0.5 * np.sum((visible @ self.W_vv.value) * visible, axis=1)
        hidden = np.logaddexp(0.0, visible @ self.W_vh.value + self.b_h.value).sum(axis=1)
        return visible @ self.b_v.value + lateral + hidden

    def log_likelihood(self, data) -> float:
        """Mean exact log p(v) over the rows of `data`, in nats (log Z by enumerating
        all 2^V visible states, V <= 20)."""
        if self.n_visible > ENUMERATION_MAX:
            raise ModelError(f"exact log-likelihood needs V <= {ENUMERATION_MAX} visible units, "
                             f"got {self.n_visible}")
        data = _check_visible(data, self.n_visible)
        log_z = logsumexp(self.log_unnormalised(all_states(self.n_visible).astype(np.float64)))
        return float(np.mean(self.log_unnormalised(data)) - log_z)

    def statistics(self, visible: np.ndarray) -> dict[str, np.ndarray]:
        """⟨∂(−E)/∂θ⟩ over the rows of `visible`, with p(h | v) for the hidden units."""
        p_h = self.hidden_probabilities(visible)
        m = visible.shape[0]
        stats = {"W_vh": visible.T @ p_h / m, "b_v": visible.mean(axis=0), "b_h": p_h.mean(axis=0)}
        if self.lateral:
            pairs = visible.T @ visible / m
            np.fill_diagonal(pairs, 0.0)
            stats["W_vv"] = pairs
        return stats


def replicated(machine: BoltzmannMachine, copies: int) -> BoltzmannMachine:
    """`copies` disjoint copies of `machine` (neurons of copy c at c·N … c·N + N − 1)."""
    return BoltzmannMachine(np.kron(np.eye(copies), machine.W), np.tile(machine.b, copies))


class ContrastiveDivergence:
    """Log-likelihood ascent (Adam) with the negative phase drawn by `sampler`: per
    update, `chains` independent chains of `burn_in` sweeps, then `sweeps` states
    each recorded every `thin` sweeps, refractory time `tau` (1 = Gibbs). The
    learning rate of update k is lr / (1 + k / decay_updates) (constant if
    `decay_updates` is None), and from update `average_from` on the parameters are
    also averaged over the updates (Polyak averaging, `averaged_model()`): the
    sampled gradient is noisy, and both average the noise out. `persistent`: each
    update's chains continue from where the previous update's ended (PCD)."""

    def __init__(self, model: BoltzmannModel, sampler, lr: float = 0.05, sweeps: int = 100,
                 burn_in: int = 20, thin: int = 1, tau: int = 1, chains: int = 1,
                 decay_updates: float | None = None, average_from: int | None = None,
                 persistent: bool = False):
        if not isinstance(chains, (int, np.integer)) or chains < 1:
            raise ModelError(f"chains must be a positive integer, got {chains!r}")
        n_max = sampler.backend.bm_limits().n_max
        if chains * model.n > n_max:
            raise ModelError(f"{chains} chains of {model.n} neurons need {chains * model.n} neurons; "
                             f"the {sampler.backend.name} backend runs at most {n_max}")
        self.model = model
        self.sampler = sampler
        self.optimiser = Adam(model.parameters(), lr=lr)
        self.lr = lr
        self.decay_updates = decay_updates
        self.average_from = average_from
        self._average: list[np.ndarray] | None = None
        self._averaged = 0
        self.sweeps, self.burn_in, self.thin, self.tau, self.chains = sweeps, burn_in, thin, tau, int(chains)
        self.persistent = bool(persistent)
        self.chain_state: np.ndarray | None = None   # the chains' last state (persistent only)
        self.updates = 0

    def model_statistics(self, seed: int) -> dict[str, np.ndarray]:
        """The negative phase: statistics of the sampler's recorded visible states."""
        run = self.sampler.sample(replicated(self.model.machine(), self.chains), sweeps=self.sweeps,
                                  burn_in=self.burn_in, tau=self.tau, seed=seed, thin=self.thin, record=True,
                                  init=self.chain_state)
        if self.persistent:
            self.chain_state = run.final_state
        per_chain = run.states.reshape(-1, self.chains, self.model.n)[:, :, :self.model.n_visible]
        return self.model.statistics(per_chain.reshape(-1, self.model.n_visible).astype(np.float64))

    def step(self, data, seed: int | None = None) -> None:
        """One update on the batch `data` (patterns, V); the chain's seed defaults to
        the update count, so a run is reproducible."""
        data = _check_visible(data, self.model.n_visible)
        positive = self.model.statistics(data)
        negative = self.model_statistics(self.updates if seed is None else seed)
        for p in self.model.parameters():
            p.grad[...] = negative[p.name] - positive[p.name]     # Adam descends −log L
        if self.decay_updates is not None:
            self.optimiser.lr = self.lr / (1.0 + self.updates / self.decay_updates)
        self.optimiser.step()
        self.updates += 1
        if self.average_from is not None and self.updates > self.average_from:
            self._accumulate_average()

    def _accumulate_average(self) -> None:
        values = [p.value for p in self.model.parameters()]
        if self._average is None:
            self._average = [v.copy() for v in values]
        else:
            for mean, v in zip(self._average, values):
                mean += (v - mean) / (self._averaged + 1)
        self._averaged += 1

    def averaged_model(self) -> BoltzmannModel:
        """A copy of the model holding the parameters averaged over the updates after
        `average_from` (still within the Q5.10 range: an average of clipped values)."""
        if self._average is None:
            raise ModelError(f"no averaged parameters: averaging starts after update {self.average_from} "
                             f"(None: off), {self.updates} updates done")
        averaged = copy.deepcopy(self.model)
        for p, mean in zip(averaged.parameters(), self._average):
            p.value[...] = mean
        return averaged

    def fit(self, data, updates: int, log_likelihood: bool = True) -> History:
        """`updates` calls of `step` on all of `data` (the same updates as calling it by
        hand); returns the History of each update's mean exact log-likelihood of `data`
        (V <= 20; with `log_likelihood=False` not computed) and its seconds. Progress
        is shown on a terminal or in a notebook when the run is long."""
        if not isinstance(updates, (int, np.integer)) or isinstance(updates, bool) or updates < 1:
            raise ModelError(f"updates must be a positive integer, got {updates!r}")
        data = _check_visible(data, self.model.n_visible)
        history = History("update", "Boltzmann learning")
        with Progress(updates, f"Boltzmann learning on {self.sampler.backend.name}") as progress:
            for _ in range(updates):
                start = time.perf_counter()
                self.step(data)
                figures = {"log_likelihood": self.model.log_likelihood(data)} if log_likelihood else {}
                history.append(**figures, seconds=time.perf_counter() - start)
                progress.advance()
        return history
