# Set-up and everyday commands. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

SHARED ?= ../shared
# Bars of `make score`, per gold set: precision, then recall (every page must be classed right).
MIN_PRECISION ?= 1.00
MIN_RECALL ?= 0.95
PINGTAN_MIN_RECALL ?= 0.90

.PHONY: install demo test bench score fuzz clean

install: $(STAMP)

# Re-installs only when the pins or the project metadata change.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(VENV)/bin/govreports demo

test: install
	$(PY) -m pytest -q -p no:cacheprovider tests

# Scores every gold file of $(SHARED)/gold through the CLI: precision, recall and classes per
# set. A gold set's pages are in $(SHARED)/<set>/ when that folder exists, else in $(SHARED)/real/.
score: install
	@status=0; for gold in $(SHARED)/gold/*.yaml; do \
	  set=$$(basename $$gold .yaml); files=$(SHARED)/$$set; [ -d $$files ] || files=$(SHARED)/real; \
	  recall=$(MIN_RECALL); [ $$set = pingtan ] && recall=$(PINGTAN_MIN_RECALL); \
	  printf '%-8s (bars: precision %s, recall %s) ' $$set $(MIN_PRECISION) $$recall; \
	  $(PY) $(SHARED)/tools/score_extract.py $(VENV)/bin/govreports $$gold --files $$files --quiet \
	    --min-precision $(MIN_PRECISION) --min-recall $$recall || { status=1; echo "  ^ $$set misses its bar"; }; \
	done; exit $$status

bench: install
	$(PY) tests/bench/run_all.py

# 10,000 mutations of the seeds and PDFs in worker processes; prints the figures, fails on any
# exception other than ExtractError, any input over the time limit, a worker over 1 GB RSS.
fuzz: install
	$(PY) tests/fuzz/run_fuzz.py --mutations 10000

clean:
	rm -rf $(VENV) build *.egg-info
