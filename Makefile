# distretti_survey: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
WAVES := data/raw/demo/2011 data/raw/demo/2012

.DEFAULT_GOAL := help
.PHONY: help venv venv-dev report test lint bench demo-data clean

help: ## List the targets with what they do
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamps depend on pyproject.toml: the install step is skipped when nothing changed.
$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(RUNTIME_STAMP)

venv: $(RUNTIME_STAMP) ## Create .venv and install the package (runtime dependencies)

venv-dev: $(DEV_STAMP) ## Create .venv with the package and the dev tools

DS := $(BIN)/distretti-survey
DEMO := data/raw/demo
INTERIM := data/interim

report: venv ## Run the main job on the demo waves: validate, code, report 2011 and 2012, compare
	$(DS) registry check
	$(DS) validate $(DEMO)/2011 --out $(INTERIM)/2011/validate
	$(DS) code $(DEMO)/2011 --simulate --out $(INTERIM)/2011/coding
	$(DS) report $(DEMO)/2011 --decisions $(INTERIM)/2011/coding/decisions.csv --jobs 2 --out reports/2011
	$(DS) validate $(DEMO)/2012 --out $(INTERIM)/2012/validate
	$(DS) code $(DEMO)/2012 --simulate --reuse $(INTERIM)/2011/coding/decisions.csv --out $(INTERIM)/2012/coding
	$(DS) report $(DEMO)/2012 --decisions $(INTERIM)/2012/coding/decisions.csv --jobs 2 --out reports/2012
	$(DS) compare $(DEMO)/2011 $(DEMO)/2012 --decisions $(INTERIM)/2011/coding/decisions.csv \
	  --decisions $(INTERIM)/2012/coding/decisions.csv --jobs 2 --out reports/confronto_2011_2012

lint: venv-dev ## Lint, check formatting (ruff) and the layering of imports (import-linter)
	$(BIN)/ruff check src tests tools notebooks/*.ipynb
	$(BIN)/ruff format --check src tests tools notebooks/*.ipynb
	$(BIN)/lint-imports

test: lint ## Lint, then run the whole test suite (unit, integration, notebooks)
	$(BIN)/python -m pytest

bench: venv-dev ## Benchmarks: ratios against a baseline run side by side
	$(BIN)/python tools/bench.py

clean: ## Remove generated outputs (keeps .venv and data/raw)
	rm -rf reports/*/ data/interim data/processed
