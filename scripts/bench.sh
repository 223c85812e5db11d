#!/usr/bin/env bash
# `make bench`: services, the bench database (milequest_bench, never the dev or test one),
# migrations and the route catalog, then generate (skipped when loaded), load, BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" FLASK_APP=wsgi
export MILEQUEST_DB_NAME=${MILEQUEST_BENCH_DB_NAME:-milequest_bench}
unset DATABASE_URL  # the bench always uses its own database on the local server

source scripts/with-services.sh
flask db upgrade
flask catalog
python -m bench "$@"
