"""Three-factor Hebbian learning by the HSIC information bottleneck, with an
auxiliary working memory (Daruwalla & Lipasti, Front. Comput. Neurosci. 2024,
arXiv 2111.13187).

Every layer l (z = tanh(u), u = W x, x = the layer's input) is trained on its own
to minimise the HSIC bottleneck over a batch of N samples

    L_l = HSIC(X, Z_l) − γ·HSIC(Y, Z_l),    HSIC(A, B) = tr(K_A H K_B H) / (N − 1)²

(X the network input, Y the one-hot label, Gaussian kernels of width σ·√dim,
H = I − 11ᵀ/N); no error crosses layers. With C = H K_X H − γ·H K_Y H,

    dL/dW[a, b] = Σ_n ξ_n[a] · f'(u_n[a]) · x_n[b],
    ξ_n[a] = −2 / ((N − 1)² σ_z²) · Σ_m C[n, m] · K_Z[n, m] · (z_n[a] − z_m[a])

so the update for the current sample n is a local Hebbian term (postsynaptic
f'(u) × presynaptic x) times a modulator ξ_n that depends on the other N − 1
samples of the batch: the brain sees one sample at a time, so those must come
from a memory. `ExactMemory` holds them perfectly (the upper bound), a batch of
N = 2 is the prior two-sample rule (Pogodin & Latham 2020), and
`ReservoirMemory` is a fixed random recurrent network whose linear readouts are
trained beforehand by a reward-modulated Hebbian rule — on random inputs,
independently of any data set — to recall the last N − 1 inputs it was fed; its
size bounds the batch it can represent.

The neurons are the authors' leaky-integrator rate neurons (membrane u relaxing
towards W x + b, rate tanh(u), no spikes; see `IBHebbianNetwork`); the rule is
applied at every time step of a sample's presentation, with u the membrane then.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .layers import _require_size


def kernel_matrix(a: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian kernel exp(−|a_i − a_j|² / (2 σ² dim)) of the rows of a (N, dim)."""
    sq = np.sum(a * a, axis=1)
    distances = np.maximum(sq[:, None] + sq[None, :] - 2.0 * np.dot(a, a.T), 0.0)
    return np.exp(-distances / (2.0 * sigma ** 2 * a.shape[1]))


def _centred(k: np.ndarray) -> np.ndarray:
    return k - k.mean(axis=0, keepdims=True) - k.mean(axis=1, keepdims=True) + k.mean()


def hsic_bottleneck(x, y, z, gamma: float, sigmas: tuple[float, float, float]) -> float:
    """HSIC(X, Z) − γ·HSIC(Y, Z) of a batch (rows = samples)."""
    n = x.shape[0]
    kz = kernel_matrix(z, sigmas[2])
    return float(np.sum((_centred(kernel_matrix(x, sigmas[0])) - gamma * _centred(kernel_matrix(y, sigmas[1]))) * kz)
                 / (n - 1) ** 2)


def input_label_term(x, y, gamma: float, sigmas: tuple[float, float, float]) -> np.ndarray:
    """C = H K_X H − γ·H K_Y H (N, N): the part of the modulator that no layer changes."""
    return _centred(kernel_matrix(x, sigmas[0])) - gamma * _centred(kernel_matrix(y, sigmas[1]))


def modulators(x, y, z, gamma: float, sigmas: tuple[float, float, float]) -> np.ndarray:
    """ξ_n (N, neurons) for every sample n of the batch: dL/dW = Σ_n ξ_n ⊗ f'(u_n)·x_n."""
    n = x.shape[0]
    ck = input_label_term(x, y, gamma, sigmas) * kernel_matrix(z, sigmas[2])
    # Σ_m ck[n, m] (z_n − z_m) = z_n Σ_m ck[n, m] − (ck z)_n
    pull = z * ck.sum(axis=1, keepdims=True) - np.dot(ck, z)
    return -2.0 * pull / ((n - 1) ** 2 * sigmas[2] ** 2 * z.shape[1])


def last_modulator(c_last: np.ndarray, z: np.ndarray, sigma_z: float) -> np.ndarray:
    """ξ of the last sample (= modulators(...)[-1]) from the last row of C: only the
    current sample's kernel row K_Z[−1, m] is needed, O(N·neurons)."""
    n, dim = z.shape
    d = z[-1] - z
    ck = c_last * np.exp(-np.sum(d * d, axis=1) / (2.0 * sigma_z ** 2 * dim))
    return -2.0 * np.dot(ck, d) / ((n - 1) ** 2 * sigma_z ** 2 * dim)


# Inputs per block of the reward-modulated readout training (see ReservoirMemory.train).
_REWARD_BLOCK = 64


class ExactMemory:
    """Holds the last `capacity` samples exactly (the rule with a perfect working memory)."""

    def __init__(self, dim: int, capacity: int):
        self.dim = _require_size("dim", dim)
        self.capacity = _require_size("capacity", capacity)
        self.reset()

    def reset(self) -> None:
        self._items: list[np.ndarray] = []

    def recall(self) -> np.ndarray:
        """The remembered samples, oldest first, (count, dim)."""
        return np.array(self._items).reshape(-1, self.dim)

    def write(self, v: np.ndarray) -> None:
        self._items = (self._items + [np.asarray(v, dtype=np.float64)])[-self.capacity:]


class ReservoirMemory:
    """A linear echo-state working memory of `size` units: h ← ρ·Q h + U v with Q
    a random orthogonal matrix; readout k (k = 0 … capacity − 1) estimates the
    input written k writes before the last one. `train` learns the readouts
    beforehand, on a stream of uniform random vectors (no data set is involved),
    by the authors' reward-modulated Hebbian rule. Recall is good while
    capacity·dim stays below about `size`."""

    REWARDS = ("per_readout", "global")

    def __init__(self, dim: int, capacity: int, size: int, rho: float = 0.9, seed: int = 0):
        self.dim = _require_size("dim", dim)
        self.capacity = _require_size("capacity", capacity)
        self.size = _require_size("size", size)
        if not 0 < rho < 1:
            raise ModelError(f"rho must be in (0, 1), got {rho!r}")
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.standard_normal((self.size, self.size)))
        self.recurrent = rho * q
        self.encoder = rng.standard_normal((self.size, self.dim)) / np.sqrt(self.dim)
        self.readout = None
        self.reset()

    def reset(self) -> None:
        self.state = np.zeros(self.size)
        self._writes = 0

    def train(self, length: int = 60000, low: float = -1.0, high: float = 1.0, seed: int = 0,
              trials: int = 20, noise: float = 0.5, step: float = 0.1, filter_rate: float = 0.2,
              reward: str = "per_readout") -> float:
        """Learn the recall readouts W (z = Wᵀh) on `length` uniform random inputs by the
        reward-modulated Hebbian rule of the authors' code (Hoerzer et al. 2012;
        biological-hsic src/learning/rmhebb.jl): each written input is held for
        `trials` exploration steps, the readout adds uniform noise in ±`noise`,
        z = Wᵀh + ξ, and after each step

            P = −(z − target)²,   P̄ ← P̄ + r·(P − P̄),   z̄ ← z̄ + r·(z − z̄),
            M = [P > P̄],          ΔW = η · h ⊗ (M · (z − z̄))

        with r = `filter_rate` (Δt/τ of the low-pass filters) and η = `step` / E|h|²
        (the step relative to the states' size). `reward="global"` is the authors'
        form: one scalar P summed over all readouts; "per_readout" (the default)
        compares each readout unit's own error with its own filtered error — a
        single scalar cannot credit the capacity·dim readouts here (docs/train.md).
        The filters start each input at its first step's values. Returns the
        relative recall error on a fresh random stream."""
        if reward not in self.REWARDS:
            raise ModelError(f"reward must be one of {self.REWARDS}, got {reward!r}")
        length, trials = _require_size("length", length), _require_size("trials", trials)
        if not 0 < filter_rate <= 1:
            raise ModelError(f"filter_rate (Δt/τ of the low-pass filters) must be in (0, 1], got {filter_rate!r}")
        if not (step > 0 and noise > 0):
            raise ModelError(f"step and noise must be positive, got step={step!r}, noise={noise!r}")
        if length <= self.capacity:
            raise ModelError(f"length must exceed the capacity ({self.capacity}), got {length}")
        rng = np.random.default_rng(seed)
        inputs = rng.uniform(low, high, (length, self.dim))
        states = self._run(inputs)
        eta = step / np.mean(np.sum(states * states, axis=1))
        readout = np.zeros((self.size, self.capacity * self.dim))
        lags = np.arange(self.capacity)
        for first in range(self.capacity, length, _REWARD_BLOCK):
            # Exactly the online rule, a block of inputs at a time: within the block
            # W = W_block + η Σ_j h_j ⊗ d_j, so sample i reads h_i W_block (one matrix
            # product for the block) plus η Σ_j (h_i·h_j) d_j over the block's earlier samples.
            block = states[first:first + _REWARD_BLOCK]
            outputs, gram = np.dot(block, readout), eta * np.dot(block, block.T)
            changes = np.zeros_like(outputs)
            for i, h_output in enumerate(outputs):
                target = inputs[first + i - lags].ravel()
                output = h_output + np.dot(gram[i, :i], changes[:i])
                # The input is held for all trials: each trial moves the readout by η|h|²·d.
                for trial, noise_draw in enumerate(rng.uniform(-noise, noise, (trials, output.size))):
                    z = output + noise_draw
                    error = (z - target) ** 2
                    performance = -(error if reward == "per_readout" else np.sum(error, keepdims=True))
                    if trial == 0:
                        mean_z, mean_performance = z.copy(), performance.copy()
                    mean_performance += filter_rate * (performance - mean_performance)
                    mean_z += filter_rate * (z - mean_z)
                    change = (performance > mean_performance) * (z - mean_z)
                    changes[i] += change
                    output += gram[i, i] * change
            readout += eta * np.dot(block.T, changes)
        self.readout = readout
        test = rng.uniform(low, high, (max(4 * self.capacity, 1000), self.dim))
        warm = self.capacity
        recalled = np.dot(self._run(test)[warm:], readout)
        truth = np.hstack([test[warm - k:len(test) - k] for k in range(self.capacity)])
        return float(np.linalg.norm(recalled - truth) / np.linalg.norm(truth - truth.mean(axis=0)))

    def _run(self, inputs: np.ndarray) -> np.ndarray:
        states = np.empty((len(inputs), self.size))
        h = np.zeros(self.size)
        for i, v in enumerate(inputs):
            h = np.dot(self.recurrent, h) + np.dot(self.encoder, v)
            states[i] = h
        return states

    def recall(self) -> np.ndarray:
        if self.readout is None:
            raise ModelError("the reservoir memory must be trained (train()) before use")
        count = min(self._writes, self.capacity)
        recalled = np.dot(self.state, self.readout).reshape(self.capacity, self.dim)[:count]
        return recalled[::-1]                         # oldest first, as ExactMemory

    def write(self, v: np.ndarray) -> None:
        self.state = np.dot(self.recurrent, self.state) + np.dot(self.encoder, v)
        self._writes += 1


class IBHebbianNetwork:
    """Layers (with biases) of `sizes` (input first) of leaky-integrator rate neurons,
    trained layer by layer by the three-factor HSIC rule, one sample at a time; the
    modulator of sample n uses n and the N − 1 previous samples (x, one-hot y and
    every layer's z) recalled from `memory` (an `ExactMemory` or trained
    `ReservoirMemory` of dim = sizes[0] + classes + sum(sizes[1:]) and capacity N − 1).

    Neurons as in the authors' code (Daruwalla & Lipasti, github.com/darsnack/
    biological-hsic, src/networks/lif.jl): membrane u ← u + leak·(W x + b − u),
    rate z = tanh(u), no spikes. Every sample is presented for `presentation_steps`
    steps, the membranes carrying over from the previous sample, and the weights
    are updated at every step; the memory receives the sample's last-step activity.
    `presentation_steps=1, leak=1` is the instantaneous tanh network z = tanh(W x + b).
    Prediction: the nearest class centroid of the last layer's steady-state output
    (centroids from the training data; no backpropagation)."""

    def __init__(self, sizes: list[int], classes: int, memory, gamma: float = 2.0,
                 sigmas: tuple[float, float, float] = (1.0, 1.0, 1.0), lr: float = 0.05, seed: int = 0,
                 presentation_steps: int = 1, leak: float = 1.0):
        self.sizes = [_require_size("layer size", n) for n in sizes]
        if len(self.sizes) < 2:
            raise ModelError("an IB Hebbian network needs an input size and at least one layer")
        self.classes = _require_size("classes", classes)
        expected = self.sizes[0] + self.classes + sum(self.sizes[1:])
        if memory.dim != expected:
            raise ModelError(f"memory dim must be {expected} (input + classes + every layer's output), got {memory.dim}")
        self.memory = memory
        self.gamma, self.sigmas, self.lr = float(gamma), tuple(sigmas), float(lr)
        self.presentation_steps = _require_size("presentation_steps", presentation_steps)
        if not 0 < leak <= 1:
            raise ModelError(f"leak (time step / membrane time constant) must be in (0, 1], got {leak!r}")
        self.leak = float(leak)
        rng = np.random.default_rng(seed)
        # Last row of each weight matrix: the bias (a presynaptic input fixed at 1).
        # Without biases tanh layers are odd functions, and z(−x) = −z(x) could never
        # group a class made of antipodal clusters; random, not zero, so that
        # symmetric data do not hold them at the z(−x) = −z(x) saddle.
        self.weights = [np.vstack([rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), rng.standard_normal((1, n_out))])
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        self.centroids = None

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        """Every layer's input and steady-state output: [x, z_1, …, z_L] for rows x."""
        activity = [np.asarray(x, dtype=np.float64)]
        for w in self.weights:
            activity.append(np.tanh(np.dot(activity[-1], w[:-1]) + w[-1]))
        return activity

    def _split(self, v: np.ndarray) -> list[np.ndarray]:
        """A memory row → [x, y, z_1, …, z_L] columns."""
        bounds = np.cumsum([self.sizes[0], self.classes] + self.sizes[1:])[:-1]
        return np.split(v, bounds, axis=-1)

    def _step(self, x: np.ndarray, membranes: list[np.ndarray]) -> list[np.ndarray]:
        """One time step of the leaky membranes (updated in place) for input x: [x, z_1, …, z_L]."""
        activity = [x]
        for w, u in zip(self.weights, membranes):
            # (1 − leak)·u + leak·input: exactly the input when leak = 1.
            u *= 1.0 - self.leak
            u += self.leak * (np.dot(activity[-1], w[:-1]) + w[-1])
            activity.append(np.tanh(u))
        return activity

    def train_epoch(self, x: np.ndarray, y: np.ndarray, seed: int = 0) -> None:
        """One pass, one sample at a time in an order shuffled by `seed`."""
        onehot = np.eye(self.classes)[y]
        self.memory.reset()
        membranes = [np.zeros(n) for n in self.sizes[1:]]
        for n in np.random.default_rng(seed).permutation(len(x)):
            sample = np.asarray(x[n], dtype=np.float64)
            past = self._split(self.memory.recall())
            if len(past[0]):
                # x and y stay fixed during the presentation: their part of ξ once per sample.
                c_last = input_label_term(np.vstack([past[0], sample]), np.vstack([past[1], onehot[n]]),
                                          self.gamma, self.sigmas)[-1]
            for _ in range(self.presentation_steps):
                activity = self._step(sample, membranes)
                if len(past[0]):
                    for layer, w in enumerate(self.weights):
                        # Third factor ξ (global, from the memory) × local Hebbian term f'(u)·x_pre:
                        # the exact gradient of the bottleneck through this step's input current.
                        xi = last_modulator(c_last, np.vstack([past[2 + layer], activity[layer + 1]]), self.sigmas[2])
                        hebbian = np.outer(np.append(activity[layer], 1.0), 1.0 - activity[layer + 1] ** 2)
                        w -= self.lr * hebbian * xi
            self.memory.write(np.concatenate([sample, onehot[n]] + activity[1:]))
        self.centroids = np.array([self.forward(x[y == c])[-1].mean(axis=0) for c in range(self.classes)])

    def predict(self, x: np.ndarray) -> np.ndarray:
        if self.centroids is None:
            raise ModelError("train the network before predicting")
        out = self.forward(x)[-1]
        return np.argmin(np.sum((out[:, None, :] - self.centroids[None]) ** 2, axis=2), axis=1)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(x) == np.asarray(y)))
