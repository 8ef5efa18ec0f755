# The two commands of the README are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck cfn-lint unit integration infra e2e bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Create .venv, install, and start the local stack with the sample mails flowing through it.
run: $(STAMP)
	$(BIN)/privacydesk run

## The whole suite: lint, format, types, template checks, unit, integration, infra and end-to-end tests.
test: $(STAMP) lint typecheck cfn-lint
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadscope tests

lint: $(STAMP)
	$(BIN)/ruff check functions infra tests
	$(BIN)/ruff format --check functions infra tests

typecheck: $(STAMP)
	$(BIN)/mypy

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml --append-rules infra/lint_rules

unit: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/unit

integration: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/integration

infra: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/infra

e2e: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/e2e

## Ratios and counts measured in the same run (import time, triage cost, AWS calls, sweep reads, notice planning and pacing).
bench: $(STAMP)
	$(BIN)/python infra/bench.py

clean:
	rm -rf $(VENV) .privacydesk .pytest_cache .mypy_cache .ruff_cache
