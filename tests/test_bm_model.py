import numpy as np
import pytest

from neuropynq.errors import EvidenceError, KernelError, LimitError
from neuropynq.framing import MAGIC_BM, SPEC_VERSION
from neuropynq.kernels.bm_model import (BMKernelModel, info_frame, pack_bits, parse_info,
                                        unpack_bits)
from neuropynq.limits import BMLimits
from neuropynq.models.boltzmann import BoltzmannMachine


def _three_neurons():
    W = [[0, 0.5, -1], [0.5, 0, 0], [-1, 0, 0]]
    return BoltzmannMachine(W, [0.25, -2, 1])


def test_weights_and_biases_are_q5_10_round_half_even():
    W = np.zeros((4, 4))
    for (i, j), w in {(0, 1): 2.5 / 1024, (0, 2): 3.5 / 1024, (1, 2): 1 / 3, (2, 3): -32.0}.items():
        W[i, j] = W[j, i] = w
    model = BMKernelModel.build(BoltzmannMachine(W, [31.999, -0.5 / 1024, 0.1, -1.5 / 1024]))
    assert model.W_q[0].tolist() == [0, 2, 4, 0]          # 2.5 -> 2, 3.5 -> 4
    assert model.W_q[1, 2] == 341 and model.W_q[2, 1] == 341
    assert model.W_q[2, 3] == -32768
    assert model.b_q.tolist() == [32767, 0, 102, -2]      # 32766.98, -0.5 -> 0, 102.4, -1.5 -> -2


def test_out_of_range_weight_is_a_limit_error_naming_the_entry():
    W = np.zeros((3, 3))
    W[1, 2] = W[2, 1] = 32.0       # 32768 does not fit in int16
    with pytest.raises(LimitError, match=r"W: .*index \(1, 2\)"):
        BMKernelModel.build(BoltzmannMachine(W, [0, 0, 0]))
    with pytest.raises(LimitError, match=r"b: .*index \(2,\)"):
        BMKernelModel.build(BoltzmannMachine(np.zeros((3, 3)), [0, 0, -32.001]))


def test_run_frame_layout_word_by_word():
    model = BMKernelModel.build(_three_neurons(), clamp={2: 1})
    seed = (5 << 32) | 7
    frame = model.run_frame(sweeps=3, burn_in=1, thin=2, tau=4, seed=seed, record=True)
    assert frame.dtype == np.uint32
    expected = [
        MAGIC_BM, SPEC_VERSION, 1,           # head: magic, version, RUN
        3, 2,                                # N, C (degrees 2, 1, 1: colours {0}, {1, 2})
        256, 0xF800, 1024,                   # b = 0.25, -2, 1 as int16 bit patterns
        0 | 512 << 16,                       # W[0,0], W[0,1]
        0xFC00 | 512 << 16,                  # W[0,2] = -1024, W[1,0]
        0,                                   # W[1,1], W[1,2]
        0xFC00,                              # W[2,0], W[2,1]
        0,                                   # W[2,2] and the unused half
        0, 1, 2,                             # order
        1, 3,                                # colour_end
        0b100, 0b100,                        # clamp mask, clamp values
        3, 1, 2, 4, 7, 5, 1,                 # sweeps, burn_in, thin, tau, seed lo, hi, RECORD
    ]
    assert frame.tolist() == expected
    no_record = model.run_frame(3, 1, 2, 4, seed, record=False)
    assert no_record[-1] == 0 and no_record[:-1].tolist() == expected[:-1]


def test_clamp_masks_pack_32_neurons_per_word():
    model = BMKernelModel.build(BoltzmannMachine(np.zeros((40, 40)), np.zeros(40)),
                                clamp={0: 1, 33: 1, 39: 0})
    assert np.flatnonzero(model.clamp_mask).tolist() == [0, 33, 39]
    assert np.flatnonzero(model.clamp_value).tolist() == [0, 33]
    frame = model.run_frame(1, 0, 1, 1, 0, False)
    assert frame[-11:-7].tolist() == [1, 0b10 | 1 << 7, 1, 0b10]     # mask words, value words


@pytest.mark.parametrize("clamp, message", [
    ({3: 0}, "not an index"),
    ({-1: 0}, "not an index"),
    ({True: 0}, "not an index"),
    ({0: 2}, "must be 0 or 1"),
    ({0: 0.5}, "must be 0 or 1"),
    ([(0, 1)], "must be a dict"),
])
def test_bad_clamps_are_evidence_errors(clamp, message):
    with pytest.raises(EvidenceError, match=message):
        BMKernelModel.build(_three_neurons(), clamp=clamp)


def test_machine_larger_than_the_build_is_a_limit_error():
    bm = BoltzmannMachine(np.zeros((5, 5)), np.zeros(5))
    dense_only = BMLimits(n_max=4, sparse_n_max=0, d_max=0)
    with pytest.raises(LimitError, match="N = 5.*N_MAX = 4.*no sparse engine"):
        BMKernelModel.build(bm, limits=dense_only)
    assert BMKernelModel.build(bm, limits=BMLimits(n_max=5)).n == 5


@pytest.mark.parametrize("args, message", [
    ((0, 0, 1, 1, False), "sweeps = 0"),
    ((1, -1, 1, 1, False), "burn_in = -1"),
    ((1, 0, 0, 1, False), "thin = 0"),
    ((1, 0, 1, 0, False), "tau = 0"),
    ((1, 0, 1, 256, False), "tau = 256"),
    ((1 << 32, 0, 1, 1, False), "sweeps = 4294967296"),
    ((2.0, 0, 1, 1, False), "sweeps must be an integer"),
    ((1 << 20, 0, 1 << 12, 1, False), "spike counts are 32-bit"),
    ((1 << 30, 0, 1, 1, True), "limit is 2\\^31"),
])
def test_check_run_names_the_bad_parameter(args, message):
    model = BMKernelModel.build(BoltzmannMachine(np.zeros((33, 33)), np.zeros(33)))
    with pytest.raises(LimitError, match=message):
        model.check_run(*args)


def test_check_run_uses_the_builds_tau_limit_and_accepts_the_edges():
    model = BMKernelModel.build(BoltzmannMachine(np.zeros((33, 33)), np.zeros(33)))
    model.check_run(1, 0, 1, 255, True)
    model.check_run((1 << 30) - 1, 0, 1, 1, True)     # 2^31 - 2 recorded words
    model.check_run(1 << 30, 0, 1, 1, False)          # no recording, no record limit
    with pytest.raises(LimitError, match="tau = 17"):
        model.check_run(1, 0, 1, 17, False, limits=BMLimits(tau_max=16))


@pytest.mark.parametrize("seed", [-1, 1 << 64, "7"])
def test_seed_must_be_64_bit(seed):
    model = BMKernelModel.build(_three_neurons())
    with pytest.raises(LimitError, match="seed"):
        model.run_frame(1, 0, 1, 1, seed, False)


def test_unpack_reads_states_then_on_then_spike_counts_then_final_state():
    model = BMKernelModel.build(_three_neurons())
    payload = np.array([0b101, 0b011, 2, 1, 1, 9, 8, 7, 0x00050100], dtype=np.uint32)
    counts = model.unpack(payload, sweeps=2, record=True)
    assert counts.states.tolist() == [[1, 0, 1], [1, 1, 0]]
    assert counts.on_counts.tolist() == [2, 1, 1]
    assert counts.spike_counts.tolist() == [9, 8, 7]
    assert counts.final_state.tolist() == [0, 1, 5]      # byte j of the word: neuron j
    bare = model.unpack(payload[2:], sweeps=2, record=False)
    assert bare.states is None and bare.on_counts.tolist() == [2, 1, 1]
    with pytest.raises(KernelError, match="has 8 words, expected 9"):
        model.unpack(payload[:8], sweeps=2, record=True)


@pytest.mark.parametrize("n", [1, 31, 32, 33, 64, 70])
def test_pack_bits_round_trip(n):
    bits = np.random.default_rng(n).integers(0, 2, (5, n)).astype(np.uint8)
    words = pack_bits(bits)
    assert words.shape == (5, -(-n // 32))
    assert np.array_equal(unpack_bits(words, n), bits)
    assert int(words[0, 0]) == sum(int(bits[0, j]) << j for j in range(min(n, 32)))


def test_info_frame_and_payload():
    assert info_frame().tolist() == [MAGIC_BM, SPEC_VERSION, 2]
    v = SPEC_VERSION
    assert parse_info([v, 4, 256, 255, 0, 0]) == (BMLimits(n_max=256, tau_max=255, sparse_n_max=0, d_max=0), 4)
    # a sparse-only build (no dense engine: N_MAX = 0)
    assert parse_info([v, 16, 0, 255, 1024, 8]) == (BMLimits(n_max=0, sparse_n_max=1024, d_max=8), 16)
    with pytest.raises(KernelError, match=f"version {v - 1}"):
        parse_info([v - 1, 4, 256, 255, 0, 0])
    with pytest.raises(KernelError, match="4 words"):
        parse_info([v, 4, 256, 255])
    for impossible in ([v, 0, 256, 255, 0, 0], [v, 4, 0, 255, 0, 0], [v, 4, 256, 255, 1024, 0],
                       [v, 4, 256, 255, 0, 8]):
        with pytest.raises(KernelError, match="impossible"):
            parse_info(impossible)
