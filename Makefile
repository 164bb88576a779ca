# The single entry point (README). `make run` serves the back-office, `make test` passes the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
DEV_ENV := DEBUG=1

.PHONY: run test lint check-deploy bench totp clean venv venv-dev

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools<81" wheel
	# XStatic-Bootstrap ships only an sdist whose setup still imports pkg_resources (setuptools < 81).
	$(PY) -m pip install --quiet --no-build-isolation XStatic-Bootstrap==5.3.8.0
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

## make run: migrate SQLite, load the referentials, seed the demo, start web + worker + beat.
run: venv
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) load_referentials --issues 0
	$(DEV_ENV) $(MANAGE) seed_demo
	$(DEV_ENV) bash scripts/run.sh

## make test: the whole suite, on PostgreSQL and Redis when they answer (REQUIRE_SERVICES=1: must).
test: venv-dev
	bash scripts/test.sh

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(MANAGE) makemigrations --check --dry-run --noinput

## check --deploy with production settings: DEBUG off, a real secret key, a host name.
check-deploy: venv
	DEBUG=0 SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  ALLOWED_HOSTS=backoffice.opco.example DATABASE_URL=sqlite:///var/deploy-check.sqlite3 \
	  $(MANAGE) check --deploy --fail-level WARNING

## Benchmarks: the financing engine on one core (100 000 varied contracts); on PostgreSQL
## (DATABASE_URL=postgres://… in the environment or .env), payment runs over 200 000 instalments for 3 000 CFAs,
## contract files (BENCH_CONTRACTS, 100 000 by default) and 20 users on gunicorn; each prints a JSON last line.
bench: venv
	$(DEV_ENV) $(MANAGE) bench_financing --count 100000
	@if [[ "$${DATABASE_URL:-}" =~ ^(postgres|pgsql) ]] || { [[ -z "$${DATABASE_URL:-}" ]] && grep -qE '^DATABASE_URL=(postgres|pgsql)' .env 2>/dev/null; }; then \
	  $(DEV_ENV) $(MANAGE) bench_payments --lines 200000 --accounts 3000; \
	  $(DEV_ENV) $(MANAGE) bench_contracts --count $${BENCH_CONTRACTS:-100000} --import-sample 10000; \
	  $(DEV_ENV) $(MANAGE) bench_load --users 20 --seconds 30; \
	else echo "Banc des lots de paiement ignoré : il mesure PostgreSQL (DATABASE_URL=postgres://…)."; fi

## The current TOTP code of the demo accounts.
totp: venv
	@$(DEV_ENV) $(MANAGE) demo_totp

clean:
	rm -rf var staticfiles .pytest_cache
