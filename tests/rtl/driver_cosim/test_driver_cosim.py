"""Co-simulation of the PYNQ driver against the SystemVerilog twins: the driver's
register and stream protocol, unmodified, on a cocotb board model (AXI-Lite MMIO,
an AXI DMA in simple mode, DMA buffers) around each twin in Verilator; results
equal `ref` word for word (driver_cosim_tb.py).

The twins are built at the PYNQ-Z2 board build's exact parameters, as
tests/rtl/board_builds builds them (same top, parameters, sources and build options),
so the cached Verilator builds under build/rtl/ are shared; the sparse bm
overlay's twin (bm_sampler ENGINE = 2, U = 32) too, whose build
tests/rtl/board_builds' sparse test makes first in a whole run.
"""
import pytest

from neuropynq.boards import BM_SPARSE
from tests.rtl.board_builds.test_board_builds import twin_build as board_twin_build, twin_build_args, twin_top
from tests.rtl.common.build import build_and_run, rtl_target

pytestmark = pytest.mark.rtl

TB_MODULE = "tests.rtl.driver_cosim.driver_cosim_tb"
BOARD = "pynq-z2"


def twin_build(kernel: str) -> tuple[list, dict, dict]:
    """(sources, parameters, testbench environment) of the PYNQ-Z2 build of `kernel`."""
    sources, params, _ = board_twin_build(kernel, BOARD)
    if kernel == "bm_sampler":
        env = {"NPQ_N_MAX": str(params["N_MAX"])}
    elif kernel == BM_SPARSE:
        env = {"NPQ_SPARSE_N_MAX": str(params["SPARSE_N_MAX"]), "NPQ_D_MAX": str(params["D_MAX"])}
    else:
        env = {"NPQ_V_MAX": str(params["V_MAX"]), "NPQ_TABLE_MAX": str(params["TABLE_MAX"])}
    return sources, params, env


def run(kernel: str, testcase: str) -> None:
    if rtl_target() == "hls":
        pytest.skip("the driver co-simulation runs on the SystemVerilog twins")
    sources, params, env = twin_build(kernel)
    lanes = params["U"] if kernel == BM_SPARSE else params["P"]     # what INFO reports as P
    build_and_run(twin_top(kernel), sources, params, TB_MODULE, testcase=testcase,
                  extra_env={"NPQ_KERNEL": kernel, "NPQ_P": str(lanes), **env},
                  build_args=twin_build_args(kernel))


@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_driver_frames_equal_reference(kernel):
    run(kernel, "driver_frames_equal_reference")


@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_driver_times_out_when_the_output_is_never_taken(kernel):
    run(kernel, "driver_times_out_when_the_output_is_never_taken")


@pytest.mark.slow
def test_driver_runs_the_sparse_overlay():
    """RUN_SPARSE frames through the driver to the sparse bm overlay's twin (the dense
    overlay and bn's are mock boards): INFO (P = U, N_MAX = 0, SPARSE_N_MAX, D_MAX), a
    king's graph and a 300-neuron graph beyond the dense overlay, a BAD_PARAMS frame."""
    run(BM_SPARSE, "driver_frames_equal_reference")


def test_driver_names_an_output_longer_than_its_buffer():
    run("bm_sampler", "driver_names_an_output_longer_than_its_buffer")


def test_driver_names_a_transfer_to_unmapped_memory():
    run("bm_sampler", "driver_names_a_transfer_to_unmapped_memory")


def test_driver_runs_chains_on_two_copies_of_the_kernel():
    run("bm_sampler", "driver_runs_chains_on_two_copies_of_the_kernel")
