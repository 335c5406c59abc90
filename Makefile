# GSCDM-LCA — two commands do all the set-up on a fresh machine:
#   make demo   virtual environment, install, init, whole pipeline on bom_samples, reports in out/
#   make test   install test extras and run the full suite (lint included)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out
DEMO_HOME ?= $(OUT)/demo-home
GSCDM  := $(BIN)/gscdm --home $(DEMO_HOME)
PYTEST_ARGS ?=

.PHONY: demo test lint bench fuzz clean venv sysdeps serve screenshots

NEUTRALITY  := bom_samples/notebook14/neutrality
REPORT_ARGS := --info $(NEUTRALITY)/organisation.yaml --plan $(NEUTRALITY)/plan.yaml \
               --credits $(NEUTRALITY)/credits.csv --date 2026-11-21 --iterations 1000

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

venv: $(VENV)/.installed

# Debian packages for the reports (CJK font for Chinese PDFs, HarfBuzz subsetter, Pango)
sysdeps:
	@bash scripts/install_system_deps.sh

demo: $(VENV)/.installed sysdeps
	@mkdir -p $(OUT)
	$(GSCDM) init
	$(GSCDM) import $(foreach bom,$(wildcard bom_samples/*/bom.csv),--bom $(bom))
	$(GSCDM) products
	$(GSCDM) show NB14-G5
	$(GSCDM) compliance --all
	$(GSCDM) report NB14-G5 --kind neutrality --market eu-consumer $(REPORT_ARGS) \
	  -o $(OUT)/report-neutrality-eu-consumer-en.pdf
	$(GSCDM) demo -o $(OUT)
	$(MAKE) --no-print-directory screenshots
	@echo
	@echo "Open the workbench on the demo home (then http://127.0.0.1:8000/):"
	@echo "  make serve"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint sysdeps
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/python -m bench.run_all $(OUT)/bench.json

# the long fuzz run; new failing inputs land in tests/fuzz_corpus/ as regression tests
fuzz: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/python -m bench.fuzz --minutes $${FUZZ_MINUTES:-10} --json $(OUT)/fuzz.json

# the workbench (web pages and JSON API) on the demo home, loopback only
serve: $(VENV)/.installed
	$(GSCDM) serve --host 127.0.0.1 --port $${PORT:-8000} --variants bom_samples/variants

# a screenshot of every workbench page and the explorer's update latency (needs chromium)
screenshots: $(VENV)/.installed sysdeps
	@mkdir -p $(OUT)
	$(BIN)/python -m bench.workbench --home $(DEMO_HOME) --out $(OUT) \
	  --json $(OUT)/bench-workbench.json

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
