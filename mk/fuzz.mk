# Bad-input fuzz (issue 16): the long run of the suite's tests/test_bad_input_fuzz.py;
# one case in 20 also runs in its own process.
# FUZZ_COUNT mutated inputs per format; FUZZ_MEMORY is the address-space cap in KiB of
# the driver and of each process it starts.
FUZZ_COUNT ?= 600
FUZZ_SEED ?= 1
FUZZ_MEMORY ?= 2097152

.PHONY: fuzz
fuzz: $(VENV)/.dev  ## bad-input fuzz: FUZZ_COUNT inputs per format (BIF, .npz, mapper/chip JSON, arguments) + special files
	ulimit -v $(FUZZ_MEMORY) && OPENBLAS_NUM_THREADS=1 $(PY) tests/fuzz/driver.py --all --special --huge --every 20 \
		--count $(FUZZ_COUNT) --seed $(FUZZ_SEED) --memory $$(( $(FUZZ_MEMORY) * 1024 )) --quiet
