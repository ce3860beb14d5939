# Bitstreams (hw/bd/): the kernels' IP (Vitis HLS export, or the SystemVerilog twin
# packaged as IP with IMPL=rtl) -> Vivado block design -> implementation ->
# bitstreams/<board>/neuropynq.bit + .hwh and the timing and utilisation reports.
# Each board's part, clock, lanes and limits come from the board table
# (host/neuropynq/data/boards.txt): make asks neuropynq.boards, the Tcl reads it itself.

IMPL        ?= hls
BOARD       ?= pynq-z2
VIVADO_TOOL  = $(shell command -v vivado 2>/dev/null)
VIVADO_RUN   = $(VIVADO_TOOL) -mode batch -nojournal -nolog -source
BD_ARGS      = -board $(BOARD) -out bitstreams -build build/vivado
# One field of $(BOARD)'s row of the board table (empty, with the reason on stderr, if
# BOARD is unknown). Expanded in recipes only, once $(VENV) exists.
board_field  = $(shell PYTHONPATH=$(CURDIR)/host $(PY) -m neuropynq.boards $(BOARD) $(1))

.PHONY: bitstream bitstream-tools

# Arguments and tools first, so that a machine without Vivado is told so at once.
bitstream-tools:
	@case "$(IMPL)" in hls|rtl) ;; *) echo "make bitstream: IMPL must be hls or rtl, not '$(IMPL)'"; exit 1;; esac
	@test -n "$(VIVADO_TOOL)" || { echo "make bitstream: vivado is not on PATH; source <Xilinx>/Vivado/<version>/settings64.sh first"; exit 1; }
	@test "$(IMPL)" = rtl || test -n "$(HLS_TOOL)" || { echo "make bitstream: neither vitis_hls nor vitis-run is on PATH; source <Xilinx>/Vitis/<version>/settings64.sh first"; exit 1; }

bitstream: bitstream-tools $(VENV)/.runtime  ## build bitstreams/$(BOARD)/neuropynq.bit + .hwh (BOARD=pynq-z2|zcu104|kv260 IMPL=hls|rtl; P=<lanes> overrides the board's P of both kernels; needs Vivado, and Vitis HLS for IMPL=hls)
	@test -n "$(call board_field,part)" || { echo "make bitstream: no build for BOARD '$(BOARD)' (see above)"; exit 1; }
ifeq ($(IMPL),rtl)
	for k in bn_sampler bm_sampler; do \
	  $(VIVADO_RUN) hw/bd/package_rtl_ip.tcl -tclargs -kernel $$k -board $(BOARD) $(if $(P),-lanes $(P)) \
	    -out build/ip-rtl/$(BOARD) || exit 1; \
	done
	$(VIVADO_RUN) hw/bd/build_bitstream.tcl -tclargs $(BD_ARGS) -impl rtl -ip_repo build/ip-rtl/$(BOARD)
else
	$(MAKE) --no-print-directory hls KERNEL=bn_sampler BOARD=$(BOARD) STEPS="csynth export"
	$(MAKE) --no-print-directory hls KERNEL=bm_sampler BOARD=$(BOARD) STEPS="csynth export"
	$(VIVADO_RUN) hw/bd/build_bitstream.tcl -tclargs $(BD_ARGS) -impl hls -ip_repo build/hls/ip/$(BOARD)
endif
