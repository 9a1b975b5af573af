# Two commands on a fresh machine: `make run` and `make test`.
# Everything else here is a helper for those two or for production.

PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The first Python 3.12+ found: python3.13, python3.12, python3, then pyenv's
# own builds (pyenv shims exist for versions that are not selected and fail).
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3 \
	$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3; do \
	$$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { command -v $$c; break; }; done)

.PHONY: run test serve bench lint format migrations-check venv

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Newsroom needs Python 3.12 or newer; none was found."; \
		echo "Install python3.12 or python3.13, or run: make PYTHON=/path/to/python3.12 ..."; \
		exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

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
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(BIN)/pytest

serve: $(STAMP) .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input
	$(BIN)/gunicorn --config newsroom/gunicorn.conf.py newsroom.wsgi

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
