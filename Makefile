# Wuyi Chain (五邑链) — everything a fresh machine needs comes from here.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DATA    ?= .wuyi-demo

.PHONY: run test test-fast lint bench bench-quick bench-million clean venv

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/wuyi demo --data $(DATA)

test: $(STAMP)
	$(BIN)/ruff check wuyi tests benchmarks
	$(BIN)/mypy wuyi
	$(BIN)/pytest -n 2 -q tests

test-fast: $(STAMP)
	$(BIN)/pytest -n 2 -q -m "not slow" tests

lint: $(STAMP)
	$(BIN)/ruff check wuyi tests benchmarks
	$(BIN)/ruff format --check wuyi tests benchmarks || true
	$(BIN)/mypy wuyi

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --out docs/benchmarks.md

bench-million: $(STAMP)
	mkdir -p benchmarks/results
	$(BIN)/python -m benchmarks.bench_cluster --suite intl --total 1000000 --duration 3600 --backlog 8000 > benchmarks/results/million.json
	$(BIN)/python -m benchmarks.run --render-only --out docs/benchmarks.md

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks.run --quick --out /tmp/wuyi-bench.md

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
