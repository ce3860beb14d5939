"""Unsupervised learning of latency-coded patterns with a trace-based STDP rule that
stores relative spike latencies in the weights (in the style of W-TCRL, Fois &
Girau 2023).

Each input feature v ∈ [0, 1] spikes once, at step t_i = round((1 − v)(T − 1))
(`latency_encode`). Each input leaves a presynaptic trace x_i(t) = exp(−(t − t_i)/τ)
after its spike. The layer's K neurons integrate the traces; at the end of the
window, t_post = T, the neuron with the largest potential
u_j = Σ_i w_ji·x_i(t_post) − ½‖w_j‖² − θ_j fires and inhibits the others (winner-
take-all). On that post spike the winner's synapses move towards the traces:

    Δw_ji = η·(x_i(t_post) − w_ji)

so w_ji converges to exp(−(t_post − t_i)/τ): the weight is the relative latency
of input i to the post spike, and t̂_i = t_post + τ·ln w_ji reads it back
(`reconstruct`). The −½‖w_j‖² term makes the winner the neuron whose weights are
nearest to the traces; θ_j is a homeostatic threshold that rises when neuron j
wins more than its share (1/K) and falls otherwise, so no neuron stays silent.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .data import latency_encode

WEIGHT_FLOOR = 1e-6   # ln w stays finite


class LatencySTDP:
    """A winner-take-all layer of `n_neurons` learning `n_inputs`-feature latency codes
    over `steps` time steps; weights start uniform in [0.2, 0.8] from `seed`."""

    def __init__(self, n_inputs: int, n_neurons: int, steps: int, tau: float = 8.0, lr: float = 0.05,
                 homeostasis: float = 0.01, seed: int = 0):
        for name, value in (("n_inputs", n_inputs), ("n_neurons", n_neurons), ("steps", steps)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ModelError(f"{name} must be a positive integer, got {value!r}")
        if steps < 2:
            raise ModelError("a latency code needs at least 2 steps")
        if not (np.isfinite(tau) and tau > 0) or not (0 < lr <= 1) or homeostasis < 0:
            raise ModelError(f"need tau > 0, 0 < lr <= 1 and homeostasis >= 0; got {tau}, {lr}, {homeostasis}")
        self.n_inputs, self.n_neurons, self.steps = int(n_inputs), int(n_neurons), int(steps)
        self.tau, self.lr, self.homeostasis = float(tau), float(lr), float(homeostasis)
        self.weights = np.random.default_rng(seed).uniform(0.2, 0.8, (self.n_neurons, self.n_inputs))
        self.thresholds = np.zeros(self.n_neurons)

    @property
    def post_time(self) -> int:
        return self.steps

    def traces(self, values) -> np.ndarray:
        """x_i(t_post) of each sample, from the latency-coded spike trains: (samples, n_inputs)."""
        spikes = latency_encode(values, self.steps)
        if spikes.shape[2] != self.n_inputs:
            raise ModelError(f"patterns must have {self.n_inputs} features, got {spikes.shape[2]}")
        decay = np.exp(-(self.post_time - np.arange(self.steps)) / self.tau)
        return np.tensordot(decay, spikes, axes=(0, 0))

    def _potentials(self, traces: np.ndarray) -> np.ndarray:
        return traces @ self.weights.T - 0.5 * np.sum(self.weights ** 2, axis=1) - self.thresholds

    def winners(self, values) -> np.ndarray:
        """The neuron that fires for each pattern."""
        return np.argmax(self._potentials(self.traces(values)), axis=1)

    def train(self, values, epochs: int = 1, seed: int = 0) -> None:
        """Present the patterns one at a time (order shuffled per epoch by `seed`),
        applying the STDP update on each post spike."""
        traces = self.traces(values)
        rng = np.random.default_rng(seed)
        share = 1.0 / self.n_neurons
        for _ in range(epochs):
            for s in rng.permutation(traces.shape[0]):
                winner = int(np.argmax(self._potentials(traces[s])))
                self.weights[winner] += self.lr * (traces[s] - self.weights[winner])
                self.thresholds -= self.homeostasis * share
                self.thresholds[winner] += self.homeostasis

    def reconstruct(self, values) -> np.ndarray:
        """Each pattern decoded from its winner's weights: t̂_i = t_post + τ·ln w, then
        v̂ = 1 − t̂/(T − 1), clipped to [0, 1]."""
        w = np.maximum(self.weights[self.winners(values)], WEIGHT_FLOOR)
        times = self.post_time + self.tau * np.log(w)
        return np.clip(1.0 - times / (self.steps - 1), 0.0, 1.0)

    def reconstruction_error(self, values) -> float:
        """Root-mean-square error between the patterns and their reconstructions."""
        values = np.asarray(values, dtype=np.float64)
        return float(np.sqrt(np.mean((self.reconstruct(values) - values) ** 2)))
