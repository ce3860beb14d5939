"""bn_sampler kernel model: kernel order, quantised tables, descriptors, limits, frames (spec §2.1, §4)."""
import numpy as np
import pytest

from neuropynq.errors import EvidenceError, KernelError, LimitError
from neuropynq.framing import MAGIC_BN, SPEC_VERSION, split_u64
from neuropynq.kernels.bn_model import (BNCounts, BNKernelModel, info_frame, info_payload, parse_info,
                                        rate_to_rmax)
from neuropynq.limits import SPEC_BN_LIMITS, BNLimits
from neuropynq.models.bayesnet import BayesNet

# P(C = yes | B, A), rows in BIF order (B slowest, A fastest): -log2 -> NL
P_C_YES = {(0, 0): 1.0, (0, 1): 0.5, (1, 0): 0.25, (1, 1): 0.0, (2, 0): 0.1, (2, 1): 1e-30}
NL_C_YES = [0, 1024, 2048, 65535, 3402, 65534]   # round(-1024 log2 0.1) = round(3401.6); 1e-30 saturates


def three_variable_net() -> BayesNet:
    """C | B, A listed first in the file, so the kernel order differs from the file order."""
    cpt_c = np.zeros((3, 2, 2))
    for (b, a), p in P_C_YES.items():
        cpt_c[b, a] = [p, 1 - p]
    return BayesNet(
        variables=["C", "B", "A"],
        states={"A": ["a0", "a1"], "B": ["b0", "b1", "b2"], "C": ["yes", "no"]},
        parents={"A": [], "B": ["A"], "C": ["B", "A"]},
        cpts={"A": [0.3, 0.7], "B": [[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]], "C": cpt_c},
        name="three")


def test_kernel_order_takes_the_first_ready_variable_in_file_order():
    bn = BayesNet(variables=["Z", "Y", "X", "W"],
                  states={v: ["0", "1"] for v in "ZYXW"},
                  parents={"Z": ["X"], "Y": [], "X": [], "W": ["Y"]},
                  cpts={"Z": [[0.5, 0.5], [0.5, 0.5]], "Y": [0.5, 0.5], "X": [0.5, 0.5],
                        "W": [[0.5, 0.5], [0.5, 0.5]]})
    model = BNKernelModel.build(bn)
    assert model.order == ["Y", "X", "Z", "W"]
    assert model.parents == [[], [], [1], [0]]


def test_tables_bases_and_descriptors_of_a_hand_made_net():
    model = BNKernelModel.build(three_variable_net(), {"C": "yes"})
    assert model.order == ["A", "B", "C"]
    assert model.cards.tolist() == [2, 3, 2]
    assert model.parents == [[], [0], [1, 0]]
    assert model.evidence_state.tolist() == [-1, -1, 0]
    assert model.base.tolist() == [0, 1, 5]
    # A: round(0.3·65536) = round(19660.8); B|a0: 0.5, 0.75; B|a1: 0.1, 0.3 (19660.8 again)
    thresholds = [19661, 32768, 49152, 6554, 19661]
    assert model.table.dtype == np.uint32
    assert model.table.tolist() == thresholds + NL_C_YES
    assert model.descriptors().tolist() == [
        2, 0, 0,                                      # A: card 2, no parents, sampled, base 0
        3 | 1 << 16, 0, 1, 0,                         # B: card 3, 1 parent (A = 0), base 1
        2 | 2 << 16, 1 << 31 | 0, 5, 1, 0,            # C: evidence state 0, base 5, parents B = 1, A = 0
    ]


def test_evidence_state_lands_in_descriptor_word_1():
    model = BNKernelModel.build(three_variable_net(), {"C": "no", "B": 2})
    words = model.descriptors()
    assert words[[1, 4, 8]].tolist() == [0, 1 << 31 | 2, 1 << 31 | 1]
    # B is evidence now: one NL per row, P(B = b2 | A) = 0.25, 0.7
    assert model.table[1:3].tolist() == [2048, round(-1024 * np.log2(0.7))]
    assert model.base.tolist() == [0, 1, 3]


def test_thresholds_reach_65536_for_a_cumulative_probability_of_one():
    bn = BayesNet(variables=["X"], states={"X": ["a", "b", "c"]}, parents={"X": []},
                  cpts={"X": [1.0, 0.0, 0.0]})
    assert BNKernelModel.build(bn).table.tolist() == [65536, 65536]


def test_evidence_impossible_under_every_row_is_an_evidence_error():
    bn = BayesNet(variables=["X"], states={"X": ["a", "b", "c"]}, parents={"X": []},
                  cpts={"X": [0.5, 0.5, 0.0]})
    with pytest.raises(EvidenceError, match="X='c' is impossible"):
        BNKernelModel.build(bn, {"X": "c"})


def test_unknown_evidence_is_an_evidence_error():
    with pytest.raises(EvidenceError, match="D"):
        BNKernelModel.build(three_variable_net(), {"D": "yes"})


@pytest.mark.parametrize("limits, message", [
    (BNLimits(v_max=2), "the network has 3 variables; this kernel build allows at most 2"),
    (BNLimits(card_max=2), "variable 'B' has 3 states; this kernel build allows at most 2"),
    (BNLimits(parents_max=1), "variable 'C' has 2 parents; this kernel build allows at most 1"),
    (BNLimits(table_max=10), "the quantised tables need 11 words; this kernel build allows at most 10"),
])
def test_limits_name_the_limit_and_the_variable(limits, message):
    with pytest.raises(LimitError, match=message):
        BNKernelModel.build(three_variable_net(), {"C": "yes"}, limits=limits)


def test_run_frame_layout():
    model = BNKernelModel.build(three_variable_net(), {"C": "yes"})
    seed = 0x0123456789ABCDEF
    frame = model.run_frame(samples=1000, window=64, seed=seed, rmax=40000)
    assert frame.dtype == np.uint32
    assert frame[:5].tolist() == [MAGIC_BN, SPEC_VERSION, 1, 3, 11]
    assert frame[5:17].tolist() == model.descriptors().tolist()
    assert frame[17:28].tolist() == model.table.tolist()
    assert frame[28:].tolist() == [1000, 64, 0x89ABCDEF, 0x01234567, 40000, 0]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(samples=0), ValueError, "samples"),
    (dict(window=0), ValueError, "window"),
    (dict(rmax=0), ValueError, "rmax"),
    (dict(rmax=65536), ValueError, "rmax"),
    (dict(window=SPEC_BN_LIMITS.t_max + 1), LimitError, "window"),
    (dict(samples=1 << 32), LimitError, "samples"),
    (dict(samples=(1 << 32) - 1, window=1 << 17), LimitError, "samples \\* window"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=1 << 64), ValueError, "seed"),
])
def test_run_frame_rejects_bad_run_parameters(kwargs, error, message):
    model = BNKernelModel.build(three_variable_net())
    args = dict(samples=10, window=10, seed=1, rmax=100) | kwargs
    with pytest.raises(error, match=message):
        model.run_frame(**args)


def test_check_run_uses_the_given_build_limits():
    model = BNKernelModel.build(three_variable_net())
    with pytest.raises(LimitError, match="window = 65; this kernel build allows at most 64"):
        model.check_run(10, 65, 100, limits=BNLimits(t_max=64))


def test_unpack_splits_counts_per_variable_in_state_order():
    model = BNKernelModel.build(three_variable_net(), {"C": "yes"})
    values = [5, 1 << 40, 0, 7, 3, 9, 1, 2]       # A: 2 states, B: 3, C: 2, then total
    counts = model.unpack(split_u64(values))
    assert isinstance(counts, BNCounts)
    assert counts.counts["A"].tolist() == [5, 1 << 40]
    assert counts.counts["B"].tolist() == [0, 7, 3]
    assert counts.counts["C"].tolist() == [9, 1]
    assert counts.total == 2
    with pytest.raises(KernelError, match="payload has 14 words; this model needs 16"):
        model.unpack(split_u64(values[:-1]))


def test_posterior_divides_by_total_and_rejects_a_silent_run():
    counts = BNCounts(counts={"A": np.array([1, 3])}, total=4)
    assert counts.posterior()["A"].tolist() == [0.25, 0.75]
    with pytest.raises(KernelError, match="no spikes"):
        BNCounts(counts={"A": np.array([0, 0])}, total=0).posterior()


def test_info_frame_and_payload_round_trip():
    assert info_frame().tolist() == [MAGIC_BN, SPEC_VERSION, 2]
    limits = BNLimits(v_max=64, card_max=8, parents_max=4, table_max=4096, t_max=1 << 16)
    payload = info_payload(limits, lanes=4)
    assert payload.tolist() == [SPEC_VERSION, 4, 64, 8, 4, 4096, 1 << 16]
    assert parse_info(payload) == (limits, 4)
    with pytest.raises(KernelError, match=f"spec version {SPEC_VERSION + 1}"):
        parse_info([SPEC_VERSION + 1, 4, 64, 8, 4, 4096, 1 << 16])
    with pytest.raises(KernelError, match="6 words"):
        parse_info(payload[:6])


@pytest.mark.parametrize("rate, rmax", [(1.0, 65535), (0.5, 32768), (1e-9, 1), (3 / 65536, 3),
                                        (2.5 / 65536, 2)])
def test_rate_to_rmax(rate, rmax):
    assert rate_to_rmax(rate) == rmax


@pytest.mark.parametrize("rate", [0.0, -0.1, 1.5])
def test_rate_to_rmax_rejects_rates_outside_0_1(rate):
    with pytest.raises(ValueError, match="rate"):
        rate_to_rmax(rate)
