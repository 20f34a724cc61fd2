# newswatch — the two commands a new user needs: `make run` and `make test`.

# The first Python 3.11+ on PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-unit install lint clean bench bench-smoke

run: $(INSTALLED)  ## Replay the seed articles through the pipeline into the default SQLite database
	$(BIN)/newswatch replay seeds/

test: $(INSTALLED)  ## Run the test suite
	$(BIN)/python -m pytest

test-unit: $(INSTALLED)  ## Run the unit tests only (no servers, subprocesses or databases beyond SQLite files)
	$(BIN)/python -m pytest -m "not integration"

bench: $(INSTALLED)  ## Run the benchmarks at full size (26 min to 1 h 15 min, by machine) and check their budgets
	$(BIN)/python -m benchmarks

bench-smoke: $(INSTALLED)  ## Run every benchmark end to end at tiny sizes (CI: that they run, not how fast)
	$(BIN)/python -m benchmarks --smoke

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@test -n "$(PYTHON)" || { echo "newswatch needs Python 3.11 or newer on PATH" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

lint: $(INSTALLED)  ## Static checks: ruff (lint and format) and mypy (the files in pyproject's [tool.mypy])
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:  ## Remove the virtual environment and caches (not your database)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
