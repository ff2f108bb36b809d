# Retail OMS portal. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 4
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
PG_BENCH_URL ?= postgresql://postgres@127.0.0.1:5432/oms_bench
FLASK  := $(BIN)/flask --app portal
STAMP  := $(VENV)/.installed
MO     := portal/translations/de/LC_MESSAGES/messages.mo

.PHONY: help install translations migrate demo run serve jobs test test-sqlite test-postgres \
        browser-deps bench lint messages clean

help:
	@echo "make run    set up everything and serve http://$(HOST):$(PORT) with demo data"
	@echo "make test   run the whole suite on SQLite and PostgreSQL, browser tests included"
	@echo "make serve  production-style gunicorn ($(WORKERS) workers)"
	@echo "make jobs   the scheduled jobs process alone (make run starts it too)"
	@echo "make bench  benchmarks: prints a table, writes bench/results/*.json"
	@echo "make lint   ruff"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	@touch $@

install: $(STAMP) $(MO)

$(MO): portal/translations/de/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d portal/translations 2>&1 | grep -v "^compiling" || true

translations: $(MO)

# Extract new strings into the catalogue (developers run this after changing texts).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

# The jobs process (python -m jobs) runs in the background and stops with the web server.
run: demo
	@echo "Portal on http://$(HOST):$(PORT) — demo logins in README.md (password oms-demo)"
	DEMO=1 $(BIN)/python -m jobs & jobs_pid=$$!; trap 'kill $$jobs_pid 2>/dev/null' EXIT INT TERM; \
	FLASK_DEBUG=1 DEMO=1 $(FLASK) run --host $(HOST) --port $(PORT)

# The scheduler alone (production: one such process beside `make serve`).
jobs: migrate
	$(BIN)/python -m jobs

serve: migrate
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --timeout 120 --access-logfile - 'portal:create_app()'

# Debian tools the tests drive: chromium (browser tests), pdftoppm and zbarimg (labels and
# confirmations are rendered to PNG and their barcodes decoded).
browser-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v zbarimg >/dev/null 2>&1 || missing="$$missing zbar-tools"; \
	test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for the tests:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

test: install browser-deps test-sqlite test-postgres

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -q

test-postgres: install
	.ci/ensure-postgres
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q

bench: install
	.ci/ensure-postgres oms_bench
	BENCH_DATABASE_URL=$(PG_BENCH_URL) $(BIN)/python -m tests.bench

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
