# Bitstreams (hw/bd/): the kernels' IP (Vitis HLS export, or the SystemVerilog twin
# packaged as IP with IMPL=rtl) -> Vivado block design -> implementation ->
# bitstreams/<board>/neuropynq.bit + .hwh and the timing and utilisation reports.

IMPL        ?= hls
VIVADO_TOOL  = $(shell command -v vivado 2>/dev/null)
BOARD_PARTS := pynq-z2=xc7z020clg400-1 zcu104=xczu7ev-ffvc1156-2-e kv260=xck26-sfvc784-2LV-c
BOARD_PART   = $(patsubst $(BOARD)=%,%,$(filter $(BOARD)=%,$(BOARD_PARTS)))
VIVADO_RUN   = $(VIVADO_TOOL) -mode batch -nojournal -nolog -source
BD_ARGS      = -board $(BOARD) -out bitstreams -build build/vivado

.PHONY: bitstream

bitstream:  ## build bitstreams/$(BOARD)/neuropynq.bit + .hwh (BOARD=pynq-z2|zcu104|kv260 IMPL=hls|rtl P=4; needs Vivado, and Vitis HLS for IMPL=hls)
	@test -n "$(BOARD_PART)" || { echo "make bitstream: unknown BOARD '$(BOARD)' (pynq-z2, zcu104, kv260)"; exit 1; }
	@case "$(IMPL)" in hls|rtl) ;; *) echo "make bitstream: IMPL must be hls or rtl, not '$(IMPL)'"; exit 1;; esac
	@test -n "$(VIVADO_TOOL)" || { echo "make bitstream: vivado is not on PATH; source <Xilinx>/Vivado/<version>/settings64.sh first"; exit 1; }
ifeq ($(IMPL),rtl)
	for k in bn_sampler bm_sampler; do \
	  $(VIVADO_RUN) hw/bd/package_rtl_ip.tcl -tclargs -kernel $$k -part $(BOARD_PART) -lanes $(P) \
	    -out build/ip-rtl/$(BOARD) || exit 1; \
	done
	$(VIVADO_RUN) hw/bd/build_bitstream.tcl -tclargs $(BD_ARGS) -impl rtl -ip_repo build/ip-rtl/$(BOARD)
else
	@test -n "$(HLS_TOOL)" || { echo "make bitstream: neither vitis_hls nor vitis-run is on PATH; source <Xilinx>/Vitis/<version>/settings64.sh first"; exit 1; }
	$(MAKE) --no-print-directory hls KERNEL=bn_sampler BOARD=$(BOARD) P=$(P) STEPS="csynth export"
	$(MAKE) --no-print-directory hls KERNEL=bm_sampler BOARD=$(BOARD) P=$(P) STEPS="csynth export"
	$(VIVADO_RUN) hw/bd/build_bitstream.tcl -tclargs $(BD_ARGS) -impl hls -ip_repo build/hls/ip/$(BOARD)
endif
