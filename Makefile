# clea-intake: `make demo` runs a season on the local stack, `make test` runs every check.
# `make demo-serve` plays the same season, then keeps it served with the console until Ctrl-C.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The SAM CLI pins its own boto3, click and cfn-lint, which the project's moto and awscli do not accept:
# it gets its own virtualenv. tests/unit/infra/test_template.py runs its `sam validate --lint` from there.
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed
SAM_CLI := aws-sam-cli>=1.170,<2
# checkov pins its own boto3, cfn-lint and many others, which the project venv does not accept: its own virtualenv too.
# tests/unit/infra/test_checkov.py runs it on the translated template and compares with infra/checkov-baseline.yaml.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
CHECKOV := checkov>=3.2.400,<4

.PHONY: setup sam checkov system-deps demo demo-serve test lint unit integration e2e bench bench-season bench-registers accuracy console-assets clean

# tesserocr is compiled against Debian's libtesseract (the system packages first), never taken as a wheel: a
# wheel bundles another Tesseract, which reads pages into other text than the command the project checks with.
$(STAMP): pyproject.toml scripts/install-system-deps.sh
	./scripts/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --no-binary tesserocr -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

$(SAM_STAMP): Makefile
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --upgrade pip
	$(SAM_VENV)/bin/pip install -q '$(SAM_CLI)'
	touch $(SAM_STAMP)

sam: $(SAM_STAMP)

$(CHECKOV_STAMP): Makefile
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/pip install -q '$(CHECKOV)'
	touch $(CHECKOV_STAMP)

checkov: $(CHECKOV_STAMP)

system-deps:
	./scripts/install-system-deps.sh

demo: setup system-deps
	$(BIN)/clea-intake demo

PORT ?= 5000
demo-serve: setup system-deps
	$(BIN)/clea-intake demo --serve --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: setup sam checkov system-deps lint
	$(BIN)/pytest -n 2 --dist loadfile

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

e2e: setup system-deps
	$(BIN)/pytest tests/e2e

bench: setup system-deps
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sandbox.py

# A whole season measured: time, memory, counted AWS cost per application; exit 1 on any case off its expectation.
APPLICATIONS ?= 1000
WORKERS ?= 2
bench-season: setup system-deps
	$(BIN)/python bench/season.py --applications $(APPLICATIONS) --workers $(WORKERS) --json out/season-$(APPLICATIONS).json

# The 150,000-row DGEFP list imported in one function run on moto: peak memory (< 256 MB) and re-import.
bench-registers: setup
	$(BIN)/python bench/register_import.py

accuracy: setup system-deps
	$(BIN)/clea-intake accuracy

# The console's pages and config.json to a deployed stack's assets bucket (README, "Deploying on AWS").
STACK ?= clea-intake-dev
REGION ?= eu-west-3
console-assets: setup
	AWS_CLI=$(BIN)/aws ./scripts/publish-console.sh $(STACK) $(REGION)

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .pytest_cache .ruff_cache
