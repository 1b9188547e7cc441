# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are redone only when a lock file changes.
$(VENV)/.runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/pip install --quiet --no-deps -r requirements-dev.lock
	touch $@

run: $(VENV)/.runtime
	$(BIN)/tertulia collectstatic --no-input
	$(BIN)/tertulia migrate --no-input
	$(BIN)/tertulia setupdemo
	TERTULIA_DEMO_IP=$${TERTULIA_DEMO_IP-2.139.0.1} $(BIN)/tertulia serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium; install it when it is missing.
/usr/bin/chromium:
	@echo "Installing Chromium for the browser tests..."
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	 else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

# axe-core checks each screen's accessibility in the browser tests; pinned in package-lock.json.
node_modules/axe-core/axe.min.js: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

test: $(VENV)/.dev /usr/bin/chromium node_modules/axe-core/axe.min.js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/tertulia makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports --no-cache

format: $(VENV)/.dev
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# Every benchmark on SQLite and on PostgreSQL, then one table of all figures (bench/all.sh).
bench: $(VENV)/.dev /usr/bin/chromium
	PYTHON=$(BIN)/python bash bench/all.sh

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts node_modules

# After changing user-facing strings: update the Spanish catalogue, translate, then compile.
messages: $(VENV)/.dev
	cd tertulia && ../$(BIN)/tertulia makemessages -l es --ignore='migrations/*'
	msgfmt --check -o tertulia/locale/es/LC_MESSAGES/django.mo tertulia/locale/es/LC_MESSAGES/django.po
