# Bitstreams (hw/bd/): one overlay per kernel build. The kernel's IP (Vitis HLS export, or
# the SystemVerilog twin packaged as IP with IMPL=rtl) -> Vivado block design (PS,
# kernel, DMA) -> implementation -> bitstreams/<board>/<overlay>.bit + .hwh and its
# timing and utilisation reports (overlay names: host/neuropynq/data/overlays.txt).
# Each board's part, clock, lanes and limits come from the board table
# (host/neuropynq/data/boards.txt): make asks neuropynq.boards, the Tcl reads it itself.
# A board has the overlays of the table whose `needs` column is above 0 in its row
# (the sparse bm overlay where bm_units > 0): neuropynq.board.bitstreams lists them.

IMPL        ?= hls
BOARD       ?= pynq-z2
VIVADO_TOOL  = $(shell command -v vivado 2>/dev/null)
VIVADO_RUN   = $(VIVADO_TOOL) -mode batch -nojournal -nolog -source
BD_ARGS      = -board $(BOARD) -out bitstreams -build build/vivado
# One field of $(BOARD)'s row of the board table (empty, with the reason on stderr, if
# BOARD is unknown). Expanded in recipes only, once $(VENV) exists.
board_field  = $(shell PYTHONPATH=$(CURDIR)/host $(PY) -m neuropynq.boards $(BOARD) $(1))
# The kernel builds of the overlay table (first column), read without Python so that a
# bad KERNEL is named before anything is installed.
OVERLAY_KERNELS := $(shell awk '{ sub(/\#.*/, "") } NF && $$1 != "kernel" { print $$1 }' host/neuropynq/data/overlays.txt)
# KERNEL=bn|bm|bm_sparse (or the full name, e.g. bm_sampler_sparse) builds that overlay
# only; without KERNEL on the command line or in the environment, every overlay of the
# board (hls.mk's default is not asked for).
KERNEL_GIVEN      = $(filter command line environment,$(origin KERNEL))
BITSTREAM_KERNEL  = $(if $(KERNEL_GIVEN),$(strip $(foreach k,$(OVERLAY_KERNELS),$(if $(filter $(KERNEL),$(k) $(subst _sampler,,$(k))),$(k)))))
# The kernel builds to build for $(BOARD) (empty, with the reason on stderr, if the board
# lacks the one asked for). Expanded in the recipe only, once $(VENV) exists.
board_kernels = $(shell PYTHONPATH=$(CURDIR)/host $(PY) -m neuropynq.board.bitstreams $(BOARD) $(BITSTREAM_KERNEL))

# One overlay: HLS export (csynth fails beyond the device) then Vivado, each kernel
# build's IP in a folder of its own (the dense and sparse bm IPs share the spec's VLNV).
define bitstream_hls
	+$(MAKE) --no-print-directory hls KERNEL=$(1) BOARD=$(BOARD) STEPS="csynth export"
	$(VIVADO_RUN) hw/bd/build_bitstream.tcl -tclargs $(BD_ARGS) -kernel $(1) -impl hls -ip_repo build/hls/ip/$(BOARD)/$(1)

endef
define bitstream_rtl
	$(VIVADO_RUN) hw/bd/package_rtl_ip.tcl -tclargs -kernel $(1) -board $(BOARD) $(if $(P),-lanes $(P)) -out build/ip-rtl/$(BOARD)
	$(VIVADO_RUN) hw/bd/build_bitstream.tcl -tclargs $(BD_ARGS) -kernel $(1) -impl rtl -ip_repo build/ip-rtl/$(BOARD)/$(1)

endef

.PHONY: bitstream bitstream-tools

# Arguments and tools first, so that a machine without Vivado is told so at once.
bitstream-tools:
	@case "$(IMPL)" in hls|rtl) ;; *) echo "make bitstream: IMPL must be hls or rtl, not '$(IMPL)'"; exit 1;; esac
	@test -z "$(KERNEL_GIVEN)" || test -n "$(BITSTREAM_KERNEL)" || { echo "make bitstream: KERNEL must be one of $(subst _sampler,,$(OVERLAY_KERNELS)) (or unset: every overlay of the board), not '$(KERNEL)'"; exit 1; }
	@test -n "$(VIVADO_TOOL)" || { echo "make bitstream: vivado is not on PATH; source <Xilinx>/Vivado/<version>/settings64.sh first"; exit 1; }
	@test "$(IMPL)" = rtl || test -n "$(HLS_TOOL)" || { echo "make bitstream: neither vitis_hls nor vitis-run is on PATH; source <Xilinx>/Vitis/<version>/settings64.sh first"; exit 1; }

bitstream: bitstream-tools $(VENV)/.runtime  ## build every overlay of the board, bitstreams/$(BOARD)/<overlay>.bit + .hwh (names: host/neuropynq/data/overlays.txt; BOARD=pynq-z2|zcu104|kv260 [KERNEL=bn|bm|bm_sparse: one of them] IMPL=hls|rtl; P=<lanes> overrides the board's P; needs Vivado, and Vitis HLS for IMPL=hls)
	@test -n "$(call board_field,part)" || { echo "make bitstream: no build for BOARD '$(BOARD)' (see above)"; exit 1; }
	$(eval BITSTREAM_KERNELS := $(board_kernels))
	@test -n "$(BITSTREAM_KERNELS)" || { echo "make bitstream: nothing to build for BOARD '$(BOARD)' (see above)"; exit 1; }
	$(foreach k,$(BITSTREAM_KERNELS),$(call bitstream_$(IMPL),$(k)))
