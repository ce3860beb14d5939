"""The cpu backend on the bnlearn networks beyond the hardware builds' limits (more
than 128 variables, more than 16 states, tables beyond 32768 words): its posterior
marginals against exact inference, as tests/test_bn_statistics.py checks the small
ones (mean absolute error over the unobserved variables' states ≤ 0.01 at S = 65536).

The evidence is the states of three variables (the last in kernel order, the middle,
the first third) in one forward sample of the network, so P(e) is what a modeller
would observe, not an arbitrary corner. Equality with the reference is
tests/test_cpu_backend.py's (word for word, on all 20 networks); diabetes is left out
here because its exact inference alone takes ~12 s.
"""
import numpy as np
import pytest

from neuropynq.backends.cpu import CpuBackend
from neuropynq.errors import LimitError
from neuropynq.exact.variable_elimination import posterior_marginals
from neuropynq.framing import parse_output
from neuropynq.kernels.bn_model import BNKernelModel
from neuropynq.limits import HW_BN_LIMITS
from neuropynq.models.bayesnet import BayesNet
from neuropynq.reference import bn_sampler as bn_ref

from conftest import SHARED_BN_DIR

SAMPLES, WINDOW, SEED, RMAX = 65536, 1024, 7, 65535
MAE_MAX = 0.01
NETWORKS = ["andes", "barley", "link", "mildew", "munin", "pathfinder", "pigs"]


def forward_evidence(bn: BayesNet, seed: int) -> dict:
    """Three variables observed at their states in one forward sample (the kernel's own draw)."""
    prior = BNKernelModel.build(bn)
    states, _ = bn_ref.draws(prior, samples=1, seed=seed, rmax=RMAX)
    order = prior.order
    return {order[k]: int(states[0, k]) for k in (len(order) - 1, len(order) // 2, len(order) // 3)}


@pytest.fixture(scope="module")
def cpu():
    return CpuBackend()


@pytest.mark.slow
@pytest.mark.parametrize("net", NETWORKS)
def test_large_networks_match_exact_inference(cpu, net):
    path = SHARED_BN_DIR / f"{net}.bif"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    bn = BayesNet.from_bif(path)
    evidence = forward_evidence(bn, seed=1)
    model = BNKernelModel.build(bn, evidence)
    with pytest.raises(LimitError, match="--backend cpu"):
        BNKernelModel.build(bn, evidence, limits=HW_BN_LIMITS)   # a board build refuses it
    counts = model.unpack(parse_output(cpu.execute(model.run_frame(SAMPLES, WINDOW, SEED, RMAX))))
    estimate = counts.posterior()
    exact = posterior_marginals(bn, evidence, query=model.order)
    free = [v for v, e in zip(model.order, model.evidence_state) if e < 0]
    errors = np.concatenate([np.abs(estimate[v] - exact[v]) for v in free])
    assert errors.mean() <= MAE_MAX, f"{net}: mean absolute error {errors.mean():.4f} > {MAE_MAX}"
