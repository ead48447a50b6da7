# heart_plan: two commands on a fresh clone -- `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= outputs/durham

.PHONY: demo plan test lint format bench install clean browser

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

SENSITIVITY ?= outputs/sensitivity

## Run the whole plan on the embedded Durham default and write outputs to $(OUT), with the
## report's sensitivity section: first the sensitivity sweep (11 full runs of the default,
## one assumption changed per case, two one-thread Dask workers; finished cases are kept in
## $(SENSITIVITY)/cases and reused, so only the first demo after a change computes them).
demo: $(STAMP)
	$(BIN)/heart-plan sweep --grid src/heart_plan/scenarios/sensitivity.toml --solver-threads 1 --out $(SENSITIVITY)
	$(BIN)/heart-plan run --out $(OUT) --sensitivity $(SENSITIVITY)

## The demo without the sweep (no sensitivity section unless $(SENSITIVITY) holds one).
plan: $(STAMP)
	$(BIN)/heart-plan run --out $(OUT) $(if $(wildcard $(SENSITIVITY)/results.csv),--sensitivity $(SENSITIVITY))

## Run the whole test suite (lint included).
test: $(STAMP) browser
	$(BIN)/ruff check src tests bench notebooks
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

## Debian chromium for the browser tests (playwright drives /usr/bin/chromium).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench notebooks

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench notebooks

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .cache outputs/durham .pytest_cache .ruff_cache
