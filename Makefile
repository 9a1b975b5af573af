# Two commands on a fresh machine: `make run` and `make test`.
# Everything else here is a helper for those two or for production.

PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# The first Python 3.12+ found: python3.13, python3.12, python3, then pyenv's
# own builds (pyenv shims exist for versions that are not selected and fail).
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3 \
	$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3; do \
	$$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { command -v $$c; break; }; done)

.PHONY: run test serve bench bench-import bench-extraction lint format migrations-check venv

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Newsroom needs Python 3.12 or newer; none was found."; \
		echo "Install python3.12 or python3.13, or run: make PYTHON=/path/to/python3.12 ..."; \
		exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt
	@# Every package is pinned, dependencies included: no resolving needed,
	@# and `pip check` proves none is missing. Bytecode compiles on first
	@# import instead of for every file of scipy up front.
	$(BIN)/python -m pip install --quiet --no-deps --no-compile -r requirements.txt
	$(BIN)/python -m pip check
	@touch $@

# axe-core and the Nu HTML Checker, for the browser tests. Without npm the
# tests that need them skip (and fail in CI). --ignore-scripts: vnu-jar's
# postinstall downloads a Java of its own; the machine's Java runs it instead.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "npm not found: the browser tests that need axe-core or vnu-jar will skip."; fi

# A random secret key for this checkout, kept out of git, read by settings.
.env:
	@$(BIN)/python -c 'import secrets; print("SECRET_KEY=" + secrets.token_urlsafe(50))' > $@

venv: $(STAMP)

run: $(STAMP) .env
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py load_demo
	@echo
	@echo "  Newsroom is at  http://127.0.0.1:$(PORT)/"
	@echo "  Editors' admin  http://127.0.0.1:$(PORT)/admin/   user: editor   password: newsroom-editor"
	@echo
	@# The background worker (imports, feed polls) runs beside the web server
	@# and stops with it, however the server ends.
	@# migrate has just run the system checks; the server need not again.
	@DEBUG=1 $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver --skip-checks 127.0.0.1:$(PORT)

# PYTEST_ARGS narrows a run, e.g. PYTEST_ARGS='-m "not browser"'; none by default.
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

serve: $(STAMP) .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input
	$(BIN)/gunicorn --config newsroom/gunicorn.conf.py newsroom.wsgi

# Import a 500-entry feed served locally; prints entries/s and peak memory.
bench-import: $(STAMP)
	$(BIN)/python bench/import_feed.py

# How much of each page's article an import keeps, beside trafilatura alone
# (bench/README.md); EXTRACTION_ARGS adds public evaluation sets, e.g.
# EXTRACTION_ARGS="--article-benchmark /tmp/aeb --trafilatura-eval /tmp/trafilatura-eval/tests".
EXTRACTION_ARGS ?=
bench-extraction: $(STAMP)
	$(BIN)/python bench/extraction.py $(EXTRACTION_ARGS)

# The benchmark (bench/README.md): N synthetic articles, loaded once into a
# database of their own (SQLite here, or DATABASE_URL's, whose name must
# contain "bench"), then measured under gunicorn with wrk.
N ?= 10000
BENCH_ARGS ?=
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),sqlite:///$(CURDIR)/bench/data/bench-$(N).sqlite3)

bench: $(STAMP) .env
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	@mkdir -p bench/data
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/generate.py --articles $(N) --reuse
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP) .env
	$(BIN)/python manage.py makemigrations --check --dry-run
