"""bm RUN_SPARSE frames (docs/spec.md §4.3.1) on the reference and the cpu backend: the
same machine sent as RUN and as RUN_SPARSE gives the same output frame word for word
(seeds, τ = 1 and τ > 1, clamps, INIT, RECORD, padded lists), every malformed sparse
frame gets the reference's status, and the host picks the frame a build takes."""
import numpy as np
import pytest

from neuropynq.backends.cpu import CpuBackend
from neuropynq.backends.ref import RefBackend
from neuropynq.errors import LimitError
from neuropynq.framing import MAGIC_BN, SPEC_VERSION, Op, Status, parse_output
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.limits import BMLimits
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bm_sampler
from neuropynq.sampler import Sampler

NO_SPARSE = BMLimits(sparse_n_max=0, d_max=0)


@pytest.fixture(scope="module")
def cpu():
    return CpuBackend(threads=1)


def king(side=4, seed=3, clamp=None) -> BMKernelModel:
    return BMKernelModel.build(BoltzmannMachine.king_graph(side, seed, weight_scale=0.8), clamp)


def sparse_random(seed=2, clamp=None) -> BMKernelModel:
    return BMKernelModel.build(BoltzmannMachine.bounded_degree(30, 5, seed, weight_scale=0.8), clamp)


# (model, run parameters: sweeps, burn_in, thin, tau, seed, record, init seed or None, slots)
RUNS = [
    (lambda: king(), (40, 3, 1, 1, 1, True, None, None)),
    (lambda: king(5, 4, {0: 1, 12: 0, 24: 1}), (30, 0, 2, 4, 2**64 - 1, True, 1, None)),
    (lambda: sparse_random(), (25, 5, 1, 3, 17, False, None, 16)),
    (lambda: sparse_random(5, {3: 0, 29: 1}), (20, 2, 3, 1, 23, True, 2, 9)),
    (lambda: king(3, 9), (50, 1, 1, 255, 5, True, 3, 8)),
]


@pytest.mark.parametrize("make, run", RUNS)
def test_sparse_frame_answers_as_the_dense_frame_word_for_word(cpu, make, run):
    model = make()
    sweeps, burn_in, thin, tau, seed, record, init_seed, slots = run
    init = None if init_seed is None else np.random.default_rng(init_seed).integers(0, tau + 1, model.n)
    dense = model.run_frame(sweeps, burn_in, thin, tau, seed, record, init)
    sparse = model.run_sparse_frame(sweeps, burn_in, thin, tau, seed, record, init, slots=slots)
    assert (int(dense[2]), int(sparse[2])) == (Op.RUN, Op.RUN_SPARSE)
    want = bm_sampler.run_frame(dense)
    assert want[1] == Status.OK and want[2] > 2 * model.n
    assert np.array_equal(bm_sampler.run_frame(sparse), want)
    assert np.array_equal(cpu.execute(sparse), want)
    assert np.array_equal(cpu.execute(dense), want)


@pytest.mark.parametrize("ends", [[16], [4, 8, 12, 16], [3, 5, 11, 16]])
def test_schedules_with_neighbours_in_a_colour_update_simultaneously(cpu, ends):
    """Not a proper colouring (rows of the grid, or all in one colour): each neuron of a
    colour reads z from before the colour (§3.1), in both frames and both backends."""
    model = king(4, 11, {6: 1})
    model.order, model.colour_end = np.arange(16), np.array(ends)
    want = bm_sampler.run_frame(model.run_frame(40, 2, 1, 2, 3, True))
    sparse = model.run_sparse_frame(40, 2, 1, 2, 3, True)
    assert np.array_equal(bm_sampler.run_frame(sparse), want)
    assert np.array_equal(cpu.execute(sparse), want)


def test_a_chain_continues_across_sparse_frames(cpu):
    model = king(4, 6, {5: 1})
    first = model.unpack(parse_output(cpu.execute(model.run_sparse_frame(20, 2, 1, 3, 7, True))), 20, True)
    assert first.final_state.any()
    words = model.run_sparse_frame(20, 0, 1, 3, 8, True, first.final_state)
    assert np.array_equal(cpu.execute(words), bm_sampler.run_frame(model.run_frame(20, 0, 1, 3, 8, True,
                                                                                   first.final_state)))


def test_duplicate_indices_add_up(cpu):
    """Two slots naming the same neighbour add their weights (§4.3.1): the same as one
    slot with the sum."""
    model = king(3, 1)
    index, weight = model.neighbour_lists()
    split = model.run_sparse_frame(30, 0, 1, 1, 4, True, slots=index.shape[1] + 1)
    # neuron 4 (the centre): its first weight w becomes w - 100 and 100 in the padding slot
    d = index.shape[1] + 1
    lists_at = 6 + model.n + model.colours + model.n
    first, pad = lists_at + 4 * d, lists_at + 4 * d + d - 1
    w = int(weight[4, 0])
    split[first] = int(index[4, 0]) | (((w - 100) & 0xFFFF) << 16)
    split[pad] = int(index[4, 0]) | (100 << 16)
    want = bm_sampler.run_frame(model.run_frame(30, 0, 1, 1, 4, True))
    assert np.array_equal(bm_sampler.run_frame(split), want)
    assert np.array_equal(cpu.execute(split), want)


def test_neighbour_lists_pad_with_the_neuron_itself_and_weight_zero():
    model = king(3, 2)
    index, weight = model.neighbour_lists(10)
    assert index.shape == (9, 10) and model.degree == 8
    centre = np.flatnonzero(model.W_q[4])
    assert np.array_equal(index[4, :8], centre) and np.array_equal(weight[4, :8], model.W_q[4, centre])
    assert np.all(index[4, 8:] == 4) and np.all(weight[4, 8:] == 0)
    assert np.all(index[0, 3:] == 0) and np.all(weight[0, 3:] == 0)          # a corner: degree 3
    with pytest.raises(LimitError, match="8 non-zero weights, more than D = 7"):
        model.neighbour_lists(7)


def _good_sparse():
    model = king(3, 5, {2: 1})
    return model, model.run_sparse_frame(3, 1, 1, 2, 9, True, np.zeros(9, int))


def _bad_sparse_frames():
    """(label, words, status) of malformed RUN_SPARSE frames, one per check of §4.5."""
    model, good = _good_sparse()
    n, c, d = model.n, model.colours, model.degree
    order_at, ends_at = 6, 6 + n
    lists_at = ends_at + c + n
    params = lists_at + n * d + 2
    zeta_at = params + 7

    def edit(pos, value):
        w = good.copy()
        w[pos] = value
        return w

    return [
        ("opcode 4", edit(2, 4), Status.BAD_OPCODE),
        ("N = 0", edit(3, 0), Status.LIMIT),
        ("N > SPARSE_N_MAX", edit(3, 1025), Status.LIMIT),
        ("C = 0", edit(4, 0), Status.LIMIT),
        ("C > N", edit(4, n + 1), Status.LIMIT),
        ("D = 0", edit(5, 0), Status.LIMIT),
        ("D > D_MAX", edit(5, 17), Status.LIMIT),
        ("order >= N", edit(order_at + 1, n), Status.BAD_MODEL),
        ("order repeats", edit(order_at + 2, int(good[order_at])), Status.BAD_MODEL),
        ("colour_end not increasing", edit(ends_at, 0), Status.BAD_MODEL),
        ("colour_end not ending at N", edit(ends_at + c - 1, n - 1), Status.BAD_MODEL),
        ("index >= N", edit(lists_at + 2 * d + 1, n | (5 << 16)), Status.BAD_MODEL),
        ("padding index >= N", edit(lists_at + d * n - 1, 0xFFFF), Status.BAD_MODEL),
        ("index bits only", edit(lists_at, (n - 1) | (0xFFFF << 16)), Status.OK),
        ("tau = 0", edit(params + 3, 0), Status.BAD_PARAMS),
        ("initial ζ above τ", edit(zeta_at, 3), Status.BAD_PARAMS),
        ("cut after D", good[:6], Status.SHORT_FRAME),
        ("cut in the order", good[:order_at + 3], Status.SHORT_FRAME),
        ("cut in the biases", good[:lists_at - 2], Status.SHORT_FRAME),
        ("cut in the lists", good[:lists_at + 5], Status.SHORT_FRAME),
        ("cut before the initial state", good[:zeta_at], Status.SHORT_FRAME),
        ("long", np.append(good, np.uint32(0)), Status.LONG_FRAME),
    ]


@pytest.mark.parametrize("label, words, status", _bad_sparse_frames(), ids=[c[0] for c in _bad_sparse_frames()])
def test_malformed_sparse_frames_get_their_status_on_ref_and_cpu(cpu, label, words, status):
    want = bm_sampler.run_frame(words)
    assert Status(int(want[1])) == status, label
    assert np.array_equal(cpu.execute(words), want), label


def test_a_build_without_a_sparse_engine_answers_limit_at_n():
    _, good = _good_sparse()
    assert bm_sampler.run_frame(good, limits=NO_SPARSE).tolist()[1:] == [Status.LIMIT, 0]
    assert bm_sampler.run_frame(good[:4], limits=NO_SPARSE)[1] == Status.LIMIT   # before TLAST


def test_bn_kernels_refuse_opcode_3(cpu):
    frame = np.array([MAGIC_BN, SPEC_VERSION, Op.RUN_SPARSE, 1], dtype=np.uint32)
    for backend in (RefBackend(), cpu):
        assert backend.execute(frame).tolist()[1:] == [Status.BAD_OPCODE, 0]


def test_frame_kind_is_dense_when_it_fits_and_is_not_larger():
    small = king(3, 1)                        # N = 9: 41 words of W against 9 * 8 + 1 list words
    assert small.frame_kind() == Op.RUN and small.dense_words() <= small.sparse_words()
    grid = king(8, 1)                         # N = 64: 2048 against 513
    assert grid.frame_kind() == Op.RUN_SPARSE
    assert grid.frame_kind(NO_SPARSE) == Op.RUN
    assert grid.frame_kind(BMLimits(n_max=32)) == Op.RUN_SPARSE
    assert small.frame_kind(BMLimits(n_max=0, sparse_n_max=1024, d_max=8)) == Op.RUN_SPARSE
    with pytest.raises(LimitError, match="N = 64.*N_MAX = 32.*no sparse engine"):
        grid.frame_kind(BMLimits(n_max=32, sparse_n_max=0, d_max=0))
    with pytest.raises(LimitError, match="N_MAX = 32.*8 non-zero weights, D_MAX = 4"):
        grid.frame_kind(BMLimits(n_max=32, d_max=4))
    with pytest.raises(LimitError, match="SPARSE_N_MAX = 48"):
        grid.frame_kind(BMLimits(n_max=32, sparse_n_max=48))


class SmallDenseBuild(RefBackend):
    """The reference as a build whose dense engine stops at N_MAX = 16."""
    limits = BMLimits(n_max=16)

    def execute(self, frame):
        return bm_sampler.run_frame(np.asarray(frame, dtype=np.uint32), limits=self.limits)

    def bm_limits(self):
        return self.limits


def test_the_sampler_sends_a_sparse_frame_where_the_dense_one_does_not_fit():
    bm = BoltzmannMachine.king_graph(6, 2)
    got = Sampler(SmallDenseBuild()).sample(bm, sweeps=30, burn_in=2, tau=2, clamp={1: 1}, seed=5)
    direct = bm_sampler.sample(BMKernelModel.build(bm, {1: 1}), 30, 2, 1, 2, 5, True)
    assert np.array_equal(got.states, direct.states) and np.array_equal(got.final_state, direct.final_state)
    # a dense machine of N = 36 fits neither frame of that build
    with pytest.raises(LimitError, match="N = 36.*N_MAX = 16.*35 non-zero weights, D_MAX = 16"):
        Sampler(SmallDenseBuild()).sample(BoltzmannMachine.random(36, 1), sweeps=1)
