#!/usr/bin/env bash
# `make run`: services, migrations, demo data, then nginx in front of web + ws, and worker +
# beat, until Ctrl-C.
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
# Web push signs with a development VAPID key pair, made once in var/ (unless exported already).
vapid_env=$(python -m devservices.vapid)
eval "$vapid_env"
# nginx on $port sends /teams/<id>/live to `ws` and the rest to `web` (honcho numbers the
# processes' ports from the one it is given, 100 apart, in the order they are named).
scripts/need-debian-package.sh nginx nginx
export MILEQUEST_PROXY_PORT=$port MILEQUEST_WEB_PORT=$((port + 1)) MILEQUEST_WS_PORT=$((port + 101))
export MILEQUEST_PROXY_HOPS=1
scripts/services.sh proxy
trap 'scripts/services.sh proxy-down; _stop_started_services' EXIT
echo
echo "Mile Quest is starting: browse http://127.0.0.1:$port  (Ctrl-C stops it)"
echo "  nginx on $port: live streams to ws on $MILEQUEST_WS_PORT, the rest to web on $MILEQUEST_WEB_PORT"
echo "Development emails: http://127.0.0.1:$port/dev/mail/"
echo
export HOST=${HOST:-127.0.0.1}
# web, worker and beat count into one directory that /metrics adds up; emptied at each start.
export PROMETHEUS_MULTIPROC_DIR="$PWD/var/metrics"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
# This machine may read http://127.0.0.1:$port/metrics (a deployment sets a token or its network).
export MILEQUEST_METRICS_ALLOWED_NETWORKS=${MILEQUEST_METRICS_ALLOWED_NETWORKS:-'["127.0.0.1/32", "::1/128"]'}
honcho --procfile Procfile start --port "$MILEQUEST_WEB_PORT" web ws worker beat
