# Mile Quest: `make run` to start everything, `make test` to run the whole suite,
# `make test-fast` for all but the browser, gunicorn and real-worker tests (the inner loop).
SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test test-fast setup services down status lint format clean-vendor

run: setup
	@scripts/run.sh $(PORT)

test: setup $(VENV)/.chromium $(VENV)/.nginx $(VENV)/.promtool
	@scripts/test.sh $(PYTEST_ARGS)

test-fast: setup
	@scripts/test.sh -m "not slow" $(PYTEST_ARGS)

setup: $(VENV)/.installed $(VENV)/.cairo node_modules/.installed static/vendor/.copied build/static.json

services:
	@scripts/services.sh up

status:
	@scripts/services.sh status

down:
	@scripts/services.sh down

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	node_modules/.bin/eslint .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

$(VENV)/.installed: requirements.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Front-end libraries come from npm; git ignores the copies.
static/vendor/.copied: node_modules/.installed
	@mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-ws/dist/ws.min.js static/vendor/
	mkdir -p static/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images static/vendor/leaflet/
	cp node_modules/idb-keyval/dist/umd.js static/vendor/idb-keyval.js
	mkdir -p static/vendor/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css static/vendor/swagger-ui/
	@touch $@

# Static files under content-hashed names, with gzip and brotli copies (milequest/static_files.py).
build/static.json: $(VENV)/.installed static/vendor/.copied scripts/build_static.py $(shell find static -type f)
	$(VENV)/bin/python scripts/build_static.py static build/static build/static.json

# Certificates drawn as PNG (CairoSVG) need cairo and a serif font from Debian.
$(VENV)/.cairo:
	@scripts/need-debian-package.sh libcairo.so.2 libcairo2 fonts-dejavu-core
	@touch $@

# Browser tests drive Debian's Chromium (never a tool's own download).
$(VENV)/.chromium:
	@scripts/need-debian-package.sh chromium chromium
	@touch $@

# The local reverse proxy (devservices/nginx.py) and the test that goes through it use
# Debian's nginx (never the system's running one: ours runs under var/ on its own port).
$(VENV)/.nginx:
	@scripts/need-debian-package.sh nginx nginx
	@touch $@

# The alert rules (monitoring/) are checked and unit-tested with Debian's promtool.
$(VENV)/.promtool:
	@scripts/need-debian-package.sh promtool prometheus
	@touch $@

# Benchmarks at scale: own database (milequest_bench), data generated once, then load and
# timed items; writes BENCHMARKS.md. Options: make bench BENCH_ARGS="--scale large".
.PHONY: bench
bench: setup
	@scripts/bench.sh $(BENCH_ARGS)
