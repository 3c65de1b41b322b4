# The book's commands. `make book` builds everything from scratch; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going

.PHONY: book html pdf data tables test unit venv sysdeps clean clean-cache registry

book: sysdeps html pdf ## HTML (_build/html) and PDF (_build/latex/book.pdf)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## the local virtual environment with the pinned requirements

sysdeps: ## TeX, Noto CJK fonts, poppler, chromium (apt-get when missing)
	./scripts/ensure_system_deps.sh

data: venv ## the data step: fetch and verify every registered raw file
	$(BIN)/python -m cityclusters data

tables: data ## build and validate every tidy table
	$(BIN)/python -m cityclusters tables

# Executed chapters depend on the package, the data registry and the facts, which
# jupyter-cache does not watch: when their fingerprint changes, forget the execution cache and
# Sphinx's environment so that every chapter runs again.
KEY_FILE := _build/.cache_key

html: tables
	@key=$$($(BIN)/python -m cityclusters cache-key); \
	if [ "$$key" != "$$(cat $(KEY_FILE) 2>/dev/null)" ]; then \
	  echo "package, data or facts changed: re-executing every chapter"; \
	  rm -rf _build/.jupyter_cache _build/.doctrees; \
	fi; \
	$(BIN)/jupyter-book build . $(JB_FLAGS) && mkdir -p _build && echo "$$key" > $(KEY_FILE)

pdf: html
	$(BIN)/jupyter-book build . --builder pdflatex $(JB_FLAGS)

test: book ## the whole test suite (unit, data, built book and PDF)
	$(BIN)/python -m pytest

unit: venv ## fast tests only (no real data, no build)
	$(BIN)/python -m pytest -m "not slow"

registry: venv ## regenerate data/registry.tsv from the mirror's manifest
	$(BIN)/python -m cityclusters registry ../shared/data/MANIFEST.tsv

clean-cache: ## forget executed notebooks (done automatically when the package or data change)
	rm -rf _build/.jupyter_cache _build/.doctrees $(KEY_FILE)

clean: ## remove build outputs and fetched data (keeps the virtual environment)
	rm -rf _build data/raw data/processed
