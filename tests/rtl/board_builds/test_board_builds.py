"""Each twin at every board build's exact parameters (host/neuropynq/data/boards.txt):
an INFO frame and a RUN frame that fills the build's limits (board_build_tb.py).

Builds with the same parameters (e.g. two boards with the same bm sizes) share one
cached Verilator build; the driver co-simulation reuses the PYNQ-Z2 builds.
"""
import pytest

from neuropynq.boards import BM_SPARSE, board_build, board_builds
from tests.rtl.bm_sampler import test_bm_sampler as bm_regression
from tests.rtl.bm_sparse import test_bm_sparse as bm_sparse_regression
from tests.rtl.bn_sampler import test_bn_sampler as bn_regression
from tests.rtl.common.build import build_and_run, rtl_sources, rtl_target

pytestmark = pytest.mark.rtl

TB_MODULE = "tests.rtl.board_builds.board_build_tb"
SOURCES = {"bn_sampler": bn_regression.TWIN_SOURCES, "bm_sampler": bm_regression.TWIN_SOURCES,
           BM_SPARSE: bm_sparse_regression.SOURCES}


# The sparse overlay's models are large (cocotb's --public-flat-rw keeps every signal:
# ~60 MB of C++ in one file at U = 64, which g++ -Os had not compiled after 40 min);
# their runs are a few 10,000 cycles, so they compile without optimisation.
SPARSE_BUILD_ARGS = ("-CFLAGS", "-O0")


def twin_build_args(kernel: str) -> tuple[str, ...]:
    """Verilator build options of `kernel`'s board builds (beside the shared ones)."""
    return SPARSE_BUILD_ARGS if kernel == BM_SPARSE else ()


def twin_top(kernel: str) -> str:
    """The twin's top module: the sparse bm overlay is bm_sampler with ENGINE = 2."""
    return "bm_sampler" if kernel == BM_SPARSE else kernel


def twin_build(kernel: str, board: str) -> tuple[list, dict, dict]:
    """(sources, parameters, testbench environment) of `kernel` at `board`'s build."""
    build = board_build(board)
    params = build.twin_parameters(kernel)
    if kernel == "bn_sampler":
        env = {"BN_P": params["P"], "BN_V_MAX": params["V_MAX"], "BN_TABLE_MAX": params["TABLE_MAX"]}
    elif kernel == BM_SPARSE:
        env = {"NPQ_U": params["U"], "NPQ_SPARSE_N_MAX": params["SPARSE_N_MAX"], "NPQ_D_MAX": params["D_MAX"]}
    else:
        env = {"NPQ_P": params["P"], "NPQ_N_MAX": params["N_MAX"]}
    env = {k: str(v) for k, v in env.items()}
    env["NPQ_BOARD"] = board
    return rtl_sources(*SOURCES[kernel]), params, env


@pytest.mark.slow
@pytest.mark.parametrize("board", list(board_builds()))
@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_twin_at_the_board_build(kernel, board):
    if rtl_target() == "hls":
        pytest.skip("RTL=hls: the Vitis RTL has one build, checked by the kernel regressions")
    sources, params, env = twin_build(kernel, board)
    testcase = "bn_full_size_run" if kernel == "bn_sampler" else "bm_full_size_run"
    build_and_run(kernel, sources, params, TB_MODULE, testcase=testcase, extra_env=env)


@pytest.mark.slow
@pytest.mark.parametrize("board", [b for b, build in board_builds().items() if build.bm_units])
def test_sparse_overlay_at_the_board_build(board):
    """The sparse bm overlay (bm_sampler ENGINE = 2) at each board that has one: INFO and a
    RUN_SPARSE frame of SPARSE_N_MAX neurons with D_MAX-slot lists, word for word."""
    if rtl_target() == "hls":
        pytest.skip("RTL=hls: the Vitis RTL has one build, checked by the kernel regressions")
    sources, params, env = twin_build(BM_SPARSE, board)
    build_and_run("bm_sampler", sources, params, TB_MODULE, testcase="bm_sparse_full_size_run",
                  extra_env=env, build_args=twin_build_args(BM_SPARSE))
