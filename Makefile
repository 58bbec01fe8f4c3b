# Everyday commands. `make demo` and `make test` need only Python 3.11, make and git.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint eval bench screenshots lock clean-demo browser

$(STAMP): requirements.lock requirements-bootstrap.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-bootstrap.lock
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

demo: $(STAMP)
	rm -f demo.duckdb demo.duckdb.wal
	$(BIN)/dossier build examples/corpus --db demo.duckdb

test: $(STAMP) browser
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

eval: $(STAMP)
	$(BIN)/dossier eval --gold ../shared/gold ../shared/seeds

bench: $(STAMP)
	$(BIN)/python bench/throughput.py

# Debian's Chromium for the browser tests (Playwright never downloads a browser). Needs root
# (or sudo) once; afterwards it is a no-op.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "install Debian's chromium first: sudo apt-get install chromium"; exit 1; fi; }

screenshots: $(STAMP) browser
	$(BIN)/python -m pytest -q tests/serve/test_browser.py --screenshots docs/screenshots

# Re-pin every dependency after editing pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock --quiet
