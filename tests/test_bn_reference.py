"""bn_sampler reference kernel: exact counts against a scalar re-reading of spec §2,
frame validation (§4.5) status by status, INFO, and the standard error of §2.3."""
import math

import numpy as np
import pytest

from neuropynq.framing import MAGIC_BM, MAGIC_BN, MAGIC_OUT, SPEC_VERSION, Status, output_frame, parse_output
from neuropynq.kernels.bn_model import BNKernelModel, info_frame, run_payload
from neuropynq.limits import HW_BN_LIMITS, UNBOUNDED, BNLimits
from neuropynq.models.bayesnet import BayesNet
from neuropynq.reference import bn_sampler
from neuropynq.rng import next_scalar, seed_state

from test_bn_model import three_variable_net


LOG2M = [round(2 ** 16 * math.log2(1 + (m + 0.5) / 256)) for m in range(256)]


def scalar_window(state, fire, window):
    """Spec §2.2 step 4 read literally: the Poisson window of one sample neuron."""
    if fire == 0:
        return 0
    lam = (fire * window * 94548) >> 24
    acc = n = 0
    while n < window:
        r = next_scalar(state)
        lz = 32 - r.bit_length()
        m = ((r << (lz + 1)) % 2 ** 32) >> 24
        acc += ((lz + 1) << 16) - LOG2M[m]
        if acc >= lam:
            break
        n += 1
    return n


def scalar_kernel(bn, evidence, samples, window, seed, rmax):
    """Spec §2.1-§2.3 one sample neuron at a time, in plain Python integers.

    Returns the flat counts in kernel order, the total, and per sample (x, F)."""
    order = bn.topological_order()
    observed = bn.parse_evidence(evidence)
    exp2 = [round(2 ** 23 * 2 ** (-i / 1024)) for i in range(1024)]

    def rows(v):
        return bn.cpt[v].reshape(-1, bn.card(v))

    def row_of(v, x):
        row = 0
        for p in bn.parents[v]:
            row = row * bn.card(p) + x[p]
        return row

    def threshold(v, row, k):
        return min(65536, round(65536 * sum(rows(v)[row][:k + 1])))

    def neg_log(p):
        return 65535 if p == 0 else min(65534, round(-1024 * math.log2(p)))

    offset = sum(min(neg_log(p) for p in rows(v)[:, e]) for v, e in observed.items())
    counts = {v: [0] * bn.card(v) for v in order}
    per_sample = []
    for s in range(samples):
        state = list(seed_state(seed, s))
        x, nls = {}, []
        for v in order:
            row = row_of(v, x)
            if v in observed:
                x[v] = observed[v]
                nls.append(neg_log(rows(v)[row][x[v]]))
            else:
                u = next_scalar(state) >> 16
                x[v] = sum(u >= threshold(v, row, k) for k in range(bn.card(v) - 1))
        d = sum(nls) - offset
        if 65535 in nls or d >> 10 >= 24:
            fire = 0
        else:
            fire = (rmax * exp2[d & 1023]) >> (15 + (d >> 10))
        n = scalar_window(state, fire, window)
        for v in order:
            counts[v][x[v]] += n
        per_sample.append(([x[v] for v in order], fire))
    flat = [c for v in order for c in counts[v]]
    return flat, sum(counts[order[0]]), per_sample


def coin() -> BayesNet:
    return BayesNet(variables=["X"], states={"X": ["heads", "tails"]}, parents={"X": []},
                    cpts={"X": [0.5, 0.5]})


def test_a_fair_coin_by_hand():
    # Threshold 32768: x = top bit of the first draw. RMAX = 32768 and no evidence give
    # F = 32768·2^23 >> 15 = 2^23 (f = 1/2), so the window is Poisson of mean 6: it sums
    # -log2 of the draws until Λ = (2^23·12·94548) >> 24 = 6·94548.
    seed, samples, window = 2024, 5, 12
    expected = [0, 0]
    for s in range(samples):
        state = list(seed_state(seed, s))
        x = next_scalar(state) >> 31
        expected[x] += scalar_window(state, 1 << 23, window)
    counts, total = bn_sampler.sample(BNKernelModel.build(coin()), samples, window, seed, rmax=32768)
    assert counts.tolist() == expected
    assert total == sum(expected)
    assert 0 < total < samples * window


@pytest.mark.parametrize("evidence, seed, rmax", [
    (None, 1, 65535),
    ({"C": "yes"}, 7, 65535),       # rows with P = 0 (dead samples) and P = 1e-30 (F = 0)
    ({"C": "no", "B": "b2"}, 99, 20000),
    ({"B": 0}, 0xFFFFFFFFFFFFFFFF, 1),
])
def test_counts_equal_the_scalar_spec(evidence, seed, rmax):
    bn = three_variable_net()
    model = BNKernelModel.build(bn, evidence)
    expected, total, per_sample = scalar_kernel(bn, evidence, 40, 24, seed, rmax)
    counts, got_total = bn_sampler.sample(model, 40, 24, seed, rmax)
    assert counts.tolist() == expected
    assert got_total == total
    states, fire = bn_sampler.draws(model, 40, seed, rmax)
    assert states.tolist() == [x for x, _ in per_sample]
    assert (fire * 2 ** 24).tolist() == [f for _, f in per_sample]


def test_scalar_spec_case_has_dead_and_silent_samples_and_spikes():
    # The evidence case above is only a real test if all three kinds of sample occur.
    _, total, per_sample = scalar_kernel(three_variable_net(), {"C": "yes"}, 40, 24, 7, 65535)
    fires = [f for _, f in per_sample]
    assert fires.count(0) > 0 and max(fires) == 65535 * 256 and total > 0


def test_run_frame_returns_the_sampled_counts():
    model = BNKernelModel.build(three_variable_net(), {"C": "yes"})
    counts, total = bn_sampler.sample(model, 300, 50, 5, 30000)
    out = bn_sampler.run_frame(model.run_frame(300, 50, 5, 30000))
    assert out.tolist() == output_frame(Status.OK, run_payload(counts, total)).tolist()
    unpacked = model.unpack(parse_output(out))
    assert unpacked.total == total
    assert unpacked.counts["B"].tolist() == counts[2:5].tolist()


def test_counts_do_not_depend_on_the_chunk_size(monkeypatch):
    model = BNKernelModel.build(three_variable_net(), {"C": "yes"})
    whole = bn_sampler.sample(model, 50, 20, 3, 50000)
    monkeypatch.setattr(bn_sampler, "CHUNK", 7)
    chunked = bn_sampler.sample(model, 50, 20, 3, 50000)
    assert chunked[0].tolist() == whole[0].tolist() and chunked[1] == whole[1]


def test_same_seed_same_counts_other_seed_other_counts():
    model = BNKernelModel.build(three_variable_net(), {"C": "no"})
    a = bn_sampler.sample(model, 500, 30, 11, 65535)
    b = bn_sampler.sample(model, 500, 30, 11, 65535)
    c = bn_sampler.sample(model, 500, 30, 12, 65535)
    assert a[0].tolist() == b[0].tolist()
    assert a[0].tolist() != c[0].tolist()


def test_sample_checks_run_parameters():
    model = BNKernelModel.build(coin())
    with pytest.raises(ValueError, match="window"):
        bn_sampler.sample(model, 10, 0, 1, 100)


# --------------------------------------------------------------- frame validation (§4.5)
# The 3-variable frame: head 0-2, V 3, TW 4, descriptors 5-16 (A 5-7, B 8-11, C 12-16:
# card | n_parents, evidence | state, base, one word per parent), table 17-27, run
# parameters 28-33 (S, T, seed lo, seed hi, RMAX, reserved).
V, TW, A_DESC, B_DESC, C_DESC, PARAMS = 3, 4, 5, 8, 12, 28


def good_frame() -> np.ndarray:
    return BNKernelModel.build(three_variable_net(), {"C": "yes"}).run_frame(4, 4, 1, 1000)


def with_words(**changes) -> np.ndarray:
    frame = good_frame()
    for position, value in changes.values():
        frame[position] = value
    return frame


def status_of(frame, last=None, **kwargs) -> int:
    out = bn_sampler.run_frame(frame, last, **kwargs)
    assert out[0] == MAGIC_OUT
    if out[1] != Status.OK:
        assert out[2:].tolist() == [0], "an error frame has no payload"
    return int(out[1])


EVIDENCE = 1 << 31


@pytest.mark.parametrize("change, status", [
    ({"magic": (0, MAGIC_BM)}, Status.BAD_MAGIC),
    ({"version": (1, 1)}, Status.BAD_VERSION),
    ({"opcode": (2, 3)}, Status.BAD_OPCODE),
    ({"opcode": (2, 0)}, Status.BAD_OPCODE),
    ({"v": (V, 0)}, Status.LIMIT),
    ({"tw": (TW, 0)}, Status.LIMIT),
    ({"card": (A_DESC, 0)}, Status.BAD_MODEL),
    ({"card": (A_DESC, 1 << 16)}, Status.BAD_MODEL),                       # card 0, one parent
    ({"parent": (B_DESC + 3, 1)}, Status.BAD_MODEL),                       # B's parent is itself
    ({"parent": (C_DESC + 3, 2)}, Status.BAD_MODEL),                       # C's parent 0 = C
    ({"evidence": (C_DESC + 1, EVIDENCE | 2)}, Status.BAD_MODEL),          # evidence_state 2, card 2
    ({"base": (C_DESC + 2, 6)}, Status.BAD_MODEL),                         # C's 6 words end at 12 > TW
    ({"base": (A_DESC + 2, 11)}, Status.BAD_MODEL),                        # A's slice, no parents
    ({"base": (C_DESC + 2, 0xFFFFFFFF)}, Status.BAD_MODEL),                # base + size past 2^32
    ({"s": (PARAMS, 0)}, Status.BAD_PARAMS),
    ({"t": (PARAMS + 1, 0)}, Status.BAD_PARAMS),
    ({"t": (PARAMS + 1, (1 << 20) + 1)}, Status.BAD_PARAMS),
    ({"s": (PARAMS, 0xFFFFFFFF), "t": (PARAMS + 1, (1 << 16) + 1)}, Status.BAD_PARAMS),  # S·T ≥ 2^48
    ({"rmax": (PARAMS + 4, 0)}, Status.BAD_PARAMS),
    ({"rmax": (PARAMS + 4, 65536)}, Status.BAD_PARAMS),
])
def test_malformed_frames_get_their_status(change, status):
    assert status_of(with_words(**change)) == status


@pytest.mark.parametrize("change", [
    {"v": (V, 129)},
    {"tw": (TW, 32769)},
    {"card": (A_DESC, 17)},
    {"parents": (B_DESC, 3 | 9 << 16)},          # n_parents 9
])
def test_a_hardware_builds_limits(change):
    """Past a hardware build's limits a size is LIMIT, a descriptor BAD_MODEL."""
    status = Status.LIMIT if {"v", "tw"} & set(change) else Status.BAD_MODEL
    assert status_of(with_words(**change), limits=HW_BN_LIMITS) == status


def test_a_well_formed_frame_is_ok():
    assert status_of(good_frame()) == Status.OK


def test_the_first_failing_check_in_frame_order_wins():
    assert status_of(with_words(version=(1, 9), v=(V, 0))) == Status.BAD_VERSION
    assert status_of(with_words(card=(A_DESC, 0), s=(PARAMS, 0))) == Status.BAD_MODEL
    # A word's content is checked before its TLAST.
    last = np.zeros(34, dtype=bool)
    last[V] = True
    assert status_of(with_words(v=(V, 0)), last) == Status.LIMIT
    assert status_of(good_frame(), last) == Status.SHORT_FRAME


def test_table_slice_is_checked_at_the_descriptors_last_word():
    last = np.zeros(34, dtype=bool)
    last[C_DESC + 3] = True             # TLAST inside C's descriptor, after its bad base
    assert status_of(with_words(base=(C_DESC + 2, 6)), last) == Status.SHORT_FRAME


def test_short_frames():
    frame = good_frame()
    assert status_of(frame[:20]) == Status.SHORT_FRAME
    assert status_of(frame[:2]) == Status.SHORT_FRAME
    last = np.zeros(frame.size, dtype=bool)
    last[10] = last[-1] = True
    assert status_of(frame, last) == Status.SHORT_FRAME


def test_long_frames():
    frame = good_frame()
    assert status_of(np.append(frame, 0)) == Status.LONG_FRAME
    assert status_of(np.append(info_frame(), [0, 0])) == Status.LONG_FRAME


def test_input_without_tlast_is_a_caller_error():
    frame = good_frame()
    with pytest.raises(ValueError, match="without TLAST"):
        bn_sampler.run_frame(frame[:20], np.zeros(20, dtype=bool))


def test_unused_descriptor_bits_and_the_reserved_word_are_ignored():
    reference = bn_sampler.run_frame(good_frame())
    noisy = with_words(reserved=(PARAMS + 5, 123))
    noisy[A_DESC + 1] |= 0x7FFFFFFF             # A is sampled: its evidence state is unused
    noisy[C_DESC + 1] |= 0x7FFF0000             # bits 30:16 of C's evidence word
    assert bn_sampler.run_frame(noisy).tolist() == reference.tolist()


def test_lowered_build_limits_apply_to_frames():
    assert status_of(good_frame(), limits=BNLimits(v_max=2)) == Status.LIMIT
    assert status_of(good_frame(), limits=BNLimits(card_max=2)) == Status.BAD_MODEL
    assert status_of(good_frame(), limits=BNLimits(parents_max=1)) == Status.BAD_MODEL
    assert status_of(good_frame(), limits=BNLimits(t_max=3)) == Status.BAD_PARAMS


def test_info_frame_reports_the_build():
    out = bn_sampler.run_frame(info_frame(), lanes=4)
    assert out.tolist() == [MAGIC_OUT, 0, 7, SPEC_VERSION, 4] + [UNBOUNDED] * 4 + [1 << 20]
    lowered = bn_sampler.run_frame(info_frame(), limits=HW_BN_LIMITS)
    assert lowered.tolist() == [MAGIC_OUT, 0, 7, SPEC_VERSION, 1, 128, 16, 8, 32768, 1 << 20]
    assert status_of(np.array([MAGIC_BN, SPEC_VERSION, 2], dtype=np.uint32)[:2]) == Status.SHORT_FRAME


# --------------------------------------------------------------- standard error (§2.3)
def test_standard_error_by_hand():
    states = np.array([[0], [1], [1]])
    fire = np.array([0.5, 0.25, 0.5])
    # window 2: E[n] = 1, 0.5, 1; Poisson: E[n²] = E[n] + E[n]² = 2, 0.75, 2.
    # Σ E[n²](a - p)² = 2·0.36 + 0.75·0.16 + 2·0.16 = 1.16 for both states; one
    # maximal sample adds 2.
    expected = math.sqrt(1.16 + 2) / 2.5
    se = bn_sampler.standard_error(states, fire, [2], 2, p=[0.4, 0.6])
    assert se == pytest.approx([expected, expected], rel=1e-12)
    # The default p is the weighted estimate Σ f·a / Σ f = 0.4, 0.6.
    assert bn_sampler.standard_error(states, fire, [2], 2) == pytest.approx(se, rel=1e-12)


def test_standard_error_needs_a_sample_that_can_fire():
    with pytest.raises(ValueError, match="no sample can fire"):
        bn_sampler.standard_error(np.array([[0]]), np.array([0.0]), [2], 4)
