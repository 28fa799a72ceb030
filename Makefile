# Mission Teams: `make run` sets up and serves everything; `make test` installs and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run install install-test test lint fmt typecheck pytest worker scheduler web migrate seed browser oidc-provider demo-idp clean translations bench wrk test-faults fault-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed $(VENV)/.installed-test

## Serve the app with demo data, an embedded Redis (unless REDIS_URL), a worker and the scheduler.
run: install demo-idp
	$(BIN)/python -m teams_app.devserver

## Everything CI needs: lint, types, then the whole suite (browser tests included).
test: install-test browser oidc-provider lint typecheck pytest

lint:
	$(BIN)/ruff check teams_app jobs tests bench
	$(BIN)/ruff format --check teams_app jobs tests bench

## Format and apply ruff's safe fixes (what the pre-commit hooks do), then lint shows what is left.
fmt:
	$(BIN)/ruff format teams_app jobs tests bench
	$(BIN)/ruff check --fix teams_app jobs tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest $(PYTEST_ARGS)

# apt-get waits up to 10 minutes for another install's dpkg lock instead of failing at once.
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600

## Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium for the browser tests (waiting up to 10 min if another install holds the package manager's lock)"; \
	    $(APT_GET) update -qq && $(APT_GET) install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package (browser tests will be skipped)"; fi; }

## What the fault tests run besides Python: nginx (rolling restarts), redis-server, PostgreSQL 15.
fault-tools:
	@missing=""; command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	  command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql-15"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing$$missing for the fault tests (waiting up to 10 min if another install holds the package manager's lock)"; \
	      $(APT_GET) update -qq && $(APT_GET) install -y -qq $$missing >/dev/null; \
	    else echo "missing for the fault tests:$$missing (install them with apt-get)"; exit 1; fi; \
	  fi

## Real faults against private Redis, PostgreSQL, SMTP and nginx instances (about 10 minutes).
test-faults: install-test fault-tools
	$(BIN)/pytest -m faults -p no:cacheprovider tests/faults $(PYTEST_ARGS)

## The certified OpenID provider (npm's oidc-provider) the single sign-on tests run on loopback.
OIDC_DIR := tests/oidc
$(OIDC_DIR)/node_modules/.package-lock.json: $(OIDC_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian nodejs and npm for the test OpenID provider (waiting up to 10 min if another install holds the package manager's lock)"; \
	    $(APT_GET) update -qq && $(APT_GET) install -y -qq nodejs npm >/dev/null; \
	  fi; }
	npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --loglevel=error
	touch $@

oidc-provider: $(OIDC_DIR)/node_modules/.package-lock.json

# make run's "Demo IdP" is the same provider; without Node.js the demo runs without it.
demo-idp:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory oidc-provider; \
	else echo "Node.js is not installed: make run starts without the demo OpenID provider"; fi

worker: install
	$(BIN)/rq worker --with-scheduler -w jobs.worker.AppWorker -u "$${REDIS_URL:?set REDIS_URL}" mail default

scheduler: install
	$(BIN)/python -m jobs.scheduler -u "$${REDIS_URL:?set REDIS_URL}"

web: install
	$(BIN)/gunicorn -w $${WEB_CONCURRENCY:-2} -b 0.0.0.0:$${PORT:-8000} --preload --graceful-timeout 30 wsgi:app

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed-demo

## Debian's wrk, the load generator of the page benchmark.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian wrk for the page benchmark (waiting up to 10 min if another install holds the package manager's lock)"; \
	    $(APT_GET) update -qq && $(APT_GET) install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: install Debian's wrk package"; exit 1; fi; }

## Every page under wrk against the stack's ceiling (docs/performance.md), then digests and SSO.
bench: install-test wrk oidc-provider
	$(BIN)/python -m bench.run
	@if [ -f bench/digests.py ]; then $(BIN)/python -m bench.digests; fi
	$(BIN)/python -m bench.sso

# The survey pages' wording: extract, merge into each catalogue, compile (the .mo files are
# committed, so installing needs no step; run this after changing a _() string).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k _t -k gettext -k ngettext:1,2 --no-location -o teams_app/translations/messages.pot .
	$(BIN)/pybabel update -i teams_app/translations/messages.pot -d teams_app/translations --no-location
	$(BIN)/pybabel compile -d teams_app/translations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(OIDC_DIR)/node_modules
