# The oldest environment neuropynq supports, as on a PYNQ v3 image (Ubuntu 22.04):
# Python 3.10, numpy 1.21.5, scipy 1.8.0, setuptools 59.6.0. `make floors` builds the
# wheel there offline with that setuptools and runs the unit tests on those versions,
# so an API newer than the floors fails here (RTL, slow and yosys tests are left to
# `make test`). Needs a Python 3.10 (FLOORS_PYTHON) and
# PyPI once for the pinned wheels.

FLOORS_PYTHON ?= python3.10
FLOORS_PINS   := numpy==1.21.5 scipy==1.8.0 setuptools==59.6.0 wheel pytest
FLOORS_DIR    := build/floors

.PHONY: floors

floors:  ## unit tests on Python 3.10 + numpy 1.21 + scipy 1.8, wheel built offline by setuptools 59 (FLOORS_PYTHON=python3.10)
	@command -v $(FLOORS_PYTHON) >/dev/null && $(FLOORS_PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 10)' \
	  || { echo "make floors: FLOORS_PYTHON=$(FLOORS_PYTHON) is not a Python 3.10 interpreter"; exit 1; }
	test -x $(FLOORS_DIR)/venv/bin/python || $(FLOORS_PYTHON) -m venv $(FLOORS_DIR)/venv
	$(FLOORS_DIR)/venv/bin/python -m pip install -q $(FLOORS_PINS)
	rm -rf $(FLOORS_DIR)/dist
	$(FLOORS_DIR)/venv/bin/python -m pip wheel -q --no-build-isolation --no-index --no-deps -w $(FLOORS_DIR)/dist .
	PYTHONPATH=$(CURDIR)/host NEUROPYNQ_CACHE=$(CURDIR)/$(FLOORS_DIR)/cpu \
	  $(FLOORS_DIR)/venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow and not rtl" \
	  --ignore=tests/rtl --ignore=tests/test_synth_estimate.py tests
