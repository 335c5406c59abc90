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

.PHONY: demo test lint bench fuzz clean venv sysdeps

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

SAMPLES := notebook14 consumer15 monitor27 compliance_demo
PRODUCTS := NB14-G5 CN15-A3 MN27-Q1

demo: $(VENV)/.installed sysdeps
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
	@for kind in cfp datasheet pact compliance neutrality; do for lang in en zh; do \
	  $(GSCDM) report NB14-G5 --kind $$kind --lang $$lang $(REPORT_ARGS) \
	    -o $(OUT)/report-$$kind-$$lang.html -o $(OUT)/report-$$kind-$$lang.pdf \
	    -o $(OUT)/report-$$kind-$$lang.json -o $(OUT)/report-$$kind-$$lang.xlsx || exit 1; \
	done; done
	$(GSCDM) report NB14-G5 --kind neutrality --market eu-consumer $(REPORT_ARGS) \
	  -o $(OUT)/report-neutrality-eu-consumer-en.pdf
	@echo "reports written to $(OUT)/report-*"

lint: $(VENV)/.installed
	$(BIN)/ruff check fmd_parsers lca_engine reports gscdm tests bench

test: lint sysdeps
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/python -m bench.run_all $(OUT)/bench.json

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
