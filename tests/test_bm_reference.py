import math

import numpy as np
import pytest

from neuropynq.errors import KernelError, ParameterError
from neuropynq.framing import MAGIC_BM, MAGIC_OUT, SPEC_VERSION, Status, parse_output
from neuropynq.kernels.bm_model import BMKernelModel, info_frame, parse_info
from neuropynq.limits import BMLimits
from neuropynq.luts import LNTAU_LUT, SIGMOID_LUT
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bm_sampler
from neuropynq.rng import next_scalar, seed_state


def scalar_kernel(model, sweeps, burn_in, thin, tau, seed, init=None, final=None):
    """Spec §3 written out neuron by neuron, with Python ints and the scalar RNG; the
    final ζ of every neuron goes into the list `final` if given."""
    n = model.n
    free = [k for k in range(n) if not model.clamp_mask[k]]
    rng = {k: list(seed_state(seed, k)) for k in free}
    zeta = [int(model.clamp_value[k]) if model.clamp_mask[k] else (0 if init is None else int(init[k]))
            for k in range(n)]
    z = [int(v >= 1) for v in zeta]
    spikes = [0] * n
    states = []
    bounds = [0] + model.colour_end.tolist()
    for t in range(burn_in + sweeps * thin):
        draw = {k: next_scalar(rng[k]) for k in free}      # one draw per free neuron per sweep
        for c in range(len(bounds) - 1):
            before = list(z)                               # Jacobi inside a colour
            colour = [int(k) for k in model.order[bounds[c]:bounds[c + 1]] if k in draw]
            for k in colour:
                u = int(model.b_q[k]) + sum(int(model.W_q[k, j]) * before[j] for j in range(n))
                idx = min(max(((u - int(LNTAU_LUT[tau])) >> 4) + 512, 0), 1023)
                if zeta[k] <= 1:
                    fired = (draw[k] >> 8) < int(SIGMOID_LUT[idx])
                    zeta[k] = tau if fired else 0
                    spikes[k] += fired and t >= burn_in
                else:
                    zeta[k] -= 1
            for k in colour:
                z[k] = int(zeta[k] >= 1)
        if t >= burn_in and (t - burn_in + 1) % thin == 0:
            states.append(list(z))
    if final is not None:
        final[:] = zeta
    return np.array(states, dtype=np.uint8).reshape(-1, n), np.array(spikes)


def assert_same(counts, states, spikes):
    assert np.array_equal(counts.states, states)
    assert np.array_equal(counts.on_counts, states.sum(axis=0))
    assert np.array_equal(counts.spike_counts, spikes)


def model_of(W_q, b_q, order, colour_end, clamp=None):
    """A kernel model straight from integers (bypassing `build`: any schedule)."""
    n = len(b_q)
    mask = np.zeros(n, dtype=bool)
    value = np.zeros(n, dtype=np.uint8)
    for k, v in (clamp or {}).items():
        mask[k], value[k] = True, v
    return BMKernelModel(n, np.array(W_q, dtype=np.int64), np.array(b_q, dtype=np.int64),
                         np.array(order), np.array(colour_end), mask, value)


def both_engines(model, sweeps, burn_in, thin, tau, seed, record=True, init=None):
    scalar = bm_sampler.simulate(model, sweeps, burn_in, thin, tau, seed, record, vector=False, init=init)
    vector = bm_sampler.simulate(model, sweeps, burn_in, thin, tau, seed, record, vector=True, init=init)
    for a, b in ((scalar.on_counts, vector.on_counts), (scalar.spike_counts, vector.spike_counts),
                 (scalar.final_state, vector.final_state)):
        assert np.array_equal(a, b)
    assert (scalar.states is None) == (vector.states is None)
    if record:
        assert np.array_equal(scalar.states, vector.states)
    return scalar


def test_single_neuron_is_a_coin_with_the_lut_probability():
    model = BMKernelModel.build(BoltzmannMachine([[0.0]], [0.0]))
    level = int(SIGMOID_LUT[512])                  # u = 0, tau = 1: index (0 >> 4) + 512
    assert level == round(2 ** 24 / (1 + math.exp(-0.5 / 64)))
    s = list(seed_state(42, 0))
    expected = [int((next_scalar(s) >> 8) < level) for _ in range(3 + 40)][3:]   # 3 burn-in
    counts = bm_sampler.sample(model, 40, 3, 1, 1, 42, True)
    assert counts.states[:, 0].tolist() == expected
    assert counts.spike_counts[0] == sum(expected)      # tau = 1: every on-state is a spike
    assert 5 < sum(expected) < 35


def test_two_coupled_neurons_by_hand():
    # W01 = 1, b = (-0.5, 0.25): u0 = -512 + 1024 z1, u1 = 256 + 1024 z0 (after z0's update).
    model = BMKernelModel.build(BoltzmannMachine([[0, 1.0], [1.0, 0]], [-0.5, 0.25]))
    assert model.order.tolist() == [0, 1] and model.colour_end.tolist() == [1, 2]
    index0 = {0: (-512 >> 4) + 512, 1: (512 >> 4) + 512}       # 480, 544
    index1 = {0: (256 >> 4) + 512, 1: (1280 >> 4) + 512}       # 528, 592
    s0, s1 = list(seed_state(9, 0)), list(seed_state(9, 1))
    z0 = z1 = 0
    expected = []
    for _ in range(30):
        r0, r1 = next_scalar(s0), next_scalar(s1)
        z0 = int((r0 >> 8) < SIGMOID_LUT[index0[z1]])
        z1 = int((r1 >> 8) < SIGMOID_LUT[index1[z0]])
        expected.append([z0, z1])
    counts = bm_sampler.sample(model, 30, 0, 1, 1, 9, True)
    assert counts.states.tolist() == expected
    assert counts.spike_counts.tolist() == np.sum(expected, axis=0).tolist()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("tau", [1, 3])
def test_reference_equals_the_scalar_rewrite_of_the_spec(seed, tau):
    bm = BoltzmannMachine.random(7, seed, density=0.6, weight_scale=1.5)
    model = BMKernelModel.build(bm, clamp={4: 1})
    states, spikes = scalar_kernel(model, 40, 5, 2, tau, seed)
    assert_same(both_engines(model, 40, 5, 2, tau, seed), states, spikes)


@pytest.mark.parametrize("tau", [2, 3, 5])
def test_refractory_neuron_stays_on_for_tau_sweeps_per_spike(tau):
    # A lone neuron: each spike holds z = 1 for exactly tau sweeps (zeta = tau, ..., 1), then
    # it may fire again. So every run of ones has a length that is a multiple of tau, with
    # one spike per tau sweeps of it.
    model = BMKernelModel.build(BoltzmannMachine([[0.0]], [1.0]))
    counts = bm_sampler.sample(model, 2000, 0, 1, tau, 5, True)
    z = counts.states[:, 0].tolist()
    runs, length = [], 0
    for bit in z + [0]:
        if bit:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    complete = runs[:-1] if z[-1] else runs      # the last run may be cut by the end
    assert complete and all(r % tau == 0 for r in complete)
    assert any(r > tau for r in complete)        # back-to-back spikes chain
    spikes_in_complete = sum(r // tau for r in complete)
    last_run = runs[-1] if z[-1] else 0
    assert spikes_in_complete <= counts.spike_counts[0] <= spikes_in_complete + -(-last_run // tau)
    states, spikes = scalar_kernel(model, 2000, 0, 1, tau, 5)
    assert_same(counts, states, spikes)


def test_saturated_neurons_with_refractoriness():
    # b = +31: index 1023, fires at every chance (unless r >> 8 >= LUT[1023]): spikes at
    # sweeps 1, 1 + tau, ...; b = -31: never fires.
    model = BMKernelModel.build(BoltzmannMachine(np.zeros((2, 2)), [31.0, -31.0]))
    counts = bm_sampler.sample(model, 100, 0, 1, 4, 3, True)
    assert counts.states[:, 0].all() and not counts.states[:, 1].any()
    assert counts.spike_counts.tolist() == [25, 0]
    assert counts.on_counts.tolist() == [100, 0]


def test_clamped_neurons_never_change_and_draw_nothing():
    # Two separate pairs 0-1 and 2-3; clamping 3 leaves 0 and 1 exactly as they were.
    W = np.zeros((4, 4))
    W[0, 1] = W[1, 0] = 0.8
    W[2, 3] = W[3, 2] = -1.2
    bm = BoltzmannMachine(W, [0.1, -0.3, 0.2, 0.4])
    free_run = bm_sampler.sample(BMKernelModel.build(bm), 300, 10, 1, 2, 77, True)
    for value in (0, 1):
        clamped = both_engines(BMKernelModel.build(bm, clamp={3: value}), 300, 10, 1, 2, 77)
        assert np.array_equal(clamped.states[:, :2], free_run.states[:, :2])
        assert np.array_equal(clamped.spike_counts[:2], free_run.spike_counts[:2])
        assert (clamped.states[:, 3] == value).all()
        assert clamped.on_counts[3] == 300 * value and clamped.spike_counts[3] == 0
        # Neuron 2 feels the clamp through W23 = -1.2 but keeps its own stream.
        states, spikes = scalar_kernel(BMKernelModel.build(bm, clamp={3: value}), 300, 10, 1, 2, 77)
        assert_same(clamped, states, spikes)


def test_all_neurons_clamped():
    bm = BoltzmannMachine([[0, 1.0], [1.0, 0]], [0, 0])
    counts = bm_sampler.sample(BMKernelModel.build(bm, clamp={0: 1, 1: 0}), 5, 2, 1, 1, 0, True)
    assert counts.states.tolist() == [[1, 0]] * 5
    assert counts.on_counts.tolist() == [5, 0] and counts.spike_counts.tolist() == [0, 0]


def test_seeds_runs_burn_in_and_thinning_are_consistent():
    model = BMKernelModel.build(BoltzmannMachine.random(9, 4, density=0.5))
    a = bm_sampler.sample(model, 200, 0, 1, 2, 123, True)
    again = bm_sampler.sample(model, 200, 0, 1, 2, 123, True)
    other = bm_sampler.sample(model, 200, 0, 1, 2, 124, True)
    assert np.array_equal(a.states, again.states) and np.array_equal(a.spike_counts, again.spike_counts)
    assert not np.array_equal(a.states, other.states)
    # A shorter run is a prefix; burn-in drops leading states; thinning keeps every thin-th.
    assert np.array_equal(bm_sampler.sample(model, 50, 0, 1, 2, 123, True).states, a.states[:50])
    assert np.array_equal(bm_sampler.sample(model, 60, 40, 1, 2, 123, True).states, a.states[40:100])
    thinned = bm_sampler.sample(model, 40, 20, 4, 2, 123, True)
    assert np.array_equal(thinned.states, a.states[23:180:4])
    assert np.array_equal(thinned.on_counts, a.states[23:180:4].sum(axis=0))
    no_record = bm_sampler.sample(model, 200, 0, 1, 2, 123, False)
    assert no_record.states is None and np.array_equal(no_record.on_counts, a.on_counts)


def test_colour_updates_are_simultaneous():
    # Neurons 0 and 1 are coupled but share one colour: both read z from before the colour.
    W_q = [[0, 4096], [4096, 0]]
    b_q = [-2048, -2048]
    jacobi = model_of(W_q, b_q, [0, 1], [2])
    sequential = model_of(W_q, b_q, [0, 1], [1, 2])
    for model in (jacobi, sequential):
        states, spikes = scalar_kernel(model, 200, 0, 1, 1, 8)
        assert_same(both_engines(model, 200, 0, 1, 1, 8), states, spikes)
    simultaneous = bm_sampler.sample(jacobi, 200, 0, 1, 1, 8, True)
    in_turn = bm_sampler.sample(sequential, 200, 0, 1, 1, 8, True)
    assert not np.array_equal(simultaneous.states, in_turn.states)
    # The first sweep from z = 0: neuron 1 sees z0 = 0 under Jacobi, whatever 0 did.
    s1 = list(seed_state(8, 1))
    assert simultaneous.states[0, 1] == int((next_scalar(s1) >> 8) < SIGMOID_LUT[(-2048 >> 4) + 512])


@pytest.mark.parametrize("seed", [0, 1])
def test_engines_agree_on_random_schedules_and_asymmetric_weights(seed):
    rng = np.random.default_rng(seed)
    n = 24
    W_q = rng.integers(-3000, 3000, (n, n)) * (rng.random((n, n)) < 0.3)
    np.fill_diagonal(W_q, 0)
    order = rng.permutation(n)
    colour_end = np.sort(rng.choice(np.arange(1, n), 4, replace=False)).tolist() + [n]
    model = model_of(W_q, rng.integers(-3000, 3000, n), order, colour_end, clamp={3: 1, 17: 0})
    states, spikes = scalar_kernel(model, 30, 3, 2, 3, seed)
    assert_same(both_engines(model, 30, 3, 2, 3, seed), states, spikes)


def test_run_frame_matches_sample_word_for_word():
    bm = BoltzmannMachine.random(40, 6, density=0.2)
    model = BMKernelModel.build(bm, clamp={0: 1, 35: 0})
    out = bm_sampler.run_frame(model.run_frame(25, 4, 3, 2, (1 << 40) + 3, True))
    assert out[:3].tolist() == [MAGIC_OUT, Status.OK, 25 * 2 + 80 + 10]   # states, counts, final ζ
    counts = model.unpack(parse_output(out), 25, True)
    direct = bm_sampler.sample(model, 25, 4, 3, 2, (1 << 40) + 3, True)
    assert np.array_equal(counts.states, direct.states)
    assert np.array_equal(counts.on_counts, direct.on_counts)
    assert np.array_equal(counts.spike_counts, direct.spike_counts)
    assert np.array_equal(counts.final_state, direct.final_state)
    bare = bm_sampler.run_frame(model.run_frame(25, 4, 3, 2, (1 << 40) + 3, False))
    assert np.array_equal(bare[3:], out[3 + 50:]) and bare[2] == 90


def test_info_reports_the_builds_lanes_and_limits():
    limits = BMLimits(n_max=256, tau_max=64, sparse_n_max=512, d_max=8)
    out = bm_sampler.run_frame(info_frame(), lanes=4, limits=limits)
    assert out.tolist() == [MAGIC_OUT, 0, 6, SPEC_VERSION, 4, 256, 64, 512, 8]
    assert parse_info(parse_output(out)) == (limits, 4)
    # the ref build: the spec's limits, dense and sparse (§3.4)
    assert bm_sampler.run_frame(info_frame()).tolist() == [MAGIC_OUT, 0, 6, SPEC_VERSION, 1, 1024, 255, 1024, 16]


# --- malformed frames (spec §4.5) ---------------------------------------------------------

def small_frame(**params):
    """The RUN frame of a 3-neuron machine (N at word 3, C at 4, b 5-7, W 8-12, order 13-15,
    colour_end 16-17, mask 18, values 19, parameters 20-26)."""
    W = [[0, 0.5, -1], [0.5, 0, 0], [-1, 0, 0]]
    model = BMKernelModel.build(BoltzmannMachine(W, [0.25, -2, 1]))
    args = dict(sweeps=3, burn_in=1, thin=2, tau=4, seed=7, record=True) | params
    return model.run_frame(**args)


def status_of(words, last=None, limits=BMLimits()):
    out = bm_sampler.run_frame(np.asarray(words, dtype=np.uint32), last, limits=limits)
    assert out.size == 3 or out[1] == Status.OK           # errors carry no payload
    assert out[0] == MAGIC_OUT and out[2] == out.size - 3
    return Status(int(out[1]))


def with_word(frame, index, value):
    frame = frame.copy()
    frame[index] = value
    return frame


def test_well_formed_frame_is_ok():
    assert status_of(small_frame()) == Status.OK


@pytest.mark.parametrize("index, value, status", [
    (0, MAGIC_BM + 1, Status.BAD_MAGIC),
    (0, 0x4E50424E, Status.BAD_MAGIC),         # a bn_sampler frame
    (1, 1, Status.BAD_VERSION),                # spec version 1: no INIT, no final state
    (2, 0, Status.BAD_OPCODE),
    (2, 4, Status.BAD_OPCODE),                 # 3 is RUN_SPARSE (§4.3.1)
    (3, 0, Status.LIMIT),                      # N = 0
    (3, 1025, Status.LIMIT),                   # N > N_MAX
    (4, 0, Status.LIMIT),                      # C = 0
    (4, 4, Status.LIMIT),                      # C > N
    (13, 3, Status.BAD_MODEL),                 # order value >= N
    (14, 0, Status.BAD_MODEL),                 # order repeats 0
    (16, 0, Status.BAD_MODEL),                 # empty first colour
    (16, 3, Status.BAD_MODEL),                 # colour_end not increasing (3, 3)
    (16, 4, Status.BAD_MODEL),                 # beyond N
    (17, 2, Status.BAD_MODEL),                 # does not end at N
    (20, 0, Status.BAD_PARAMS),                # sweeps = 0
    (22, 0, Status.BAD_PARAMS),                # thin = 0
    (23, 0, Status.BAD_PARAMS),                # tau = 0
    (23, 256, Status.BAD_PARAMS),              # tau > TAU_MAX
])
def test_each_bad_word_gives_its_status(index, value, status):
    assert status_of(with_word(small_frame(), index, value)) == status


def test_sweep_total_and_record_limits_are_bad_params():
    frame = small_frame()
    frame[20:23] = [1 << 16, (1 << 32) - 1, 1 << 16]       # sweeps*thin = 2^32: spike counts could wrap
    assert status_of(frame) == Status.BAD_PARAMS
    frame[22] = (1 << 16) - 1                               # 2^32 - 2^16: accepted so far
    assert status_of(frame[:-1]) == Status.SHORT_FRAME     # (cut so it does not run)
    big = np.concatenate([small_frame()[:3], [33, 1]])     # N = 33: 2 words per state
    words = np.concatenate([big, np.zeros(33 + 545 + 33 + 1 + 4, dtype=np.uint32),
                            [1 << 30, 0, 1, 1, 0, 0, 1]]).astype(np.uint32)
    words[5 + 33 + 545:5 + 33 + 545 + 33] = np.arange(33)  # order
    words[5 + 33 + 545 + 33] = 33                          # colour_end
    assert status_of(words) == Status.BAD_PARAMS           # 2^31 recorded words with RECORD
    assert status_of(with_word(words, -1, 0)[:-1]) == Status.SHORT_FRAME   # fine without


def test_the_builds_limits_apply():
    assert status_of(small_frame(), limits=BMLimits(n_max=2)) == Status.LIMIT
    assert status_of(small_frame(), limits=BMLimits(tau_max=3)) == Status.BAD_PARAMS
    assert status_of(small_frame(tau=3), limits=BMLimits(tau_max=3)) == Status.OK


@pytest.mark.parametrize("cut", [1, 2, 3, 5, 9, 14, 17, 19, 24, 26])
def test_truncated_frames_are_short(cut):
    assert status_of(small_frame()[:cut]) == Status.SHORT_FRAME


def test_early_tlast_is_short_and_missing_tlast_on_the_last_word_is_long():
    frame = small_frame()
    last = np.zeros(frame.size + 2, dtype=bool)
    last[-1] = True
    assert status_of(np.append(frame, [0, 0]), last) == Status.LONG_FRAME
    assert status_of(np.append(info_frame(), 0)) == Status.LONG_FRAME
    assert status_of(info_frame()[:2]) == Status.SHORT_FRAME


def test_a_words_value_is_checked_before_its_tlast():
    assert status_of([0x12345678]) == Status.BAD_MAGIC
    assert status_of(small_frame()[:4] * np.array([1, 1, 1, 0], dtype=np.uint32)) == Status.LIMIT
    assert status_of(with_word(small_frame(), 13, 5)[:14]) == Status.BAD_MODEL
    assert status_of(small_frame(record=False)[:-1]) == Status.SHORT_FRAME


def test_ignored_bits_do_not_change_the_answer():
    frame = small_frame()
    reference = bm_sampler.run_frame(frame)
    noisy = frame.copy()
    noisy[5:8] |= np.uint32(0xABCD0000)     # upper halves of b
    noisy[13:18] |= np.uint32(0x00070000)   # upper halves of order and colour_end
    noisy[18] |= np.uint32(0xFFFFFFF8)      # mask bits past N
    noisy[19] |= np.uint32(0b011)           # values of unclamped neurons
    noisy[12] |= np.uint32(0x12340000)      # the unused half of the last W word
    noisy[26] |= np.uint32(0xF0)            # flag bits other than RECORD
    assert np.array_equal(bm_sampler.run_frame(noisy), reference)


def test_streams_that_are_not_one_frame_are_refused():
    frame = small_frame()
    with pytest.raises(KernelError, match="no TLAST"):
        bm_sampler.run_frame(frame, np.zeros(frame.size, dtype=bool))
    with pytest.raises(KernelError, match="follow the TLAST"):
        bm_sampler.run_frame(frame, np.arange(frame.size) == 5)
    with pytest.raises(KernelError, match="no TLAST"):
        bm_sampler.run_frame([])



# --- initial and final state (spec v2) -----------------------------------------

INIT_WORD = 27          # small_frame with INIT: flags at 26, the initial state at 27 (N = 3: one word)


def test_an_initial_state_starts_the_chain_and_the_final_state_ends_it():
    rng = np.random.default_rng(5)
    n, tau = 30, 4
    W_q = np.triu(rng.integers(-900, 900, (n, n)) * (rng.random((n, n)) < 0.3), 1)
    model = model_of(W_q + W_q.T, rng.integers(-700, 700, n), rng.permutation(n), [7, 19, 30],
                     clamp={2: 1, 11: 0})
    init = rng.integers(0, tau + 1, n)
    final = []
    states, spikes = scalar_kernel(model, 12, 2, 1, tau, 9, init=init, final=final)
    counts = both_engines(model, 12, 2, 1, tau, 9, init=model.check_init(init, tau))
    assert_same(counts, states, spikes)
    assert counts.final_state.tolist() == final
    assert final[2] == 1 and final[11] == 0                      # clamped: their value, not init's
    assert np.array_equal(counts.final_state >= 1, states[-1])  # thin = 1: z of the last record
    # the same through the frame, word for word what `sample` gives
    out = bm_sampler.run_frame(model.run_frame(12, 2, 1, tau, 9, True, init=init))
    assert parse_output(out)[-8:].view(np.uint8)[:n].tolist() == final


def test_refractory_initial_counters_hold_neurons_on():
    # ζ = τ: on for τ − 1 more sweeps without drawing a spike (the draw is discarded).
    model = BMKernelModel.build(BoltzmannMachine(np.zeros((3, 3)), [-30.0, -30.0, -30.0]))
    counts = bm_sampler.sample(model, sweeps=8, burn_in=0, thin=1, tau=6, seed=1, record=True,
                               init=[6, 3, 0])
    assert counts.states[:, 0].tolist() == [1] * 5 + [0] * 3
    assert counts.states[:, 1].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]
    assert not counts.states[:, 2].any() and not counts.spike_counts.any()


def test_all_zero_initial_state_equals_none():
    with_init = bm_sampler.run_frame(small_frame(init=[0, 0, 0]))
    assert with_init[1] == Status.OK
    np.testing.assert_array_equal(with_init, bm_sampler.run_frame(small_frame()))


def test_initial_state_frame_layout_and_ignored_bytes():
    frame = small_frame(init=[4, 0, 2])
    assert frame.size == INIT_WORD + 1 and frame[26] == 1 | 2        # RECORD | INIT
    assert frame[INIT_WORD] == 4 | 2 << 16                             # neuron j in byte j
    # the byte past N is ignored, whatever it holds
    padded = with_word(frame, INIT_WORD, frame[INIT_WORD] | 0xFF << 24)
    np.testing.assert_array_equal(bm_sampler.run_frame(padded), bm_sampler.run_frame(frame))


def test_clamped_neurons_ignore_their_initial_state():
    W = [[0, 0.5, -1], [0.5, 0, 0], [-1, 0, 0]]
    model = BMKernelModel.build(BoltzmannMachine(W, [0.25, -2, 1]), clamp={1: 1})
    frame = model.run_frame(sweeps=5, burn_in=0, thin=1, tau=4, seed=2, record=True, init=[3, 0, 1])
    for byte in (0, 1, 4, 255):      # even above τ: a clamped neuron's byte is not read
        edited = with_word(frame, INIT_WORD, (frame[INIT_WORD] & ~np.uint32(0xFF00)) | byte << 8)
        out = bm_sampler.run_frame(edited)
        np.testing.assert_array_equal(out, bm_sampler.run_frame(frame))
    counts = model.unpack(parse_output(out), 5, True)
    assert counts.states[:, 1].all() and counts.final_state[1] == 1


@pytest.mark.parametrize("byte, status", [(4, Status.OK), (5, Status.BAD_PARAMS), (255, Status.BAD_PARAMS)])
def test_a_free_neurons_initial_counter_above_tau_is_bad_params(byte, status):
    frame = small_frame(init=[0, 0, 0])                              # τ = 4
    assert status_of(with_word(frame, INIT_WORD, byte << 16)) == status


def test_initial_state_framing_errors():
    frame = small_frame(init=[1, 0, 0])
    assert status_of(frame[:INIT_WORD]) == Status.SHORT_FRAME       # INIT set, state missing
    assert status_of(np.append(frame, 0)) == Status.LONG_FRAME
    assert status_of(with_word(frame, INIT_WORD, 9)[:INIT_WORD + 1]) == Status.BAD_PARAMS
    assert status_of(with_word(small_frame(), 26, 1 | 2)) == Status.SHORT_FRAME
    assert status_of(with_word(frame, 26, 1 | 4)) == Status.LONG_FRAME   # INIT clear: ends at flags


@pytest.mark.parametrize("init, match", [
    ([0, 0], r"3 integer refractory counters"),
    ([0.5, 0, 0], r"integer refractory counters"),
    ([0, 5, 0], r"init\[1\] = 5.*0\.\.tau = 4"),
    ([0, 0, -1], r"init\[2\] = -1"),
])
def test_host_rejects_bad_initial_states(init, match):
    with pytest.raises(ParameterError, match=match):
        small_frame(init=init)
