# Two entry points: `make demo` (set up + run the bundled examples) and `make test` (everything CI runs).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean golden

$(STAMP): pyproject.toml
	command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq default-jre-headless)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,aws,spark]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
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
