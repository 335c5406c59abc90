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

.PHONY: demo test lint bench fuzz clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

venv: $(VENV)/.installed

SAMPLES := notebook14 consumer15 monitor27 compliance_demo
PRODUCTS := NB14-G5 CN15-A3 MN27-Q1

demo: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(GSCDM) init
	@for sample in $(SAMPLES); do \
	  $(GSCDM) import --bom bom_samples/$$sample/bom.csv || exit 1; done
	$(GSCDM) products
	$(GSCDM) show NB14-G5
	$(GSCDM) compliance --all
	@for product in $(PRODUCTS); do \
	  $(GSCDM) footprint $$product --iterations 1000 || exit 1; \
	  $(GSCDM) footprint $$product --json > $(OUT)/footprint-$$product.json || exit 1; done
	@echo "footprints written to $(OUT)/footprint-*.json"
	$(GSCDM) compare NB14-G5 --iterations 500 \
	  --variant bom_samples/variants/recycled-metals.yaml \
	  --variant bom_samples/variants/recycled-plastics.yaml \
	  --variant bom_samples/variants/plastic-free-packaging.yaml \
	  --variant bom_samples/variants/all-combined.yaml

lint: $(VENV)/.installed
	$(BIN)/ruff check fmd_parsers lca_engine reports gscdm tests bench

test: lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/python -m bench.run_all $(OUT)/bench.json

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
