"""Golden vectors for the HLS C simulation: input frames (words and TLAST flags)
and the output frames the Python reference kernels answer, one file per case.

    python hls/tb/make_golden.py OUT_DIR [--lanes 1 4 16]
    python hls/tb/make_golden.py OUT_DIR --lanes 32 --bm-sparse-overlay 1024 8   # the sparse bm overlay's

The cases cover every example network (with and without evidence), random and
hand-made Boltzmann machines (clamps, refractory τ, thinning, recording, a
schedule that is not a proper colouring), and one malformed frame for every
status code of docs/spec.md §4.5, TLAST early and late included. INFO answers
depend on the build's lane count P and limits, so they are written once per
build as `bn_info.p<P>.t<TABLE_MAX>.golden` and `bm_info.p<P>.n<N_MAX>.s<SPARSE_N_MAX>.golden`.
RUN_SPARSE cases (§4.3.1) carry `.s1024` (a build with the spec's sparse limits) or
`.s0` (a build without a sparse engine). The format is read by hls/tb/tb_kernels.cpp.
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from neuropynq.framing import MAGIC_BM, MAGIC_BN, SPEC_VERSION, Op, parse_output
from neuropynq.kernels.bm_model import BMKernelModel, zeta_words
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.limits import HW_BN_LIMITS, SPEC_BM_LIMITS, BMLimits, BNLimits
from neuropynq.models.bayesnet import BayesNet
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bm_sampler as bm_ref
from neuropynq.reference import bn_sampler as bn_ref

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BN_RUN_HEAD = 5        # magic, version, opcode, V, TW
BM_RUN_HEAD = 5        # magic, version, opcode, N, C
BM_SPARSE_HEAD = 6     # magic, version, opcode, N, C, D
NO_SPARSE_ENGINE = BMLimits(sparse_n_max=0, d_max=0)


def _tlast_at_end(n: int) -> np.ndarray:
    last = np.zeros(n, dtype=np.uint8)
    last[-1] = 1
    return last


class Cases:
    """Collects (name -> kernel, input words, TLAST flags, expected output)."""

    def __init__(self) -> None:
        self.cases: dict[str, tuple[str, np.ndarray, np.ndarray, np.ndarray]] = {}

    def bn(self, name: str, words, last=None, lanes: int = 1, limits: BNLimits = HW_BN_LIMITS) -> None:
        words = np.asarray(words, dtype=np.uint32)
        last = _tlast_at_end(words.size) if last is None else np.asarray(last, dtype=np.uint8)
        expected = bn_ref.run_frame(words, last.astype(bool), lanes=lanes, limits=limits)
        self.cases[name] = ("bn", words, last, expected)

    def bm(self, name: str, words, lanes: int = 1, limits: BMLimits = SPEC_BM_LIMITS) -> None:
        # The bm reference takes exactly one frame, TLAST on its final word.
        words = np.asarray(words, dtype=np.uint32)
        expected = bm_ref.run_frame(words, lanes=lanes, limits=limits)
        self.cases[name] = ("bm", words, _tlast_at_end(words.size), expected)

    def write(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("*.golden"):
            old.unlink()
        for name, (kernel, words, last, expected) in self.cases.items():
            lines = [f"kernel {kernel}", f"in {words.size}"]
            lines += [f"{int(w)} {int(t)}" for w, t in zip(words, last)]
            lines.append(f"out {expected.size}")
            lines += [str(int(w)) for w in expected]
            (out_dir / f"{name}.golden").write_text("\n".join(lines) + "\n")


def bn_networks() -> list[tuple[str, BayesNet, dict]]:
    """Every example network, without evidence and with two observed variables."""
    nets = []
    for path in sorted(EXAMPLES.glob("*.bif")):
        bn = BayesNet.from_bif(path)
        order = bn.topological_order()
        evidence = {order[-1]: 0, order[len(order) // 2]: bn.card(order[len(order) // 2]) - 1}
        nets.append((path.stem, bn, {}))
        nets.append((f"{path.stem}_ev", bn, evidence))
    return nets


def add_bn_runs(cases: Cases) -> None:
    for i, (name, bn, evidence) in enumerate(bn_networks()):
        model = BNKernelModel.build(bn, evidence)
        # S not a multiple of any P·batch, so the last group is partial.
        cases.bn(f"bn_{name}", model.run_frame(samples=1000 + 37 * i, window=48, seed=11 + i, rmax=40000))
    asia = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / "asia.bif"), {"xray": "yes", "dysp": "yes"})
    for seed in (0, 1, 2 ** 63 + 5, 2 ** 64 - 1):
        cases.bn(f"bn_asia_seed{seed}", asia.run_frame(samples=777, window=100, seed=seed, rmax=65535))
    cases.bn("bn_asia_one_sample", asia.run_frame(samples=1, window=300, seed=3, rmax=65535))
    cases.bn("bn_asia_long_window", asia.run_frame(samples=70, window=5000, seed=8, rmax=2000))
    cases.bn("bn_asia_low_rate", asia.run_frame(samples=500, window=64, seed=4, rmax=300))


def hand_bn_frame(descriptors, table, params, tw=None) -> list[int]:
    """A bn RUN frame from raw descriptors (a list of word lists, one per variable), table and run words."""
    return ([MAGIC_BN, SPEC_VERSION, Op.RUN, len(descriptors), len(table) if tw is None else tw]
            + [w for d in descriptors for w in d] + list(table) + list(params))


EVIDENCE = 1 << 31


def add_bn_hand_made(cases: Cases) -> None:
    """Two binary variables A -> B, B observed with P(B=1 | A=0) = 0: dead samples."""
    a = [2, 0, 0]                                  # card 2, no parents, sampled, table at 0
    b = [2 | (1 << 16), EVIDENCE | 1, 1, 0]        # card 2, parent A, evidence state 1, base 1
    table = [40000, 0xFFFF, 512]                   # C_A; NL_B[A=0] impossible, NL_B[A=1]
    cases.bn("bn_hand_dead_rows", hand_bn_frame([a, b], table, [300, 20, 9, 0, 65535, 0]))
    # A one-state sampled variable still draws; it needs no table words.
    c1 = [1, 0, 0]
    cases.bn("bn_hand_card1", hand_bn_frame([c1, a], [30000], [64, 8, 5, 0, 1000, 0]))
    # Non-zero reserved word and unused descriptor bits are ignored.
    cases.bn("bn_hand_ignored_bits", hand_bn_frame([[2, 0x7FFFFFFF, 0], [2, 0x7FFF0000, 1]],
                                                   [20000, 50000 | (1 << 20)], [100, 16, 1, 2, 777, 99]))


def add_bn_errors(cases: Cases) -> None:
    asia = BNKernelModel.build(BayesNet.from_bif(EXAMPLES / "asia.bif"), {"xray": "yes"})
    good = asia.run_frame(samples=64, window=8, seed=1, rmax=1000)
    n_vars = asia.n_vars
    # First word of each descriptor: 3 words and one per parent.
    at = BN_RUN_HEAD + np.concatenate([[0], np.cumsum([3 + len(p) for p in asia.parents])])
    desc, last_desc = int(at[0]), int(at[n_vars - 1])
    params = good.size - 6                  # first run-parameter word

    def edit(name: str, index: int, value: int) -> None:
        words = good.copy()
        words[index] = value
        cases.bn(f"bn_err_{name}", words)

    edit("magic", 0, MAGIC_BM)
    edit("version", 1, SPEC_VERSION + 1)
    edit("opcode", 2, 7)
    edit("v_zero", 3, 0)
    edit("v_big", 3, 129)
    edit("tw_zero", 4, 0)
    edit("tw_big", 4, 32769)
    edit("card_zero", desc, int(good[desc]) & ~0xFFFF)
    edit("card_big", desc, (int(good[desc]) & ~0xFFFF) | 17)
    edit("card_field", desc, (int(good[desc]) & ~0xFFFF) | 0xFFFF)
    edit("parents_big", desc, (int(good[desc]) & 0xFFFF) | (9 << 16))
    edit("parents_field", desc, (int(good[desc]) & 0xFFFF) | (0xFFFF << 16))
    evidence_var = int(np.flatnonzero(asia.evidence_state >= 0)[0])
    edit("evidence_state", int(at[evidence_var]) + 1, EVIDENCE | 5)
    with_parent = next(i for i in range(n_vars) if asia.parents[i])
    edit("parent_not_before", int(at[with_parent]) + 3, with_parent)
    edit("parent_wide", int(at[with_parent]) + 3, 0x10000 | int(good[at[with_parent] + 3]))
    edit("slice_outside", last_desc + 2, int(good[4]))
    edit("base_wide", last_desc + 2, 0xFFFFFFFF)
    without_parent = next(i for i in range(n_vars) if not asia.parents[i])
    edit("slice_outside_no_parents", int(at[without_parent]) + 2, int(good[4]))
    edit("samples_zero", params, 0)
    edit("window_zero", params + 1, 0)
    edit("window_big", params + 1, (1 << 20) + 1)
    edit("rmax_zero", params + 4, 0)
    edit("rmax_big", params + 4, 65536)
    words = good.copy()
    words[params], words[params + 1] = 0xFFFFFFFF, 1 << 20      # S·T ≥ 2^48
    cases.bn("bn_err_st_product", words)

    # TLAST early, on a head word, a descriptor, the table, a run word; the words
    # after it stay in the stream (the kernel reads no further).
    for word in (0, 2, 3, desc + 1, desc + 6, last_desc + 2, last_desc + 3, good.size - 7, params + 2,
                 good.size - 2):
        last = np.zeros(good.size, dtype=np.uint8)
        last[word] = 1
        cases.bn(f"bn_err_short_at{word}", good, last)
    # TLAST late: the frame's last word lacks it; the kernel discards up to the next TLAST.
    for extra in (1, 5):
        words = np.concatenate([good, np.arange(extra, dtype=np.uint32)])
        cases.bn(f"bn_err_long{extra}", words)
    # A bad value on the word that carries an early TLAST: the value is checked first.
    words = good.copy()
    words[3] = 0
    last = np.zeros(words.size, dtype=np.uint8)
    last[3] = 1
    cases.bn("bn_err_value_before_tlast", words, last)
    cases.bn("bn_err_info_long", [MAGIC_BN, SPEC_VERSION, Op.INFO, 0])


def bm_models() -> list[tuple[str, BMKernelModel]]:
    models = []
    for n, density, seed in ((8, 1.0, 1), (20, 0.5, 2), (33, 0.3, 3), (64, 1.0, 4), (100, 0.1, 5)):
        bm = BoltzmannMachine.random(n, seed=seed, density=density, weight_scale=0.5, bias_scale=0.5)
        models.append((f"n{n}", BMKernelModel.build(bm)))
    bm = BoltzmannMachine.random(40, seed=6, density=0.4, weight_scale=0.7, bias_scale=0.3)
    models.append(("n40_clamped", BMKernelModel.build(bm, {0: 1, 5: 0, 39: 1, 17: 1})))
    return models


def add_bm_runs(cases: Cases) -> None:
    for i, (name, model) in enumerate(bm_models()):
        cases.bm(f"bm_{name}_gibbs", model.run_frame(sweeps=50, burn_in=5, thin=1, tau=1, seed=i, record=True))
        cases.bm(f"bm_{name}_tau", model.run_frame(sweeps=30, burn_in=3, thin=2, tau=7 + i, seed=100 + i,
                                                   record=i % 2 == 0))
    # Everyone in one colour (not a proper colouring): updates are simultaneous by rule.
    n8 = bm_models()[0][1]
    words = n8.run_frame(sweeps=40, burn_in=0, thin=3, tau=2, seed=9, record=True)
    c_at = 4
    one_colour = np.concatenate([words[:c_at], [1], words[c_at + 1:c_at + 1 + 8 + 32 + 8],
                                 [8], words[c_at + 1 + 8 + 32 + 8 + n8.colours:]]).astype(np.uint32)
    cases.bm("bm_n8_one_colour", one_colour)
    cases.bm("bm_n64_tau255", bm_models()[3][1].run_frame(sweeps=20, burn_in=0, thin=1, tau=255,
                                                          seed=2 ** 64 - 1, record=False))
    # Persistent chains (spec v2): an initial state, and that run's final state fed back.
    for i, (name, model) in enumerate(bm_models()):
        tau = 1 + 3 * (i % 2)
        init = np.random.default_rng(i).integers(0, tau + 1, model.n)
        words = model.run_frame(sweeps=15, burn_in=0, thin=1, tau=tau, seed=200 + i, record=i % 2 == 1,
                                init=init)
        cases.bm(f"bm_{name}_init", words)
        final = model.unpack(parse_output(cases.cases[f"bm_{name}_init"][3]), 15, i % 2 == 1).final_state
        cases.bm(f"bm_{name}_continued", model.run_frame(sweeps=10, burn_in=2, thin=2, tau=tau, seed=300 + i,
                                                         record=True, init=final))
    # Bytes the kernel ignores: clamped neurons' (even above τ) and those past N.
    name, clamped = bm_models()[-1]
    words = clamped.run_frame(sweeps=12, burn_in=1, thin=1, tau=3, seed=7, record=True,
                              init=np.full(clamped.n, 2))
    zeta_at = words.size - zeta_words(clamped.n)
    raw = words[zeta_at:].view(np.uint8)
    raw[np.flatnonzero(clamped.clamp_mask)] = 0xEE
    raw[clamped.n:] = 0xFF
    cases.bm(f"bm_{name}_init_ignored_bytes", words)


def add_bm_errors(cases: Cases) -> None:
    model = bm_models()[1][1]          # N = 20
    n, colours = model.n, model.colours
    good = model.run_frame(sweeps=4, burn_in=1, thin=1, tau=2, seed=5, record=True)
    order_at = BM_RUN_HEAD + n + (n * n + 1) // 2
    ends_at = order_at + n
    params = good.size - 7

    def edit(name: str, index: int, value: int) -> None:
        words = good.copy()
        words[index] = value
        cases.bm(f"bm_err_{name}", words)

    edit("magic", 0, MAGIC_BN)
    edit("version", 1, 0)
    edit("opcode", 2, 0)
    edit("n_zero", 3, 0)
    edit("n_big", 3, 1025)
    edit("c_zero", 4, 0)
    edit("c_big", 4, n + 1)
    edit("order_big", order_at + 3, n)
    edit("order_repeat", order_at + 5, int(good[order_at]))
    edit("colour_end_zero", ends_at, 0)
    edit("colour_end_big", ends_at + colours - 2, n + 1)
    edit("colour_end_last", ends_at + colours - 1, n - 1)
    edit("sweeps_zero", params, 0)
    edit("thin_zero", params + 2, 0)
    edit("tau_zero", params + 3, 0)
    edit("tau_big", params + 3, 256)
    words = good.copy()
    words[params], words[params + 2] = 1 << 16, 1 << 16        # sweeps·thin = 2^32: counts could wrap
    cases.bm("bm_err_sweeps_thin", words)
    words = good.copy()
    words[params] = 0xFFFFFFFF          # sweeps·thin < 2^32 passes; sweeps·⌈N/32⌉ ≥ 2^31 with RECORD
    cases.bm("bm_err_record_words", words)
    # Truncated frames (TLAST early) in every field, and frames with extra words (TLAST late).
    for at in (1, 3, 6, BM_RUN_HEAD + n + 2, order_at + 1, ends_at, good.size - 5, good.size - 2):
        cases.bm(f"bm_err_short_at{at}", good[:at + 1])
    for extra in (1, 4):
        cases.bm(f"bm_err_long{extra}", np.concatenate([good, np.full(extra, 7, dtype=np.uint32)]))
    cases.bm("bm_err_info_long", [MAGIC_BM, SPEC_VERSION, Op.INFO, 0])
    # The initial state: a free neuron's ζ above τ; the frame cut inside it or after its flag.
    init = model.run_frame(sweeps=4, burn_in=1, thin=1, tau=2, seed=5, record=True, init=np.zeros(n, int))
    zeta_at = init.size - zeta_words(n)
    free = int(np.flatnonzero(~model.clamp_mask)[-1])
    words = init.copy()
    words[zeta_at + free // 4] = 3 << (8 * (free % 4))
    cases.bm("bm_err_init_above_tau", words)
    cases.bm("bm_err_init_missing", init[:zeta_at])
    cases.bm("bm_err_init_short", init[:-1])
    cases.bm("bm_err_init_long", np.append(init, np.uint32(0)))


def sparse_models(d_max: int = SPEC_BM_LIMITS.d_max) -> list[tuple[str, BMKernelModel]]:
    """Machines of degree <= D_MAX (the dense ones of `bm_models` that qualify, and a king's graph)."""
    models = [(name, m) for name, m in bm_models() if m.degree <= d_max]
    models.append(("king6", BMKernelModel.build(BoltzmannMachine.king_graph(6, 7, weight_scale=0.6), {4: 1, 20: 0})))
    return models


def add_bm_sparse(cases: Cases, limits: BMLimits = SPEC_BM_LIMITS, tag: str = ".s1024") -> None:
    """RUN_SPARSE frames: the same machines and runs as RUN frames (the outputs are the same
    words), with the lists at the degree and padded to D_MAX, duplicates, and every error,
    answered by a build with `limits` (names end in `tag`: the builds they are for)."""
    def case(name: str, words) -> None:
        cases.bm(name + tag, words, limits=limits)

    for i, (name, model) in enumerate(sparse_models(limits.d_max)):
        tau = 1 + 4 * (i % 2)
        init = np.random.default_rng(i).integers(0, tau + 1, model.n) if i % 2 else None
        case(f"bm_sparse_{name}", model.run_sparse_frame(sweeps=30, burn_in=3, thin=1 + i % 2, tau=tau,
                                                         seed=400 + i, record=True, init=init))
        case(f"bm_sparse_{name}_padded",
             model.run_sparse_frame(sweeps=10, burn_in=0, thin=1, tau=2, seed=500 + i, record=i % 2 == 0,
                                    slots=limits.d_max))
    # Schedules that are not proper colourings (a colour holding neighbours: deferred).
    name, model = sparse_models(limits.d_max)[-1]
    for label, ends in (("one_colour", [model.n]), ("rows", list(range(6, model.n + 1, 6)))):
        improper = dataclasses.replace(model, order=np.arange(model.n), colour_end=np.array(ends))
        case(f"bm_sparse_{name}_{label}", improper.run_sparse_frame(sweeps=20, burn_in=1, thin=1, tau=3,
                                                                   seed=600, record=True))
    good = model.run_sparse_frame(sweeps=4, burn_in=1, thin=1, tau=2, seed=5, record=True)
    n, colours, d = model.n, model.colours, model.degree
    order_at = BM_SPARSE_HEAD
    ends_at = order_at + n
    lists_at = ends_at + colours + n

    def edit(label: str, index: int, value: int) -> None:
        words = good.copy()
        words[index] = value
        case(f"bm_sparse_err_{label}", words)

    # Duplicate indices add up: slot 1 of neuron 0 repeats slot 0's neighbour.
    words = good.copy()
    words[lists_at + 1] = (words[lists_at] & 0xFFFF) | (0x0123 << 16)
    case(f"bm_sparse_{name}_duplicates", words)
    if limits.n_max:        # a dense build without a sparse engine: LIMIT at N
        cases.bm("bm_sparse_err_no_engine.s0", good.copy(), limits=NO_SPARSE_ENGINE)
    edit("n_zero", 3, 0)
    edit("n_big", 3, limits.sparse_n_max + 1)
    edit("c_zero", 4, 0)
    edit("c_big", 4, n + 1)
    edit("d_zero", 5, 0)
    edit("d_big", 5, limits.d_max + 1)
    edit("order_big", order_at + 2, n)
    edit("order_repeat", order_at + 3, int(good[order_at]))
    edit("colour_end_last", ends_at + colours - 1, n - 1)
    edit("index_big", lists_at + d * 5 + 1, n | (7 << 16))
    edit("padding_index_big", lists_at + d * n - 1, 0xFFFF)     # weight 0, index still checked
    for at in (4, 5, order_at + 1, ends_at, lists_at - 1, lists_at + 3, good.size - 2):
        case(f"bm_sparse_err_short_at{at}", good[:at + 1])
    case("bm_sparse_err_long", np.append(good, np.uint32(1)))
    # A RUN frame to a sparse-only build (N_MAX = 0): LIMIT at its N word.
    cases.bm("bm_err_no_dense_engine" + (".n0" if tag else ""),
             model.run_frame(sweeps=4, burn_in=1, thin=1, tau=2, seed=5, record=True),
             limits=dataclasses.replace(limits, n_max=0))


def add_info(cases: Cases, lanes: list[int], bm_n_max: list[int], bn_table_max: list[int]) -> None:
    for p in lanes:
        for table_max in bn_table_max:
            limits = dataclasses.replace(HW_BN_LIMITS, table_max=table_max)
            cases.bn(f"bn_info.p{p}.t{table_max}", [MAGIC_BN, SPEC_VERSION, Op.INFO], lanes=p, limits=limits)
        for n_max in [0, *bm_n_max]:       # 0: a sparse-only build (its P word is its units U)
            for sparse in (SPEC_BM_LIMITS, NO_SPARSE_ENGINE)[:1 if n_max == 0 else 2]:
                limits = dataclasses.replace(sparse, n_max=n_max)
                cases.bm(f"bm_info.p{p}.n{n_max}.s{limits.sparse_n_max}", [MAGIC_BM, SPEC_VERSION, Op.INFO],
                         lanes=p, limits=limits)


def build_sparse_overlay_cases(lanes: list[int], limits: BMLimits) -> Cases:
    """The cases of a sparse-only bm build (the sparse bm overlay: N_MAX = 0, the board's
    SPARSE_N_MAX and D_MAX, INFO's P its units), untagged: the Vitis csim and cosim of
    `make hls KERNEL=bm_sampler_sparse` run them all."""
    cases = Cases()
    add_bm_sparse(cases, limits, tag="")
    for p in lanes:
        cases.bm(f"bm_info.p{p}", [MAGIC_BM, SPEC_VERSION, Op.INFO], lanes=p, limits=limits)
    return cases


def build_cases(lanes: list[int], bm_n_max: list[int], bn_table_max: list[int]) -> Cases:
    cases = Cases()
    add_bn_runs(cases)
    add_bn_hand_made(cases)
    add_bn_errors(cases)
    add_bm_runs(cases)
    add_bm_errors(cases)
    add_bm_sparse(cases)
    add_info(cases, lanes, bm_n_max, bn_table_max)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--bm-n-max", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--bn-table-max", type=int, nargs="+", default=[8192, 16384, 32768])
    parser.add_argument("--bm-sparse-overlay", type=int, nargs=2, metavar=("SPARSE_N_MAX", "D_MAX"),
                        help="only the cases of a sparse-only bm build with these limits (N_MAX = 0)")
    args = parser.parse_args()
    if args.bm_sparse_overlay:
        sparse_n_max, d_max = args.bm_sparse_overlay
        cases = build_sparse_overlay_cases(args.lanes, BMLimits(n_max=0, sparse_n_max=sparse_n_max, d_max=d_max))
    else:
        cases = build_cases(args.lanes, args.bm_n_max, args.bn_table_max)
    cases.write(args.out_dir)
    print(f"wrote {len(cases.cases)} golden cases to {args.out_dir}")


if __name__ == "__main__":
    main()
