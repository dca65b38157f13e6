# Wuyi Chain (五邑链) — everything a fresh machine needs comes from here.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DATA    ?= .wuyi-demo

.PHONY: run test test-fast lint bench bench-quick bench-million bench-join clean venv
.PHONY: browser hsm netns
.PHONY: peer soak

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian's chromium and a Chinese font for the console's browser tests (tests/browser);
# Playwright itself is pinned in the dev extra. Idempotent, silent once installed (runs as root).
browser: $(STAMP)
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then \
	  echo "安装 chromium 与中文字体 / installing chromium and fonts-wqy-microhei"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/pip install -q -e '.[dev]'

# SoftHSM2, the PKCS#11 token the tests keep a validator key in (tests/unit/test_pkcs11.py).
# Idempotent, silent once installed (runs as root), like the browser target.
hsm:
	@if [ ! -e /usr/lib/softhsm/libsofthsm2.so ] || ! command -v softhsm2-util >/dev/null 2>&1; then \
	  echo "安装 SoftHSM2 / installing softhsm2"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >/dev/null; \
	fi

# iproute2 (ip netns, ss) for the test of nodes on four "hosts" (tests/integration/test_netns_hosts.py).
netns:
	@if ! command -v ip >/dev/null 2>&1 || ! command -v ss >/dev/null 2>&1; then \
	  echo "安装 iproute2 / installing iproute2"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null; \
	fi

run: $(STAMP)
	$(BIN)/wuyi demo --data $(DATA)

test: $(STAMP) browser hsm netns
	$(BIN)/ruff check wuyi tests benchmarks
	$(BIN)/mypy wuyi benchmarks
	$(BIN)/pytest -n 2 --dist loadscope -q --durations=30 tests

test-fast: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadscope -q -m "not slow" tests

lint: $(STAMP)
	$(BIN)/ruff check wuyi tests benchmarks
	$(BIN)/ruff format --check wuyi tests benchmarks || true
	$(BIN)/mypy wuyi benchmarks

# Ganache, the peer `make bench` compares with: the version pinned in benchmarks/peer/package.json
# (and its lock), installed under benchmarks/peer/node_modules. If it cannot be installed the
# benchmark runs anyway and its report says so instead of giving a number.
peer:
	@if [ -x benchmarks/peer/node_modules/.bin/ganache ]; then :; \
	elif ! command -v npm >/dev/null 2>&1; then echo "npm is missing: no Ganache comparison"; \
	else (cd benchmarks/peer && npm install --no-audit --no-fund) \
	  || echo "Ganache could not be installed: the report will say so"; fi

# About 30 minutes on 2 cores; options as `wuyi bench`, e.g. make bench ARGS="--profile".
bench: $(STAMP) peer
	$(BIN)/python -m benchmarks.run --out docs/benchmarks.md $(ARGS)

# 30 minutes of four validators under load with restarts (ARGS="--minutes 5" for less).
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak $(ARGS)

bench-million: $(STAMP)
	mkdir -p benchmarks/results
	$(BIN)/python -m benchmarks.bench_cluster --suite intl --total 1000000 --duration 3600 --backlog 8000 > benchmarks/results/million.json
	$(BIN)/python -m benchmarks.run --render-only --out docs/benchmarks.md

# A new node reaching the head of a million-transaction chain: state sync against replay
# (about 15 minutes on 2 cores; ARGS="--txs 100000" for less). Figures: docs/benchmarks.md.
bench-join: $(STAMP)
	mkdir -p benchmarks/results
	$(BIN)/python -m benchmarks.bench_join $(ARGS) > benchmarks/results/join.json

bench-quick: $(STAMP) peer
	$(BIN)/python -m benchmarks.run --quick --out /tmp/wuyi-bench.md $(ARGS)

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
