#!/usr/bin/env bash
# `make run`: services, migrations, demo data, then web + worker + beat until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-5000}
export PATH="$PWD/.venv/bin:$PATH" FLASK_APP=wsgi

source scripts/with-services.sh
flask db upgrade
flask atlas    # Natural Earth land and borders under the maps (from npm world-atlas), once
flask places   # towns of 5,000+ people; `flask places --min-population 500` for villages
flask catalog
flask demo     # after the catalog: the demo team walks one of its routes
mkdir -p var
echo
echo "Mile Quest is starting on http://127.0.0.1:$port  (Ctrl-C stops it)"
echo "Development emails: http://127.0.0.1:$port/dev/mail/"
echo
export HOST=${HOST:-127.0.0.1}
honcho --procfile Procfile start --port "$port" web worker beat
