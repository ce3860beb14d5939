"""Co-simulation of the PYNQ driver against the SystemVerilog twins: the driver's
register and stream protocol, unmodified, on a cocotb board model (AXI-Lite MMIO,
an AXI DMA in simple mode, DMA buffers) around each twin in Verilator; results
equal `ref` word for word (driver_cosim_tb.py).

The twins are built as their regressions build them (same top, parameters and
sources, default options), so the cached Verilator builds under build/rtl/ are reused.
"""
import pytest

from tests.rtl.bm_sampler import test_bm_sampler as bm_regression
from tests.rtl.bn_sampler import test_bn_sampler as bn_regression
from tests.rtl.common.build import build_and_run, rtl_sources, rtl_target

pytestmark = pytest.mark.rtl

TB_MODULE = "tests.rtl.driver_cosim.driver_cosim_tb"
LANES = 4


def twin_build(kernel: str) -> tuple[list, dict, dict]:
    """(sources, parameters, testbench environment) of the regression's build."""
    if kernel == "bm_sampler":
        n_max = bm_regression.REGRESSION_N_MAX
        return (rtl_sources(*bm_regression.TWIN_SOURCES), {"P": LANES, "N_MAX": n_max},
                {"NPQ_N_MAX": str(n_max)})
    v_max, table_max = bn_regression.V_MAX, bn_regression.TABLE_MAX
    return (rtl_sources(*bn_regression.TWIN_SOURCES),
            {"P": LANES, "V_MAX": v_max, "TABLE_MAX": table_max},
            {"NPQ_V_MAX": str(v_max), "NPQ_TABLE_MAX": str(table_max)})


def run(kernel: str, testcase: str) -> None:
    if rtl_target() == "hls":
        pytest.skip("the driver co-simulation runs on the SystemVerilog twins")
    sources, params, env = twin_build(kernel)
    build_and_run(kernel, sources, params, TB_MODULE, testcase=testcase,
                  extra_env={"NPQ_KERNEL": kernel, "NPQ_P": str(LANES), **env})


@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_driver_frames_equal_reference(kernel):
    run(kernel, "driver_frames_equal_reference")


@pytest.mark.parametrize("kernel", ["bn_sampler", "bm_sampler"])
def test_driver_times_out_when_the_output_is_never_taken(kernel):
    run(kernel, "driver_times_out_when_the_output_is_never_taken")


def test_driver_names_an_output_longer_than_its_buffer():
    run("bm_sampler", "driver_names_an_output_longer_than_its_buffer")


def test_driver_names_a_transfer_to_unmapped_memory():
    run("bm_sampler", "driver_names_a_transfer_to_unmapped_memory")
