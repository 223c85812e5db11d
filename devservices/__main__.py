"""Project-local PostgreSQL 15 (+ PostGIS 3), Redis and nginx for development.

Usage: scripts/services.sh up|status|down|env|proxy|proxy-down   (or: python3 -m devservices ...)
  up      start what is needed (idempotent, a second run is a fast no-op) and
          make sure database $MILEQUEST_DB_NAME exists with postgis, pg_trgm
          and citext
  status  one line per service; exit 0 if all needed services are up, else 1
  down    stop our servers under var/ (idempotent)
  env     print the exports to use them:  eval "$(scripts/services.sh env)"
  proxy   start nginx (deploy/nginx/) on MILEQUEST_PROXY_PORT in front of `web` on
          MILEQUEST_WEB_PORT and `ws` on MILEQUEST_WS_PORT (make run does; `down` stops it)
  proxy-down  stop our nginx

Environment:
  MILEQUEST_PG_PORT (55432)  MILEQUEST_REDIS_PORT (56379)  MILEQUEST_DB_NAME (milequest)
  MILEQUEST_PROXY_PORT (5000)  MILEQUEST_WEB_PORT (proxy + 1)  MILEQUEST_WS_PORT (web + 100)
  DATABASE_URL / REDIS_URL   if set (to anything but our own URL) that service
                             is treated as external and left alone

Everything lives in <repo>/var/{pg,redis,nginx}. The system PostgreSQL and Redis
(ports 5432 / 6379) are never used or touched.
"""

import fcntl
import os
import shlex
import sys
from contextlib import contextmanager

from devservices import nginx, packages
from devservices.local import ServiceError, Settings
from devservices.nginx import Nginx
from devservices.postgres import Postgres
from devservices.redis import Redis


@contextmanager
def locked(settings: Settings):
    """Concurrent up/down runs wait for each other (servers started here do not inherit it)."""
    with open(settings.var / ".services.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def up(settings: Settings) -> int:
    packages.install(packages.missing(settings))
    settings.var.mkdir(mode=0o755, exist_ok=True)
    with locked(settings):
        for service in (Postgres(settings), Redis(settings)):
            print(service.up(), flush=True)
    return 0


def down(settings: Settings) -> int:
    def stop_both():
        for service in (Postgres(settings), Redis(settings)):
            print(service.down(), flush=True)
        if Nginx.from_env(settings).state() == "ours":
            proxy_down(settings)

    if settings.var.is_dir():
        with locked(settings):
            stop_both()
    else:
        stop_both()
    return 0


def status(settings: Settings) -> int:
    all_up = True
    for service in (Postgres(settings), Redis(settings)):
        is_up, line = service.status()
        print(line)
        all_up = all_up and is_up
    return 0 if all_up else 1


def proxy(settings: Settings) -> int:
    packages.install(nginx.missing_packages())
    settings.var.mkdir(mode=0o755, exist_ok=True)
    print(Nginx.from_env(settings).up(), flush=True)
    return 0


def proxy_down(settings: Settings) -> int:
    print(Nginx.from_env(settings).down(), flush=True)
    return 0


def env(settings: Settings) -> int:
    database_url = settings.database_url if settings.pg_external else settings.our_database_url
    redis_url = settings.redis_url if settings.redis_external else settings.our_redis_url
    print(f"export DATABASE_URL={shlex.quote(database_url)}")
    print(f"export REDIS_URL={shlex.quote(redis_url)}")
    return 0


COMMANDS = {
    "up": up,
    "down": down,
    "status": status,
    "env": env,
    "proxy": proxy,
    "proxy-down": proxy_down,
}


def main(argv: list[str]) -> int:
    os.umask(0o022)
    try:
        settings = Settings.from_env()
        command = argv[0] if argv else ""
        if command in ("-h", "--help", "help"):
            print(__doc__.strip())
            return 0
        if command not in COMMANDS:
            print(__doc__.strip(), file=sys.stderr)
            return 2
        return COMMANDS[command](settings)
    except ServiceError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
