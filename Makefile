# Two entry points: `make demo` (set up + run the bundled examples) and `make test` (everything CI runs).
# `make demo` needs Python >= 3.11 only (no root, no Java); `make test` also installs the dev tools and
# PySpark, and Java for Spark when it is missing (apt-get: root on a fresh machine).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BASE := $(VENV)/.installed-base
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean golden java

# vpcflow itself with the AWS extra (boto3 for `snapshot fetch` and s3:// inputs): what the demo runs on
$(BASE): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[aws]'
	touch $(BASE)

# + test tools and PySpark (the Spark engine's tests need a Java runtime)
$(STAMP): $(BASE)
	$(MAKE) java
	$(BIN)/python -m pip install --quiet -e '.[dev,aws,spark]'
	touch $(STAMP)

java:
	command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq default-jre-headless)

setup: $(STAMP)

demo: $(BASE)
	$(BIN)/python -m vpcflow.demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy --strict src/vpcflow

test: lint
	$(BIN)/python -m pytest -q

golden: $(STAMP)
	VPCFLOW_REGEN_GOLDEN=1 $(BIN)/python -m pytest -q -k golden

bench: $(STAMP)
	$(BIN)/python -m bench.bench_core
	$(BIN)/python -m bench.bench_reach
	$(BIN)/python -m bench.bench_flowlogs

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
