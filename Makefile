# Gantian: `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PYTEST_ARGS ?=
# pytest-xdist processes for `make test`, one per CPU up to four (each has its own test database
# and Celery broker database: tests/conftest.py).
PYTEST_WORKERS ?= auto
# The address `make run` serves on: `make run PORT=8001`, or PORT=8001 in the environment.
HOST ?= 127.0.0.1
PORT ?= 8000
SYSTEM_PACKAGES := gettext chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils

.PHONY: setup system-deps run worker beat test lint messages bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Debian packages: gettext to compile translations, CJK fonts and Pango for the PDFs, chromium for
# the browser tests. Installed only when missing (needs root, as on this project's machines).
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

setup: system-deps $(VENV)/.installed node_modules/.installed
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

run: setup
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) load_gantian_demo
	@echo "Gantian runs on http://$(HOST):$(PORT) (Ctrl-C to stop)."
	$(MANAGE) runserver $(HOST):$(PORT)

worker: setup
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: setup
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=/tmp/gantian-celerybeat-schedule

test: setup
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --maxprocesses 4 $(PYTEST_ARGS)

# A county-sized distribution on PostgreSQL with real Celery workers, and pages under load: one table
# (docs/scaling.md). BENCH_SIZES=100000 for a quicker run; about 15 minutes with the default sizes
# (BENCH_REPEAT=1 for one run per configuration instead of the median of three).
BENCH_SIZES ?= 100000,1000000
# wrk measures page and API latency under load (the bench falls back to a Python client without it).
bench: setup
	@dpkg -s wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(PY) bench/run_bench.py --sizes $(BENCH_SIZES)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

messages: setup
	$(MANAGE) makemessages -l zh_Hans

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
