"""The `cpu` backend (the HLS kernels compiled natively) returns exactly what the
`ref` backend returns: on every example network, on random Boltzmann machines,
on malformed frames; and it builds, caches and fails as documented."""
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from neuropynq.backends import cpu as cpu_module
from neuropynq.backends.cpu import CpuBackend
from neuropynq.backends.ref import RefBackend
from neuropynq.backends.registry import get_backend
from neuropynq.errors import BackendUnavailable, KernelError, LimitError
from neuropynq.framing import MAGIC_OUT, SPEC_VERSION, Op, Status
from neuropynq.kernels.bm_model import BMKernelModel
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.limits import HW_BN_LIMITS, SPEC_BM_LIMITS, SPEC_BN_LIMITS
from neuropynq.models.bayesnet import BayesNet
from neuropynq.models.boltzmann import BoltzmannMachine
from neuropynq.reference import bn_sampler as bn_ref
from neuropynq.sampler import Sampler

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.bif"))



@pytest.fixture(scope="module")
def cpu():
    return CpuBackend()


@pytest.fixture(scope="module")
def ref():
    return RefBackend()


def _evidence(bn: BayesNet) -> dict:
    """Two observed variables: the last in topological order and one in the middle."""
    order = bn.topological_order()
    middle = order[len(order) // 2]
    return {order[-1]: 0, middle: bn.card(middle) - 1}


def _forward_evidence(bn: BayesNet) -> dict:
    """The variables of _evidence observed at the states of one forward sample (so that
    the evidence is likely enough for a few hundred samples to spike on the large networks)."""
    model = BNKernelModel.build(bn)
    states, _ = bn_ref.draws(model, samples=1, seed=5, rmax=65535)
    order = model.order
    return {v: int(states[0, order.index(v)]) for v in _evidence(bn)}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("observed", [False, True], ids=["prior", "evidence"])
def test_bn_frames_equal_ref_on_every_example(cpu, ref, path, observed):
    bn = BayesNet.from_bif(path)
    model = BNKernelModel.build(bn, _evidence(bn) if observed else {})
    frame = model.run_frame(samples=3001, window=64, seed=hash(path.stem) % 1000, rmax=50000)
    expected = ref.execute(frame)
    got = cpu.execute(frame)
    np.testing.assert_array_equal(got, expected)
    assert got[1] == Status.OK and model.unpack(got[3:]).total > 0


# The bnlearn networks beyond the hardware builds' limits (V <= 128, <= 16 states, 8
# parents, 32768 table words): the cpu build runs them on its general path.
BEYOND_HW_LIMITS = {"andes", "barley", "diabetes", "link", "mildew", "munin", "pathfinder", "pigs"}


def test_bn_frames_equal_ref_on_shared_networks(cpu, ref, shared_bif):
    """Every bnlearn network beside the repository: equal frames (fewer samples for the
    large ones, which the reference runs variable by variable); a board build's limits
    refuse the large ones with a LimitError naming the limit and the cpu backend."""
    bn = BayesNet.from_bif(shared_bif)
    large = shared_bif.stem in BEYOND_HW_LIMITS
    if large:
        with pytest.raises(LimitError, match=r"this kernel build allows at most \d+; .*--backend cpu"):
            BNKernelModel.build(bn, _evidence(bn), limits=HW_BN_LIMITS)
    model = BNKernelModel.build(bn, _forward_evidence(bn) if large else _evidence(bn))
    frame = model.run_frame(samples=300 if large else 1500, window=32, seed=3, rmax=65535)
    got = cpu.execute(frame)
    np.testing.assert_array_equal(got, ref.execute(frame))
    assert got[1] == Status.OK and model.unpack(got[3:]).total > 0


def test_sampler_posterior_is_identical_on_cpu_and_ref():
    bn = BayesNet.from_bif(ROOT / "examples" / "alarm.bif")
    evidence = {"HRBP": "HIGH", "CO": "LOW"}
    a = Sampler("cpu").posterior(bn, evidence, samples=5000, window=128, seed=42)
    b = Sampler("ref").posterior(bn, evidence, samples=5000, window=128, seed=42)
    assert a.backend == "cpu" and b.backend == "ref"
    assert a.total == b.total > 0
    for v in b.counts:
        np.testing.assert_array_equal(a.counts[v], b.counts[v])


BM_CASES = [
    # n, density, tau, burn_in, thin, record, clamp
    (5, 1.0, 1, 0, 1, True, None),
    (24, 0.5, 1, 10, 2, True, {0: 1, 3: 0}),
    (64, 1.0, 3, 5, 1, False, None),
    (70, 0.2, 10, 0, 3, True, {69: 1}),
    (130, 0.05, 1, 2, 1, True, None),
]


@pytest.mark.parametrize("n, density, tau, burn_in, thin, record, clamp", BM_CASES,
                         ids=[f"n{c[0]}-tau{c[2]}" for c in BM_CASES])
def test_bm_frames_equal_ref_on_random_machines(cpu, ref, n, density, tau, burn_in, thin, record, clamp):
    bm = BoltzmannMachine.random(n, seed=n, density=density, weight_scale=0.6, bias_scale=0.4)
    model = BMKernelModel.build(bm, clamp)
    frame = model.run_frame(sweeps=60, burn_in=burn_in, thin=thin, tau=tau, seed=7 * n, record=record)
    expected = ref.execute(frame)
    got = cpu.execute(frame)
    np.testing.assert_array_equal(got, expected)
    counts = model.unpack(got[3:], 60, record)
    assert counts.spike_counts.sum() > 0


@pytest.mark.parametrize("hub_degree", [32, 33], ids=["sparse-mode", "dense-mode"])
def test_bm_degree_bound_of_the_sparse_mode(cpu, ref, hub_degree):
    """Neuron 0 is joined to `hub_degree` others: at most 32 non-zeros per row use the
    kernel's neighbour lists, one more the dense rows; both must equal ref."""
    n = 40
    rng = np.random.default_rng(hub_degree)
    W = np.zeros((n, n))
    W[0, 1:hub_degree + 1] = rng.normal(0, 0.4, hub_degree)
    W[5, 6:9] = 0.3
    W = W + W.T
    model = BMKernelModel.build(BoltzmannMachine(W, rng.normal(0, 0.5, n)))
    assert max(np.count_nonzero(row) for row in model.W_q) == hub_degree
    frame = model.run_frame(sweeps=80, burn_in=4, thin=1, tau=2, seed=1, record=True)
    np.testing.assert_array_equal(cpu.execute(frame), ref.execute(frame))


def test_sampler_sample_is_identical_on_cpu_and_ref():
    bm = BoltzmannMachine.random(12, seed=3, density=0.7)
    a = Sampler("cpu").sample(bm, sweeps=100, burn_in=10, tau=2, clamp={1: 1}, seed=5)
    b = Sampler("ref").sample(bm, sweeps=100, burn_in=10, tau=2, clamp={1: 1}, seed=5)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.on_counts, b.on_counts)
    np.testing.assert_array_equal(a.spike_counts, b.spike_counts)
    assert a.states[:, 1].all()


def test_sampler_chains_continue_from_the_final_state_on_cpu_and_ref():
    bm = BoltzmannMachine.random(12, seed=4, density=0.7, weight_scale=1.5)
    first = [Sampler(name).sample(bm, sweeps=30, burn_in=0, tau=3, clamp={2: 0}, seed=1) for name in ("cpu", "ref")]
    np.testing.assert_array_equal(first[0].final_state, first[1].final_state)
    assert first[0].final_state.max() <= 3 and first[0].final_state[2] == 0
    np.testing.assert_array_equal(first[0].final_state >= 1, first[0].states[-1])   # thin = 1
    init = first[0].final_state
    second = [Sampler(name).sample(bm, sweeps=30, burn_in=0, tau=3, clamp={2: 0}, seed=2, init=init)
              for name in ("cpu", "ref")]
    for field in ("states", "on_counts", "spike_counts", "final_state"):
        np.testing.assert_array_equal(getattr(second[0], field), getattr(second[1], field))
    fresh = Sampler("ref").sample(bm, sweeps=30, burn_in=0, tau=3, clamp={2: 0}, seed=2)
    assert not np.array_equal(fresh.states, second[1].states)     # the initial state is used


def _asia_frame() -> np.ndarray:
    model = BNKernelModel.build(BayesNet.from_bif(ROOT / "examples" / "asia.bif"), {"xray": "yes"})
    return model.run_frame(samples=100, window=10, seed=1, rmax=1000)


@pytest.mark.parametrize("tlast_at", [0, 4, 9, 30, -2])
def test_bn_tlast_early_matches_ref(cpu, tlast_at):
    frame = _asia_frame()
    last = np.zeros(frame.size, dtype=np.uint8)
    last[tlast_at] = 1
    got = cpu.execute(frame, last=last)
    np.testing.assert_array_equal(got, bn_ref.run_frame(frame, last.astype(bool)))
    assert list(got) == [MAGIC_OUT, Status.SHORT_FRAME, 0]


def test_bn_tlast_late_matches_ref(cpu, ref):
    frame = np.concatenate([_asia_frame(), [5, 6]]).astype(np.uint32)
    got = cpu.execute(frame)
    np.testing.assert_array_equal(got, ref.execute(frame))
    assert list(got) == [MAGIC_OUT, Status.LONG_FRAME, 0]


def test_bm_truncated_and_bad_frames_match_ref(cpu, ref):
    model = BMKernelModel.build(BoltzmannMachine.random(10, seed=1))
    frame = model.run_frame(sweeps=5, burn_in=0, thin=1, tau=1, seed=0, record=False)
    bad_tau = frame.copy()
    bad_tau[-4] = 0
    for words, status in ((frame[:20], Status.SHORT_FRAME), (bad_tau, Status.BAD_PARAMS)):
        got = cpu.execute(words)
        np.testing.assert_array_equal(got, ref.execute(words))
        assert got[1] == status


def test_a_frame_for_neither_kernel_gets_bad_magic(cpu, ref):
    frame = np.array([0x12345678, SPEC_VERSION, Op.INFO], dtype=np.uint32)
    np.testing.assert_array_equal(cpu.execute(frame), ref.execute(frame))
    assert list(cpu.execute(frame)) == [MAGIC_OUT, Status.BAD_MAGIC, 0]


def test_an_empty_frame_gets_the_ref_answer(cpu, ref):
    empty = np.zeros(0, dtype=np.uint32)
    np.testing.assert_array_equal(cpu.execute(empty), ref.execute(empty))


def test_info_reports_one_lane_and_the_spec_limits(cpu):
    assert cpu.bn_lanes() == cpu_module.LANES == 1
    assert cpu.bm_lanes() == 1
    assert cpu.bn_limits() == SPEC_BN_LIMITS
    assert cpu.bm_limits() == SPEC_BM_LIMITS


def test_input_without_tlast_is_a_kernel_error(cpu):
    frame = _asia_frame()
    with pytest.raises(KernelError, match="no TLAST"):
        cpu.execute(frame, last=np.zeros(frame.size, dtype=np.uint8))
    # the backend is still usable afterwards
    assert cpu.execute(frame)[1] == Status.OK


def test_last_flags_must_match_the_words(cpu):
    with pytest.raises(ValueError, match="2 flags for 3 words"):
        cpu.execute(np.zeros(3, dtype=np.uint32), last=[0, 1])


def test_registry_returns_the_cpu_backend():
    backend = get_backend("cpu")
    assert isinstance(backend, CpuBackend) and backend.name == "cpu"


def test_concurrent_calls_give_the_sequential_answers(cpu):
    frames = [BNKernelModel.build(BayesNet.from_bif(ROOT / "examples" / "cancer.bif"))
              .run_frame(samples=2000, window=32, seed=s, rmax=30000) for s in range(6)]
    expected = [cpu.execute(f) for f in frames]
    results = [None] * len(frames)

    def work(i):
        results[i] = cpu.execute(frames[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(frames))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


def test_library_is_cached_and_reused(cpu):
    """The module's backend built the library; asking again reuses it untouched."""
    first = cpu_module.build_library()
    stamp = first.stat().st_mtime_ns
    assert first.parent == cpu_module.cache_dir() and first.name.startswith("libneuropynq_")
    assert cpu_module.build_library() == first
    assert first.stat().st_mtime_ns == stamp
    assert not list(first.parent.glob("tmp*.so"))     # no half-written build left behind


def _copy_of_hls(tmp_path: Path, monkeypatch) -> Path:
    copy = tmp_path / "hls"
    shutil.copytree(cpu_module.HLS / "src", copy / "src")
    shutil.copytree(cpu_module.HLS / "include", copy / "include")
    monkeypatch.setattr(cpu_module, "HLS", copy)
    monkeypatch.setenv("NEUROPYNQ_CACHE", str(tmp_path / "cache"))
    return copy


def test_a_changed_header_changes_the_build_key(tmp_path, monkeypatch):
    copy = _copy_of_hls(tmp_path, monkeypatch)
    compiler = shutil.which("g++")
    before = cpu_module._build_key(compiler)
    rng = copy / "include" / "npq_rng.h"
    rng.write_text(rng.read_text() + "\n// edited\n")
    assert cpu_module._build_key(compiler) != before


def test_a_failing_build_names_the_compiler_error(tmp_path, monkeypatch):
    copy = _copy_of_hls(tmp_path, monkeypatch)
    for source in cpu_module.SOURCES:
        (copy / source).write_text("int broken( {\n")
    with pytest.raises(BackendUnavailable, match=r"building the cpu backend with .*g\+\+ failed: .*error"):
        cpu_module.build_library()
    assert not list((tmp_path / "cache").glob("*.so"))


def test_a_missing_compiler_is_backend_unavailable(monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler-npq")
    with pytest.raises(BackendUnavailable, match="'no-such-compiler-npq' is not on PATH"):
        cpu_module.build_library()


def test_missing_sources_are_backend_unavailable(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu_module, "HLS", tmp_path / "nowhere")
    with pytest.raises(BackendUnavailable, match="lack src/bn_sampler.cpp"):
        cpu_module.build_library()


@pytest.mark.parametrize("n, density, tau, burn_in, thin, record, clamp", BM_CASES,
                         ids=[f"n{c[0]}-tau{c[2]}" for c in BM_CASES])
def test_bm_frames_with_an_initial_state_equal_ref(cpu, ref, n, density, tau, burn_in, thin, record, clamp):
    bm = BoltzmannMachine.random(n, seed=n, density=density, weight_scale=0.6, bias_scale=0.4)
    model = BMKernelModel.build(bm, clamp)
    init = np.random.default_rng(n).integers(0, tau + 1, n)
    frame = model.run_frame(sweeps=20, burn_in=burn_in, thin=thin, tau=tau, seed=3 * n, record=record,
                            init=init)
    got = cpu.execute(frame)
    np.testing.assert_array_equal(got, ref.execute(frame))
    final = model.unpack(got[3:], 20, record).final_state
    # the final state continues the chain: fed back, it is a valid initial state
    again = model.run_frame(sweeps=20, burn_in=0, thin=thin, tau=tau, seed=3 * n + 1, record=record,
                            init=final)
    np.testing.assert_array_equal(cpu.execute(again), ref.execute(again))
