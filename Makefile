# The MAM-TBK1 axis in ALS — one entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data
VARIANT ?=
PYTEST_ARGS ?=

.PHONY: help setup book test validate data lock lint contracts browser-deps clean pdf pdf-deps test-pdf test-determinism lab check-parquet

help: ## List every target with one line each
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the pinned dependencies (done by book and test)

#: Node tools, pinned, from npm into .venv/node: axe-core (accessibility rules the browser test runs inside
#: Chromium) and Citation.js (a reference manager's parser, for the citation tests).
NODE_DIR := $(VENV)/node
NODE_TOOLS := axe-core@4.11.0 @citation-js/core@0.8.2 @citation-js/plugin-software-formats@0.6.2 \
  @citation-js/plugin-bibtex@0.8.2 @citation-js/plugin-csl@0.8.2 @citation-js/plugin-ris@0.8.2
#: cffconvert pins jsonschema<4, which Jupyter cannot use: it gets a venv of its own, pinned here.
CFFCONVERT_VENV := $(VENV)/cffconvert
CFFCONVERT_PINS := cffconvert==2.0.0 jsonschema==3.2.0 pykwalify==1.8.0 ruamel.yaml==0.19.1 click==8.5.1 \
  requests==2.34.2 attrs==26.1.0 pyrsistent==0.20.0 six==1.17.0 docopt==0.6.2 python-dateutil==4.0.0 \
  certifi==2026.10.19.post1 charset-normalizer==3.5.3 idna==3.20 urllib3==2.8.0 tzdata==2026.6

.PHONY: node-deps citation-deps
node-deps: ## Install npm (Debian) if missing and the pinned Node tools (axe-core, Citation.js) into .venv/node
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	@[ "$$(cat $(NODE_DIR)/.tools 2>/dev/null)" = "$(NODE_TOOLS)" ] || { mkdir -p $(NODE_DIR) && \
	  npm install --prefix $(NODE_DIR) --no-save --no-audit --no-fund --loglevel=error $(NODE_TOOLS) >/dev/null && \
	  echo "$(NODE_TOOLS)" > $(NODE_DIR)/.tools; }

browser-deps: node-deps ## Install Debian's chromium and chromedriver if missing, and axe-core (browser tests)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

citation-deps: node-deps ## Install Debian's biber and BibTeX if missing, cffconvert (own venv) and Citation.js (citation tests)
	@command -v biber >/dev/null && command -v bibtex >/dev/null && kpsewhich apalike.bst >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    biber texlive-binaries texlive-base >/dev/null; }
	@[ "$$(cat $(CFFCONVERT_VENV)/.pins 2>/dev/null)" = "$(CFFCONVERT_PINS)" ] || { rm -rf $(CFFCONVERT_VENV) && \
	  $(PYTHON) -m venv $(CFFCONVERT_VENV) && $(CFFCONVERT_VENV)/bin/pip install --quiet $(CFFCONVERT_PINS) && \
	  echo "$(CFFCONVERT_PINS)" > $(CFFCONVERT_VENV)/.pins; }

#: Debian's TeX for the PDF: XeLaTeX (Unicode), the LaTeX packages Sphinx uses, its fonts, latexmk; poppler for the test.
PDF_PACKAGES := texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended tex-gyre texlive-xetex \
  latexmk fonts-freefont-otf poppler-utils

pdf-deps: ## Install Debian's TeX (XeLaTeX, latexmk) and poppler-utils if missing (~3-6 min once, ~700 MB)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null && command -v pdftotext >/dev/null \
	  && kpsewhich fncychap.sty >/dev/null && fc-list | grep -q FreeSerif || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends $(PDF_PACKAGES) >/dev/null; }

pdf: $(STAMP) pdf-deps ## Build the book (cached), then the PDF _build/pdf/book.pdf with XeLaTeX (~1-3 min after make book)
	$(BIN)/python -m helpers pdf

test-pdf: $(STAMP) pdf-deps ## Build the PDF and read it as a reader would: outline, ledger, no broken lines (~3-5 min after make book)
	$(BIN)/python -m pytest -m pdf -p no:cacheprovider tests/book/test_pdf.py $(PYTEST_ARGS)

lab: $(STAMP) ## Open the chapters in JupyterLab with the project's kernel (starts in seconds; Ctrl-C to stop)
	$(BIN)/python -m helpers lab

book: $(STAMP) ## Build the book (cached, parallel) into _build/html; DATA=dir or VARIANT=name build their own folder
	$(BIN)/python -m helpers book --data $(DATA) $(if $(VARIANT),--variant $(VARIANT))

.PHONY: bench
bench: $(STAMP) ## Time cold / no-op / one-table builds of this engine against Jupyter Book's force and cache modes (~12 min)
	$(BIN)/python -m helpers bench

#: make test runs two pytest-xdist workers; the tests of the built book share one (tests/conftest.py).
PYTEST_WORKERS ?= 2

test: $(STAMP) browser-deps citation-deps ## Run the test suite (schemas, models, contracts, engine, chapters, book, browser, lab, study designs and corpus; ~20 min on 2 cores; the PDF: make test-pdf)
	$(BIN)/python -m pytest -m "not pdf and not heavy" -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-determinism: $(STAMP) ## Build the whole book twice from empty caches; ledgers and figures must be byte-identical (~10 min)
	$(BIN)/python -m pytest -m heavy -p no:cacheprovider tests/book/test_determinism.py $(PYTEST_ARGS)

.PHONY: corpus
corpus: $(STAMP) ## Write the 10 corpus designs (own truths) under OUT=dir (default _build/corpus), build the book from each, check the truths (~45 min; DESIGNS=a,b)
	nice $(BIN)/python -m helpers corpus $(or $(OUT),_build/corpus) $(if $(DESIGNS),--designs $(DESIGNS))

.PHONY: fuzz
fuzz: $(STAMP) ## Fuzz the validator: 1,000 damaged tables (CSV, Parquet, workbook), fresh random draws (~2-4 min)
	FUZZ_EXAMPLES=1000 FUZZ_RANDOM=1 $(BIN)/python -m pytest -p no:cacheprovider tests/data/test_fuzz.py $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: $(STAMP) citation-deps ## Quick iteration: every test but the chapter runs, book builds and browser (~2 min)
	$(BIN)/python -m pytest -m "not slow and not browser and not pdf" $(PYTEST_ARGS)

validate: $(STAMP) ## Check every table in DATA=dir against its schema; non-zero exit on any problem
	$(BIN)/python -m helpers validate $(DATA)

data: $(STAMP) ## Regenerate the simulated example data in data/ (byte-identical for the same seed)
	$(BIN)/python -m helpers simulate data

.PHONY: real-data
real-data: $(STAMP) ## Rebuild data/real/boyanova2025 tables from its raw/ files (checksums checked; --check: ARGS=--check)
	$(BIN)/python -m helpers real-data $(ARGS)

.PHONY: templates convert
templates: $(STAMP) ## Write templates/ (CSV + book_tables.xlsx); STUDY=datapackage.yaml OUT=dir: a workbook with that study's levels
	$(BIN)/python -m helpers templates $(if $(STUDY),--study $(STUDY)) $(if $(OUT),--out $(OUT))

.PHONY: describe
describe: $(STAMP) ## Draft DATA=dir/datapackage.yaml (levels, guessed reference levels to confirm) from a lab's tables
	$(BIN)/python -m helpers describe $(DATA)

convert: $(STAMP) ## Instrument export -> book table, e.g. make convert ARGS="pla-fiji --summary S.csv --samples I.csv --out mydata"
	$(BIN)/python -m helpers convert $(ARGS)

lock: ## Re-resolve requirements.in into requirements.txt in a scratch venv
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv && .lockvenv/bin/pip install --quiet -r requirements.in
	{ echo "# Locked dependencies (pip freeze of a clean venv built from requirements.in)."; \
	  echo "# Regenerate with: make lock"; .lockvenv/bin/pip freeze --exclude-editable | sort -f; } > requirements.txt
	rm -rf .lockvenv
	@echo "requirements.txt updated; bring environment.yml to the same versions (make test checks)."

.PHONY: calibrate bench-scale
SCHEDULER ?=
REPLICATES ?=
calibrate: $(STAMP) ## Coverage and type I error, >=1000 simulations each (~30-60 min) -> reference/calibration.csv; SCHEDULER=tcp://host:8786 runs on Dask, REPLICATES=N fewer
	nice -n 19 $(BIN)/python -m helpers calibrate --workers 2 $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(REPLICATES),--replicates $(REPLICATES))

bench-scale: $(STAMP) ## Time and peak memory of validation, aggregation and mam_pla on 10^5, 10^6, 10^7 cells (~2 min) -> reference/bench_scale.csv
	nice $(BIN)/python -m helpers bench-scale

check-parquet: $(STAMP) ## Build the book from CSV and from Parquet copies of the example data and compare the two ledgers (~2 min)
	$(BIN)/python -m helpers check-parquet

lint: $(STAMP) ## Ruff on code and notebooks
	$(BIN)/ruff check src tests chapters

contracts: $(STAMP) ## Check the package's layers with import-linter (also run by make test)
	$(BIN)/lint-imports pyproject.toml

.PHONY: check-results update-reference
check-results: ## Rebuild the book (cached) and compare every result with reference/results_reference.csv
	$(MAKE) book
	$(BIN)/python -m helpers results check --new _build/html/results.csv

update-reference: ## Rebuild, show the differences from the reference, then write the new reference
	$(MAKE) book
	$(BIN)/python -m helpers results update --new _build/html/results.csv

clean: ## Remove build products (keeps .venv)
	rm -rf _build .pytest_cache
