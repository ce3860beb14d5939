# HLS kernels (hls/): C simulation with g++ against the Python reference's golden
# vectors, and the Vitis HLS flow (csim, csynth, cosim, IP export).

HLS_DIR      := hls
HLS_BUILD    := build/hls
HLS_GOLDEN   := build/golden
HLS_CSIM_P   := 1 4 16
HLS_CXX      ?= g++
HLS_CXXFLAGS := -std=c++14 -O2 -Wall -Wno-unknown-pragmas -Wno-unused-label \
                -I$(HLS_DIR)/include -I$(HLS_DIR)/include/shim
HLS_SOURCES  := $(HLS_DIR)/src/bn_sampler.cpp $(HLS_DIR)/src/bm_sampler.cpp $(HLS_DIR)/tb/tb_kernels.cpp
HLS_HEADERS  := $(wildcard $(HLS_DIR)/include/*.h $(HLS_DIR)/include/shim/*.h)
KERNEL       ?= bn_sampler
BOARD        ?= pynq-z2
STEPS        ?= csim csynth cosim export

.PHONY: hls-csim hls hls-headers

hls-headers: $(VENV)/.runtime  ## regenerate hls/include/npq_luts.h and npq_constants.h from the Python sources
	$(PY) -m neuropynq.codegen.cpp $(HLS_DIR)/include

$(HLS_GOLDEN)/.stamp: $(VENV)/.runtime $(HLS_DIR)/tb/make_golden.py $(wildcard host/neuropynq/reference/*.py host/neuropynq/kernels/*.py)
	$(PY) $(HLS_DIR)/tb/make_golden.py $(HLS_GOLDEN) --lanes $(HLS_CSIM_P)
	touch $@

$(HLS_BUILD)/csim/tb_p%: $(HLS_SOURCES) $(HLS_HEADERS)
	@mkdir -p $(@D)
	$(HLS_CXX) $(HLS_CXXFLAGS) -DNPQ_LANES=$* $(HLS_SOURCES) -o $@

hls-csim: $(HLS_GOLDEN)/.stamp $(foreach p,$(HLS_CSIM_P),$(HLS_BUILD)/csim/tb_p$(p))  ## C simulation of both kernels (g++) against the reference's golden vectors, P = 1, 4, 16
	@for p in $(HLS_CSIM_P); do \
	  log=$(HLS_BUILD)/csim/tb_p$$p.log; \
	  $(HLS_BUILD)/csim/tb_p$$p $(HLS_GOLDEN) > $$log || { grep -v '^PASS' $$log; exit 1; }; \
	  tail -n 1 $$log; \
	done

# Vitis HLS: vitis_hls (up to 2023.2) or vitis-run (2024.1 on); parameters travel in the environment.
HLS_TOOL = $(shell command -v vitis_hls 2>/dev/null || command -v vitis-run 2>/dev/null)

.PHONY: hls-tool
hls-tool:
	@test -n "$(HLS_TOOL)" || { echo "make hls: neither vitis_hls nor vitis-run is on PATH; source Vitis's settings64.sh first (make hls-csim needs only g++)"; exit 1; }

# P is the board's lane count for KERNEL unless given (the sparse bm overlay's: its
# units); the golden vectors for the Vitis csim/cosim carry the INFO answers of exactly
# this build (P and limits), and for the sparse bm overlay (N_MAX = 0) only its cases.
hls: hls-tool $(VENV)/.runtime  ## Vitis HLS csim, csynth (fails beyond the device), cosim and IP export (KERNEL=bn_sampler|bm_sampler|bm_sampler_sparse BOARD=pynq-z2|zcu104|kv260 [P=<lanes>] STEPS="csim csynth cosim export")
	$(eval HLS_LANES := $(or $(P),$(call board_field,lanes $(KERNEL))))
	$(eval HLS_SPARSE := $(filter bm_sampler_sparse,$(KERNEL)))
	$(eval HLS_VITIS_GOLDEN := $(HLS_BUILD)/golden-$(BOARD)$(if $(HLS_SPARSE),-bm_sparse)-p$(HLS_LANES))
	@test -n "$(HLS_LANES)" || { echo "make hls: no build of KERNEL '$(KERNEL)' for BOARD '$(BOARD)' (see above)"; exit 1; }
	$(PY) $(HLS_DIR)/tb/make_golden.py $(HLS_VITIS_GOLDEN) --lanes $(HLS_LANES) \
	  $(if $(HLS_SPARSE),--bm-sparse-overlay $(call board_field,bm_sparse_n_max) $(call board_field,bm_d_max),\
	  --bm-n-max $(call board_field,bm_n_max) --bn-table-max $(call board_field,bn_table_max))
	NPQ_KERNEL=$(KERNEL) NPQ_BOARD=$(BOARD) NPQ_LANES=$(HLS_LANES) NPQ_STEPS="$(STEPS)" \
	  NPQ_GOLDEN=$(abspath $(HLS_VITIS_GOLDEN)) NPQ_ROOT=$(CURDIR) \
	  $(if $(findstring vitis-run,$(HLS_TOOL)),$(HLS_TOOL) --mode hls --tcl,$(HLS_TOOL) -f) $(HLS_DIR)/scripts/run_hls.tcl
