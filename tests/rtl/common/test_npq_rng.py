"""The shared RNG modules (npq_stream_seed, npq_xoshiro128ss) against neuropynq.rng."""
import pytest

from tests.rtl.common.build import build_and_run, rtl_sources

pytestmark = pytest.mark.rtl


def test_stream_seed_matches_reference():
    build_and_run("npq_stream_seed", rtl_sources("npq_stream_seed.sv"), {},
                  "tests.rtl.common.npq_rng_tb", testcase="seeds_match_reference")


def test_xoshiro_matches_reference():
    build_and_run("npq_xoshiro128ss", rtl_sources("npq_xoshiro128ss.sv"), {},
                  "tests.rtl.common.npq_rng_tb", testcase="draws_match_reference")
