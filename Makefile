# Every target bootstraps its own virtualenv from pyproject.toml: nothing to install by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= followthrough.yaml

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: fake Jira, GitHub and Linear on loopback, synced and served at http://127.0.0.1:8000
## (DEMO_ARGS="--port 8080 --items 600 --seed 3" to change them)
demo: $(STAMP)
	$(BIN)/followthrough demo $(DEMO_ARGS)

## test: lint, type-check and the whole test suite (PostgreSQL too when FOLLOWTHROUGH_TEST_POSTGRES_URL is set)
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check service connectors tests bench
	$(BIN)/ruff format --check service connectors tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
