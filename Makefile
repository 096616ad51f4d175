# The README's commands. `make demo` serves the platform; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# Debian packages WeasyPrint needs (and fonts for Latin, Greek, Cyrillic and CJK in PDFs).
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core
# Debian packages the test suite needs: the browser, pdftotext, npm for axe-core. npm is asked for
# only when there is no npm command: a Node.js from elsewhere (NodeSource) bundles its own npm, and
# Debian's npm package conflicts with it ("held broken packages").
TEST_DEBS := chromium poppler-utils $(if $(shell command -v npm 2>/dev/null),,npm)

.PHONY: help install install-test system-deps system-deps-test translations demo serve test test-fast lint bench clean

help:
	@echo "make demo   - install, create the database, load demo data, serve on http://127.0.0.1:5000"
	@echo "make test   - install the test dependencies and run the whole suite (TEST_DATABASE_URL for PostgreSQL)"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmarks, writing bench/results/latest.md"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python system-deps
	$(BIN)/pip install --quiet -e .
	$(MAKE) --no-print-directory translations

install-test: $(BIN)/python system-deps system-deps-test
	$(BIN)/pip install --quiet -e ".[test]"
	npm ci --silent --no-audit --no-fund
	$(MAKE) --no-print-directory translations

# Install missing Debian packages when we are root with apt; otherwise print the exact command and stop.
define ensure_debs
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing system packages. Run:  sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi
endef

system-deps:
	$(call ensure_debs,$(RUNTIME_DEBS))

system-deps-test:
	$(call ensure_debs,$(TEST_DEBS))

translations: $(BIN)/python
	@$(BIN)/pybabel compile -d questionnaire/translations >/dev/null

# Re-extract messages after changing user-facing text, then translate the .po files. pybabel knows _,
# gettext, ngettext, pgettext and npgettext; the lazy forms (and _l, our alias of lazy_gettext) are added.
messages: $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
		-k lazy_npgettext:1c,2,3 -o questionnaire/translations/messages.pot .
	$(BIN)/pybabel update -N -i questionnaire/translations/messages.pot -d questionnaire/translations

demo: install
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# pytest-xdist workers for `make test` (auto: one per CPU; 0: no workers, one process).
PYTEST_WORKERS ?= auto

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

test-fast: $(BIN)/python
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not e2e" -q

lint: $(BIN)/python
	$(BIN)/ruff check .

bench: install
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .pytest_cache
