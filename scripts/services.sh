#!/usr/bin/env bash
# Project-local PostgreSQL 15 (+ PostGIS 3) and Redis for development: up|status|down|env.
# The work is done by devservices/ (`scripts/services.sh --help` says more); this keeps the
# command that the Makefile, scripts/with-services.sh and the README use.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m devservices "$@"
