# The book's commands. `make book` builds everything from scratch; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going

.PHONY: book html pdf data tables test unit venv sysdeps clean clean-cache registry \
        html-student rerun rerun-all bench artifacts pdf-after-html student-after-html \
        html-after-tables sysdeps-early

book: ## HTML (_build/html) and PDF (_build/latex/book.pdf)
	@$(MAKE) --no-print-directory -j 2 sysdeps venv
	@$(MAKE) --no-print-directory pdf

# On a fresh machine the Debian packages (apt-get) and the virtual environment (pip) are mostly
# downloads and unpacking, independent of each other: `book` and `test` install them side by side.

# The pinned requirements are installed by uv (from PyPI, like pip), which downloads and unpacks
# in parallel: about 15 s for a fresh environment where pip took two minutes with a warm cache.
# The versions are those of requirements.txt either way.
UV_VERSION := 0.9.30
UV_PIP := $(BIN)/uv pip install --quiet --python $(BIN)/python

# Python writes the bytecode of each module it imports the first time, in every process this
# Makefile starts: a PYTHONDONTWRITEBYTECODE=1 in the caller's environment (some machines set it)
# would make every process (some 100 kernels, workers and commands in `make test`) compile the
# same modules again. Compiling only what is imported, once, costs less than compiling all 14 000
# files of the environment at install (`uv pip install --compile-bytecode`: 22 CPU-seconds,
# against about 5 for what the book's kernels, Sphinx and pytest import).
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV_PIP) -r requirements.txt
	$(UV_PIP) --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## the local virtual environment with the pinned requirements

sysdeps: sysdeps-early ## TeX, Noto CJK fonts, poppler, chromium (apt-get when missing)
	./scripts/ensure_system_deps.sh

# What is needed before TeX and Chromium comes first (bsdtar for the yearbook's archives, the
# Noto CJK fonts for anything that draws), so that on a fresh machine the tables are built and
# the fast tests run while apt-get installs the rest.
sysdeps-early:
	./scripts/ensure_system_deps.sh early

data: venv sysdeps-early ## the data step: fetch and verify every registered raw file
	$(BIN)/python -m cityclusters data

tables: data ## build and validate every tidy table
	$(BIN)/python -m cityclusters tables

# Executed chapters depend on the package, the data registry and the facts, which
# jupyter-cache does not watch. Before building, `build-prepare` compares their fingerprint with
# the one of the last successful build and, when they differ, deletes that record first and then
# every output that could hold an old number (execution cache, Sphinx environment, site, student
# edition, LaTeX, artifacts); `build-finish` records the fingerprint only after success
# (cityclusters.publishing.build_state).
KEY_FILE := _build/.cache_key

html: tables
	@$(MAKE) --no-print-directory html-after-tables

html-after-tables:
	@$(BIN)/python -m cityclusters build-prepare
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@$(BIN)/python -m cityclusters build-finish

pdf: html ## the PDF, also offered in every page's download menu (_static/book.pdf)
	@$(MAKE) --no-print-directory pdf-after-html

# The student edition: site and PDF without the solutions (its menu offers its own PDF), from
# the same execution cache as the teacher's edition (make html + make pdf).
html-student: html ## the book without the exercises' solutions (_build/student/_build/html, with its PDF)
	@$(MAKE) --no-print-directory student-after-html

# latexmk runs xelatex three times for each PDF (the third because the table of contents moves
# where the arabic page labels start). Sphinx's LaTeX Makefile has each pass write a PDF;
# `-xelatex` (which that Makefile's comment recommends for latexmk 4.52b and later) writes XeTeX's
# intermediate .xdv in each pass and converts only the last one: the same pages, text, fonts,
# images and page labels, in 18 CPU-seconds instead of 27 per PDF (measured on this book).
LATEX_PDF := LATEXMKOPTS=-xelatex

# The renderings that need only a finished `make html` (its execution cache): the teacher's PDF
# and the student edition read the cache and write to separate folders, so `make test` renders
# them side by side (two single-threaded Sphinx builds on two cores).
pdf-after-html:
	$(LATEX_PDF) $(BIN)/jupyter-book build . --builder pdflatex $(JB_FLAGS)
	cp _build/latex/book.pdf _build/html/_static/book.pdf

student-after-html:
	CITYCLUSTERS_HIDE_SOLUTIONS=1 $(BIN)/jupyter-book build . --path-output _build/student $(JB_FLAGS)
	CITYCLUSTERS_HIDE_SOLUTIONS=1 $(LATEX_PDF) $(BIN)/jupyter-book build . --path-output _build/student --builder pdflatex $(JB_FLAGS)
	cp _build/student/_build/latex/book.pdf _build/student/_build/html/_static/book.pdf

# Values given to make (CHAPTER=…, CLUSTER=…) reach the Python CLI only as environment
# variables CITYCLUSTERS_<NAME> holding their literal text: `$(value …)` keeps make from
# expanding them, `:=` keeps it from expanding them later, and no recipe ever interpolates
# them into a shell command line. A value with a quote, a backtick, $(…) or $$(…) is
# therefore just a wrong value, which the CLI refuses with a message naming the variable.
# (`unexport` keeps make from exporting the raw variables themselves, which would expand them.)
REQUEST_VARS := CHAPTER CLUSTER YEARS JOBS CHAPTERS CLUSTERS BENCH_ARGS
export CITYCLUSTERS_CHAPTER := $(value CHAPTER)
export CITYCLUSTERS_CLUSTER := $(value CLUSTER)
export CITYCLUSTERS_YEARS := $(value YEARS)
export CITYCLUSTERS_JOBS := $(value JOBS)
export CITYCLUSTERS_CHAPTERS := $(value CHAPTERS)
export CITYCLUSTERS_CLUSTERS := $(value CLUSTERS)
export CITYCLUSTERS_BENCH_ARGS := $(value BENCH_ARGS)
unexport $(REQUEST_VARS)

# Reruns for reviewers: one chapter for other clusters/years, into its own book under _rerun/.
# make rerun CHAPTER=03_development_gaps CLUSTER=middle_yangtze YEARS=2005-2019
rerun: venv ## CHAPTER=<name> [CLUSTER=<id>[,<id>]] [YEARS=<first>-<last>] [PARAMETER=value …]
	$(BIN)/python -m cityclusters rerun

rerun-all: venv ## every chapter for every cluster, in parallel [JOBS=n] [CHAPTERS=a,b] [CLUSTERS=x,y]
	$(BIN)/python -m cityclusters rerun-all

bench: venv sysdeps ## build and run-time benchmarks → _build/bench/bench.md (+ bench/latest.md)
	$(BIN)/python scripts/bench.py

artifacts: pdf ## page weights, screenshots and PDF page renders (_build/artifacts)
	$(BIN)/python scripts/site_artifacts.py

# Tests run on both cores (pytest-xdist); a file's tests stay on one worker (--dist loadfile).
# The environment, then scripts/test_pipeline.sh: the system packages beside the data and tables;
# the book (HTML; its PDF and the student edition side by side; the artifacts); the tests in
# three sessions by what they need (fast; real data; the built book), the first two beside the
# build at nice 10.
# Each phase prints the time it starts, so a CI log shows where the minutes go.
PHASE = @echo "[$$(date +%T)] make test:"
test: ## the whole test suite (unit, data, built book, student build, PDF)
	$(PHASE) environment
	@$(MAKE) --no-print-directory -j 2 sysdeps-early venv
	@./scripts/test_pipeline.sh

unit: venv ## fast tests only (no real data, no build)
	$(BIN)/python -m pytest -m "not slow" -n auto --dist loadfile

registry: venv ## regenerate data/registry.tsv from the mirror's manifest
	$(BIN)/python -m cityclusters registry ../shared/data/MANIFEST.tsv

clean-cache: ## forget executed notebooks (done automatically when the package or data change)
	rm -rf _build/.jupyter_cache _build/.doctrees $(KEY_FILE)

clean: ## remove build outputs and fetched data (keeps the virtual environment)
	rm -rf _build data/raw data/processed
