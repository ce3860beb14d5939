"""cocotb testbench of a twin at one board build's exact sizes (host/neuropynq/data/
boards.txt): the INFO frame reports the build, and a RUN frame that fills the build's
limits — every variable and table word of bn, every neuron of bm — equals the
reference word for word.

The environment names the board (NPQ_BOARD) and carries what the kernels' own
testbenches read (BN_P/BN_V_MAX/BN_TABLE_MAX, NPQ_P/NPQ_N_MAX, NPQ_U/NPQ_SPARSE_N_MAX/NPQ_D_MAX).
"""
from __future__ import annotations

import os

import cocotb
import numpy as np

from neuropynq.boards import board_build
from neuropynq.fixedpoint import cdf_thresholds, neg_log2_weight
from neuropynq.framing import SPEC_VERSION, Status
from neuropynq.kernels.bm_model import info_frame as bm_info_frame
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.limits import BNLimits
from tests.rtl.common.tb import TB

BUILD = board_build(os.environ["NPQ_BOARD"])


def full_size_bn_model(limits: BNLimits, seed: int = 3) -> BNKernelModel:
    """A network with exactly v_max variables whose tables take exactly table_max words,
    with a card_max-state variable that has parents_max parents and a few observed
    variables (probabilities strictly positive, so no sample is dead)."""
    rng = np.random.default_rng(seed)
    v, words = limits.v_max, limits.table_max
    cards, parents, evidence, chunks = [], [], [], []

    def add(card: int, pars: list[int], observed: int = -1) -> None:
        rows = int(np.prod([cards[p] for p in pars])) if pars else 1
        probs = rng.dirichlet(np.full(card, 2.0), size=rows)
        chunks.append(neg_log2_weight(probs[:, observed]) if observed >= 0
                      else cdf_thresholds(probs).reshape(-1))
        cards.append(card)
        parents.append(pars)
        evidence.append(observed)

    n_binary_roots = limits.parents_max
    for _ in range(n_binary_roots):
        add(2, [])
    add(limits.card_max, list(range(n_binary_roots)))                      # widest row fan-in
    add(limits.card_max, list(range(n_binary_roots)), observed=limits.card_max - 1)
    binary = list(range(n_binary_roots))
    # The rest: variables with up to 5 binary parents and up to card_max states, each
    # taking about an equal share of the words left, so the last one ends on the exact
    # last table word; every 31st is observed.
    options = {(card - 1) << k: (card, k) for k in range(6) for card in range(2, limits.card_max + 1)}
    biggest = max(options)
    while len(cards) < v:
        remainder = words - sum(c.size for c in chunks)
        left_after = v - len(cards) - 1
        fits = [w for w in options if left_after <= remainder - w <= left_after * biggest]
        assert fits, "the build's table cannot be filled with v_max variables"
        chunk = min(fits, key=lambda w: abs(w - remainder / (left_after + 1)))
        card, k = options[chunk]
        pars = sorted(rng.choice(binary, size=k, replace=False).tolist())
        if card == 2:
            binary.append(len(cards))
        if card == 2 and k > 0 and len(cards) % 31 == 0 and sum(c.size for c in chunks) + (1 << k) \
                + left_after <= words:
            add(2, pars, int(rng.integers(2)))         # observed: one word per row
        else:
            add(card, pars)
    table = np.concatenate(chunks).astype(np.uint32)
    assert len(cards) == v and table.size == words, (len(cards), table.size)
    base = np.concatenate([[0], np.cumsum([c.size for c in chunks])[:-1]])
    names = [f"v{i}" for i in range(v)]
    states = [[f"s{k}" for k in range(c)] for c in cards]
    return BNKernelModel(names, states, cards, parents, evidence, base, table)


@cocotb.test()
async def bn_full_size_run(dut):
    from tests.rtl.bn_sampler.bn_sampler_tb import BNTB
    tb = BNTB(dut, seed=21)
    await tb.learn_build()          # INFO, checked against BN_P / BN_V_MAX / BN_TABLE_MAX
    assert (tb.lanes, tb.limits) == (BUILD.bn_lanes, BUILD.bn_limits), \
        f"INFO says P={tb.lanes}, {tb.limits}; the {BUILD.board} build is " \
        f"P={BUILD.bn_lanes}, {BUILD.bn_limits}"
    model = full_size_bn_model(tb.limits)
    samples = 2 * tb.lanes * 16 + 5          # two full rounds and a partial one
    out = await tb.check(model.run_frame(samples, 16, 0xB0A2D, 65535), what=f"{BUILD.board} full size")
    assert out[1] == Status.OK and out[-2] > 0, f"status {out[1]}, total spikes {out[-2]}"


@cocotb.test()
async def bm_full_size_run(dut):
    from tests.rtl.bm_sampler.bm_sampler_tb import machine_frame, run_and_check
    tb = TB(dut, seed=22)
    await tb.reset()
    info = await run_and_check(tb, bm_info_frame(), label="INFO")
    lim = BUILD.bm_limits
    assert info[3:] == [SPEC_VERSION, BUILD.bm_lanes, lim.n_max, 255, lim.sparse_n_max, lim.d_max], info
    n = BUILD.bm_limits.n_max
    words = machine_frame(n, seed=9, density=1.0, clamp={0: 1, n - 1: 0}, sweeps=2, burn_in=0,
                          thin=1, tau=2, run_seed=0xB0A2D, record=True)
    out = await run_and_check(tb, words, label=f"{BUILD.board} N={n}")
    assert out[1] == Status.OK


@cocotb.test()
async def bm_sparse_full_size_run(dut):
    # the sparse overlay's testbench reads its sizes (NPQ_U, ...) when imported
    from tests.rtl.bm_sparse.bm_sparse_tb import bounded_machine, run_and_check as sparse_run, sparse_frame
    tb = TB(dut, seed=23)
    await tb.reset()
    lim = BUILD.bm_sparse_limits
    info = await sparse_run(tb, bm_info_frame(), label="INFO")
    assert info[3:] == [SPEC_VERSION, BUILD.bm_units, 0, 255, lim.sparse_n_max, lim.d_max], info
    n = lim.sparse_n_max
    model = bounded_machine(n, seed=9, degree=lim.d_max, clamp={0: 1, n - 1: 0})
    words = sparse_frame(model, d=lim.d_max, sweeps=2, burn_in=0, thin=1, tau=2, run_seed=0xB0A2D)
    out = await sparse_run(tb, words, label=f"{BUILD.board} sparse N={n}")
    assert out[1] == Status.OK
