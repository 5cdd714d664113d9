# distretti_survey: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
WAVES := data/raw/demo/2011 data/raw/demo/2012

.DEFAULT_GOAL := help
.PHONY: help venv venv-dev report test lint bench demo-data clean lab kernel git-filters

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

venv-dev: $(DEV_STAMP) git-filters ## Create .venv with the package and the dev tools

# --- Jupyter ----------------------------------------------------------------------------------
NB_STAMP := $(VENV)/.notebooks-installed
KERNEL_NAME := distretti_survey
KERNEL_JSON := $(VENV)/share/jupyter/kernels/$(KERNEL_NAME)/kernel.json
LAB_ARGS ?=
# Jupyter refuses to run as root unless told: containers and CI machines often are root.
LAB_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

$(NB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[notebooks]'
	touch $@ $(RUNTIME_STAMP)

# --sys-prefix: the kernelspec lives in .venv (share/jupyter/kernels) and runs .venv's Python,
# so the notebooks import the package of this checkout, never another copy on the machine.
kernel: | $(BIN)/python ## Register the Jupyter kernel "distretti_survey (.venv)" inside .venv
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL_NAME) \
	  --display-name "$(KERNEL_NAME) (.venv)" >/dev/null
	@echo "Kernel Jupyter: $(KERNEL_JSON)"

# JUPYTER_PATH first: the kernels of .venv win over any user or system kernel of the same name.
# On a server without a browser: make lab LAB_ARGS=--no-browser (the address is printed).
lab: $(NB_STAMP) git-filters ## Install JupyterLab into .venv, register the kernel, open notebooks/
	$(MAKE) --no-print-directory kernel
	JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" $(BIN)/jupyter lab notebooks/ \
	  --MappingKernelManager.default_kernel_name=$(KERNEL_NAME) $(LAB_ROOT) $(LAB_ARGS)

# Notebook outputs never reach git: a clean filter (nbstripout, .gitattributes) strips them at
# `git add`. The command is relative, so each checkout uses its own .venv; without nbstripout
# installed yet the filter passes files through (the notebook tests check no output is committed).
NBSTRIP := $(BIN)/nbstripout
git-filters: ## Set up the nbstripout git filter for notebooks/*.ipynb (see .gitattributes)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean \
	    'if [ -x $(NBSTRIP) ]; then $(NBSTRIP) --keep-id; else cat; fi' && \
	  git config filter.nbstripout.smudge cat && \
	  git config diff.ipynb.textconv \
	    'sh -c '\''if [ -x $(NBSTRIP) ]; then $(NBSTRIP) --keep-id -t "$$0"; else cat "$$0"; fi'\''' \
	  || echo "Filtro nbstripout non configurato (git config non riuscito)."; \
	fi

DS := $(BIN)/distretti-survey
DEMO := data/raw/demo
INTERIM := data/interim

# The demo's coders A and B filled their workbooks and settled their disagreements by hand
# (data/raw/demo/<wave>/coding/, written by tools/make_demo_coders.py): the real two-coder flow.
CODERS = --coder $(DEMO)/$(1)/coding/coder_A.xlsx --coder $(DEMO)/$(1)/coding/coder_B.xlsx \
  --consensus $(DEMO)/$(1)/coding/disaccordi.xlsx

report: venv ## Run the main job on the demo waves: validate, code, report 2011 and 2012, compare
	$(DS) registry check
	$(DS) validate $(DEMO)/2011
	$(DS) code $(DEMO)/2011 $(call CODERS,2011) --export-qdpx
	$(DS) report $(DEMO)/2011 --jobs 2
	$(DS) validate $(DEMO)/2012
	$(DS) code $(DEMO)/2012 $(call CODERS,2012) --reuse $(INTERIM)/2011/coding/decisions.csv
	$(DS) report $(DEMO)/2012 --jobs 2
	$(DS) compare $(DEMO)/2011 $(DEMO)/2012 --jobs 2

lint: venv-dev ## Lint, check formatting (ruff) and the layering of imports (import-linter)
	$(BIN)/ruff check src tests tools notebooks/*.ipynb
	$(BIN)/ruff format --check src tests tools notebooks/*.ipynb
	$(BIN)/lint-imports

# -n auto: one worker per core; loadscope keeps a module's fixtures in one worker.
test: lint ## Lint, then run the whole test suite (unit, integration, notebooks, hostile corpus)
	$(BIN)/python -m pytest -n auto --dist loadscope

bench: venv-dev ## Benchmarks: ratios against a baseline run side by side; coding P/R/F1
	$(BIN)/python tools/bench.py
	$(BIN)/python tools/bench_coding.py

clean: ## Remove generated outputs (keeps .venv and data/raw)
	rm -rf reports/*/ data/interim data/processed
