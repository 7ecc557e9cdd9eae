# netbill: `make run` (the demo on http://127.0.0.1:8000) and `make test`.
# Needs only Python 3.11+ and make: the first run creates .venv and installs the pinned
# dependencies from pyproject.toml; later runs reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.netbill-installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run test bench lint format services

help:
	@echo "make run       the demo ISP on http://127.0.0.1:8000 (web, Celery worker, beat)"
	@echo "make test      the whole test suite (PYTEST_ARGS='-k login -x' to narrow it)"
	@echo "make bench     benchmarks in bench/"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make services  which services the tests use, and how they are chosen"

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than pyproject.toml once the pinned dependencies are installed.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m tools.devrun

test: $(STAMP)
	@mkdir -p "$${NETBILL_VAR_DIR:-var}"
	$(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/bench_operator_list.py
	$(PY) bench/radius_authorize.py
	$(PY) bench/customer_list.py
	$(PY) bench/import.py
	$(PY) bench/bill_run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

services:
	@echo "Tests use these services; each is chosen by an environment variable:"
	@echo "  database  DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/netbill);"
	@echo "            unset: SQLite (Django's test database)"
	@echo "  broker    CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1);"
	@echo "            unset: kombu's SQLAlchemy transport on an SQLite file under var/"
	@echo "  browser   Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH)"
	@echo "REQUIRE_SERVICES=1 turns a missing service into a failure instead of a skip (CI)."
	@echo "CI (bash .ci/run) uses PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379"
	@echo "and Chromium."
