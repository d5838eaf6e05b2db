PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# Serve with the embedded defaults (SQLite in instance/, JWT optional for local use) and the
# /demo page on (CDS_DEMO=false turns it off).
run: $(VENV)/.installed
	CDS_REQUIRE_JWT=$${CDS_REQUIRE_JWT:-false} CDS_DEMO=$${CDS_DEMO:-true} $(BIN)/flask --app cds_hooks run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# In-process clinical path, then the HTTP edge (gunicorn, service vs parse-only baseline).
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/http_bench.py --readme

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
