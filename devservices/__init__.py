"""The project-local PostgreSQL (+ PostGIS) and Redis that `make run`, `make test` and
`make bench` use: `python3 -m devservices up|status|down|env` (scripts/services.sh calls it).

A top-level package beside `bench/` and `workers/`, not inside `milequest/`: it is development
tooling (it runs initdb, pg_ctl and apt-get), the app never imports it, and it runs on the
system Python with the standard library only, before `.venv` exists. Tests import it as
`devservices`, as they import `bench`.
"""
