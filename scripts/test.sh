#!/usr/bin/env bash
# `make test`: lint, then the whole suite against real PostGIS, Redis, Celery and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" FLASK_APP=wsgi
export TZ=UTC  # the tests' walkers live in UTC: the host's today must be theirs

source scripts/with-services.sh
ruff check .
ruff format --check .
mypy
node_modules/.bin/eslint .
# pytest exits 5 when it collected nothing: that fails this script, as it should.
pytest "$@"
