# gridgov — `make run` sets everything up and serves the app; `make test` runs the whole suite.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
HOST ?= $(or $(GRIDGOV_HOST),127.0.0.1)
PORT ?= $(or $(GRIDGOV_PORT),5000)
export FLASK_APP := app

.PHONY: run test setup system db lint bench fuzz

run: setup
	.venv/bin/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - app:app

test: setup
	./scripts/ensure-system.sh --with-browser
	.venv/bin/pytest

setup: system $(VENV_STAMP) db

system:
	./scripts/ensure-system.sh

$(VENV_STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(VENV_STAMP)

db: $(VENV_STAMP)
	.venv/bin/flask db upgrade
	.venv/bin/flask demo load --if-empty
	.venv/bin/flask demo refresh-positions

lint: $(VENV_STAMP)
	.venv/bin/ruff check .

bench: setup
	$(PY) bench/locate.py
	$(PY) bench/dispatch.py
	$(PY) bench/demands.py
	$(PY) bench/maps.py
	$(PY) bench/demand_map.py

fuzz: setup
	./scripts/fuzz-api.sh
