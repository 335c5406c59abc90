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

.PHONY: demo test lint bench clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(GSCDM) init
	$(GSCDM) import --bom bom_samples/notebook14/bom.csv
	$(GSCDM) products
	$(GSCDM) show NB14-G5

lint: $(VENV)/.installed
	$(BIN)/ruff check fmd_parsers lca_engine reports gscdm tests bench

test: lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python -m bench.fmd_throughput --json $(OUT)/bench-fmd.json

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
