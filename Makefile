# DreamJourney: `make run` to use it, `make test` to check it. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# What users see: DEBUG off (styled error pages); `make dev` turns it on.
export DEBUG ?= false

.PHONY: run dev test lint bench cluster clean venv deps test-deps chromium migrate nginx

# A Python >= 3.12 that really runs: one on PATH, else pyenv's (the python3.12 shim may refuse).
PYTHON_BOOT := $(shell for c in python3.13 python3.12 python3 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V -r); do \
	if $$c -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo $$c; break; fi; done)

$(VENV)/.created:
	@test -n "$(PYTHON_BOOT)" || { echo "No Python >= 3.12 found (PATH or pyenv)."; exit 1; }
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.deps: $(VENV)/.created requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.deps requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.created
deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps

# Debian's Chromium for the browser tests (Playwright never downloads its own browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -qq || sudo apt-get update -qq) && \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
		 sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

# Debian's nginx for the "behind nginx" test (deploy/nginx.conf in front of gunicorn).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		(apt-get update -qq || sudo apt-get update -qq) && \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || \
		 sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null); }

migrate: deps
	@mkdir -p var
	$(PY) manage.py migrate --noinput

# Web server and one supervised task worker (restarted with backoff; it also re-enqueues
# stalled jobs and sweeps leftovers), on SQLite, local media and the demo provider by default.
run: migrate
	@echo "DreamJourney on http://$(HOST):$(PORT)/  (API docs: /api/docs/, admin: /admin/)"
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py supervise_worker & \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

# The same with DEBUG on: Django's debug pages, for development only.
dev: export DEBUG := true
dev: run

test: test-deps chromium nginx
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -q

lint: test-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: test-deps
	$(PY) bench/run_all.py

# docker-compose.yml's topology run natively (2 gunicorn webs, 2 RQ workers, a fresh
# PostgreSQL database, Redis, moto's S3), driven with 200 dreams, proven, then stopped.
cluster: test-deps
	$(PY) bench/cluster.py

clean:
	rm -rf $(VENV) var .pytest_cache
