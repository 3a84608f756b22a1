# clea-intake: `make demo` runs a season on the local stack, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system-deps demo test lint unit integration e2e bench accuracy clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	./scripts/install-system-deps.sh

demo: setup system-deps
	$(BIN)/clea-intake demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: setup system-deps lint
	$(BIN)/pytest -n 2 --dist loadfile

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

e2e: setup system-deps
	$(BIN)/pytest tests/e2e

bench: setup system-deps
	$(BIN)/python bench/run.py

accuracy: setup system-deps
	$(BIN)/clea-intake accuracy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
