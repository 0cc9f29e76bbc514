# Sammen: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint messages compilemessages migrate seed serve worker beat clean debian-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when pyproject.toml changes: a second `make run` is fast.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test,lint]"
	touch $@

# Pure Python (polib): works on a machine without GNU gettext.
compilemessages: $(VENV)/.installed
	$(PY) manage.py compiletranslations -v0

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v0

seed: migrate
	$(PY) manage.py seed_demo

# Embedded default: SQLite in var/, in-memory channel layer, tasks in-process.
run: compilemessages seed
	@echo "Sammen kører på http://localhost:$(PORT)  (stop med Ctrl+C)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) sammen.asgi:application

# Debian's packages the tests drive: chromium for the browser tests (never a
# downloaded browser), nginx for the documented proxy (tests/integration/test_proxy.py),
# and PostgreSQL's and Redis's servers, of which tests/integration/test_faults.py
# starts private ones to stop and restart (never the ones the suite runs on).
debian-packages:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/redis-server ] \
		|| ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing Debian's chromium, nginx, postgresql and redis-server for the tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			chromium fonts-noto-color-emoji nginx postgresql redis-server >/dev/null; \
		$$SUDO service nginx stop >/dev/null 2>&1 || true; \
	fi

# The Nu HTML Checker for tests/test_html_validity.py (run with Java): the
# vnu-jar package from npm, pinned, installed into var/tools/vnu.
VNU_JAR := var/tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR):
	@if command -v npm >/dev/null && command -v java >/dev/null; then \
		echo "Installing the Nu HTML Checker (vnu-jar) for the HTML tests"; \
		npm install --silent --no-audit --no-fund --prefix var/tools/vnu vnu-jar@26.9.27 >/dev/null; \
	else echo "npm or java missing: tests/test_html_validity.py will skip"; fi

# The whole suite. With DATABASE_URL / REDIS_URL set it runs against them.
test: $(VENV)/.installed-test debian-packages compilemessages $(VNU_JAR)
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy accounts groups posts moderation sammen scheduler notifications insights pages demo directory privacy
	$(PY) tools/check_translations.py

# Extracting strings needs GNU gettext (Debian: gettext); compiling does not.
messages: $(VENV)/.installed
	@command -v xgettext >/dev/null || { echo "make messages needs GNU gettext (apt-get install gettext)"; exit 1; }
	$(PY) manage.py makemessages -l da -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete
	$(PY) tools/source_identity.py

# Production processes, by hand (see docs/operations.md).
serve: $(VENV)/.installed
	$(BIN)/daphne -b $(HOST) -p $(PORT) sammen.asgi:application

worker: $(VENV)/.installed
	$(BIN)/celery -A sammen worker --loglevel=info

beat: $(VENV)/.installed
	$(BIN)/celery -A sammen beat --loglevel=info

clean:
	rm -rf $(VENV) var/static
