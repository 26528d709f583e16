# Live Gallery — the two commands of the README, and a few for maintainers.
# The interpreter that creates .venv is PYTHON when given, else the newest
# 3.12+ on this machine (Django 6 needs it): scripts/find-python, as in CI.
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test check lint bench soak drill screenshots clean

$(BIN)/python:
	@python=$$(scripts/find-python "$(PYTHON)") && \
	  echo "creating $(VENV) with $$python ($$("$$python" --version))" && \
	  "$$python" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/pip install --quiet --group test
	@touch $@

# Without a .env, `make run` runs as production does (DEBUG off: the product's
# own error pages) with a secret key made once in var/secret-key
# (core/secret_key.py). With one, .env decides.
run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	@echo "Live Gallery on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@# --verbosity 0: the app logs one line per request itself (LOG_FORMAT).
	$(BIN)/daphne --verbosity 0 --bind $(HOST) --port $(PORT) core.asgi:application

# Browser tests: Playwright drives Debian's Chromium (apt-get install -y
# chromium; never `playwright install`, which downloads a browser). Without
# /usr/bin/chromium they skip and say so.
$(VENV)/.installed-e2e: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install --quiet --group e2e
	@touch $@

test: $(VENV)/.installed-test $(VENV)/.installed-e2e
	$(BIN)/python -m pytest --cov --cov-report=term --cov-report=html --cov-report=xml $(PYTEST_ARGS)

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install --quiet --group dev
	@touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# Every page, light and dark, desktop and phone, into docs/screenshots/.
screenshots: $(VENV)/.installed-e2e
	$(BIN)/python scripts/screenshots.py

check: export DEBUG ?= true
check: $(VENV)/.installed-test
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

# Benchmarks (bench/run.py, about 8 minutes) against the local PostgreSQL,
# with nginx and wrk (apt-get installed when missing); writes
# docs/performance.md and bench/results/*.json. BENCH_ARGS=--help lists options.
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-run
	$(BIN)/pip install --quiet --group bench
	@touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Reliability (docs/reliability.md), against the local PostgreSQL and Redis
# (DATABASE_URL / REDIS_URL): the suite's mixed-traffic soak for DURATION
# seconds with its figures, and the fault drill. SOAK_ARGS/DRILL_ARGS=--help.
DURATION ?= 180
soak: $(VENV)/.installed-test
	$(BIN)/python scripts/soak.py --seconds $(DURATION) $(SOAK_ARGS)

drill: $(VENV)/.installed-test
	$(BIN)/python scripts/drill.py $(DRILL_ARGS)

clean:
	rm -rf $(VENV) htmlcov coverage.xml .coverage *.egg-info
