# Coachhouse: `make run` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
PORT ?= 8000
# The site's public address: links in emails, canonical URLs and the demo site's hostname.
BASE_URL ?= http://127.0.0.1:$(PORT)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run production test lint format bench clean

# The virtual environment, made with Python 3.12+ (.python-version picks 3.13 under pyenv).
$(PY):
	@python=$$(pyenv which python3 2>/dev/null || command -v python3.13 || command -v python3.12 || command -v python3); \
	if ! "$$python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Coachhouse needs Python 3.12 or newer (Django 6); found $$("$$python" --version 2>&1)."; \
		echo "Install Python 3.13 (pyenv install 3.13.0) and run make again."; exit 1; \
	fi; \
	echo "Creating $(VENV) with $$("$$python" --version)"; \
	"$$python" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

run: export BASE_URL := $(BASE_URL)
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@echo ""
	@echo "  Coachhouse is running:  http://127.0.0.1:$(PORT)/"
	@echo "  Wagtail admin:          http://127.0.0.1:$(PORT)/admin/  (sign in with the editor account above)"
	@echo "  Emails, such as sign-in codes and wait-list links, are printed below in this terminal."
	@echo ""
	@# The task worker (emails, search indexing) runs beside the web server and stops with it.
	@$(PY) manage.py db_worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The Procfile's processes as a platform runs them, with the production settings, against this
# machine's PostgreSQL and Redis: create the database if missing (never drops one), the release
# (deploy checks, migrate, collectstatic), the demo content, then web, worker and clock under
# honcho until Ctrl-C. Each stand-in below gives way to the same variable in the environment.
production: export DJANGO_SETTINGS_MODULE := coachhouse.settings.production
production: export SECRET_KEY ?= stand-in-for-make-production-only-never-deploy-0123456789abcdef
production: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
production: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/coachhouse_local
production: export REDIS_URL ?= redis://127.0.0.1:6379/0
production: export CACHE_KEY_PREFIX ?= coachhouse-local
production: export BASE_URL := $(BASE_URL)
production: export PYTHONUNBUFFERED := 1
production: export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
production: $(STAMP)
	$(PY) manage.py create_database
	$(VENV)/bin/honcho start release
	$(PY) manage.py load_demo
	@echo ""
	@echo "  Coachhouse (production settings) is running:  http://127.0.0.1:$(PORT)/"
	@echo "  Emails are printed below by the worker. Ctrl-C stops every process."
	@echo ""
	@# No TLS proxy in front here: LOCAL_HTTP serves plain HTTP (coachhouse/settings/production.py),
	@# and gunicorn listens on this machine only, not on every interface as on a platform.
	LOCAL_HTTP=true GUNICORN_CMD_ARGS="--bind 127.0.0.1:$(PORT)" \
		$(VENV)/bin/honcho start --port $(PORT) web worker clock

# A stand-in for Stripe on 127.0.0.1:12111 (tests/stripe_server.py), to try payments in
# `make run` without a Stripe account: it prints the command that starts the site with it.
.PHONY: stripe-local
stripe-local: $(STAMP)
	$(PY) -m tests.stripe_server

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -q -r manage.py gunicorn.conf.py site accounts course lessons coaching reports
	@# bench/ drives local processes with fixed commands, seeds unusable passwords ("!") and
	@# random data, and asserts: what these skips allow there, and nowhere else.
	$(VENV)/bin/bandit -c pyproject.toml -q -r bench -s B101,B106,B311,B404,B603,B607

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	DJANGO_SETTINGS_MODULE=coachhouse.settings.test $(PY) manage.py check --fail-level WARNING
	@# Django's deployment checks on the production settings, given stand-in values.
	DJANGO_SETTINGS_MODULE=coachhouse.settings.production ALLOWED_HOSTS=coach.example \
		DATABASE_URL=postgres://db.invalid/coachhouse REDIS_URL=redis://cache.invalid:6379/0 \
		SECRET_KEY=stand-in-for-the-deploy-check-only-0123456789abcdefghijklmnopq \
		$(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=coachhouse.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

clean:
	rm -rf $(VENV) staticfiles

# The `bench` extra (locust), installed once beside the project.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[test,bench]"
	@touch $(BENCH_STAMP)

# The page bench (bench/README.md): the pages under load against the floor, on SQLite and
# PostgreSQL; then the report views timed on 100,000 learners. 8 to 10 minutes on a quiet 2-core
# machine. Both run even if the first fails; make fails if either did.
bench: $(BENCH_STAMP)
	@$(PY) bench/pages.py; pages=$$?; $(PY) bench/reports.py && exit $$pages

# Load and fault test (bench/README.md): gunicorn, PostgreSQL, Redis, db_worker and an SMTP sink
# on 127.0.0.1; two 3-minute locust runs, the second with PostgreSQL restarted and mail failing.
# About 11 minutes; not part of `make test`. Needs the `bench` extra (locust).
.PHONY: loadtest
loadtest: $(BENCH_STAMP)
	$(PY) bench/loadtest.py
