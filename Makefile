# Shuniu. Only python3 (>= 3.11) and make are assumed; uv is bootstrapped with pip.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .venv-uv/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: env demo serve serve-prod test test-fast test-browser lint format bench messages static browser-deps clean docs snapshots

.venv-uv/bin/uv:
	$(PY) -m venv .venv-uv
	.venv-uv/bin/pip install --quiet --disable-pip-version-check uv

# Byte-compiled at install (the libraries by uv, the project's own modules by compileall): a
# process that has to compile what it imports (PYTHONDONTWRITEBYTECODE, a read-only install)
# starts about 2.5 times slower; `shuniu stats` is mostly start-up (issue 10).
$(BIN)/shuniu: pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PY)
	$(BIN)/python -m compileall -q src config
	@touch $@

env: $(BIN)/shuniu

messages: env
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=.venv-uv -v 0

static: env
	$(BIN)/python manage.py collectstatic --noinput -v 0

demo: env messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/shuniu demo load
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	SHUNIU_DEBUG=$${SHUNIU_DEBUG:-1} $(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

serve: env messages
	$(BIN)/python manage.py migrate --noinput
	SHUNIU_DEBUG=$${SHUNIU_DEBUG:-1} $(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

# The production server (gunicorn, whitenoise): needs SHUNIU_SECRET_KEY, SHUNIU_ALLOWED_HOSTS and
# SHUNIU_DATA_KEY in the environment (docs/deploy.md); WORKERS=N overrides the worker count.
serve-prod: env messages
	SHUNIU_PRODUCTION=1 $(BIN)/shuniu serve --migrate --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS))

browser-deps:
	@bash scripts/browser-deps.sh

test: env messages browser-deps lint
	$(BIN)/python manage.py makemigrations --check --dry-run -v 1
	$(BIN)/pytest -n 2 --dist loadfile -m "not browser"
	@# Browser tests flush the database (live server); they run on their own so that the
	@# reference data other tests read from migrations is never missing.
	$(BIN)/pytest -n 2 --dist loadfile -m browser

test-fast: env
	$(BIN)/pytest -n 2 --dist loadfile -m "not browser"

# docs/cli.md's --help blocks, rendered from the commands (tests/test_cli_docs.py checks them).
docs: env
	$(BIN)/python -m shuniu.clidocs

# Accept a deliberate API change: rewrite tests/api/openapi.json from the code.
snapshots: env
	SHUNIU_UPDATE_SNAPSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider tests/api/test_openapi_snapshot.py

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src config bench

format: env
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The bench group (datasette, the search baseline) is installed here only: never in dev or main.
bench: env
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --group bench --python $(PY)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-uv .pytest_cache .mypy_cache .ruff_cache
