"""Throwaway service instances a test may stop without touching the suite's own."""

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from devservices.local import Settings, free_port
from devservices.postgres import Postgres
from devservices.redis import Redis

__all__ = ["free_port", "temporary_postgres", "temporary_redis"]


@contextmanager
def temporary_redis():
    """A Redis of its own, as `make run` starts one, on a spare port in a throwaway folder."""
    root = Path(tempfile.mkdtemp(prefix="mq-redis-"))
    server = Redis(Settings.from_env({"MILEQUEST_REDIS_PORT": str(free_port())}, root))
    server.start()
    try:
        yield server
    finally:
        if server.state() == "ours":
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def temporary_postgres():
    """A PostgreSQL of its own (initdb, as `make run` does), on a spare port in a throwaway
    folder; yields the server (`.stop()`, `.start()`) and its database URL."""
    root = Path(tempfile.mkdtemp(prefix="mq-pg-"))
    root.chmod(0o755)  # the server runs as `postgres` when we are root
    env = {"MILEQUEST_PG_PORT": str(free_port()), "MILEQUEST_DB_NAME": "restarts"}
    server = Postgres(Settings.from_env(env, root))
    server.start()
    try:
        server.after_up()
        yield server, f"postgresql://postgres@127.0.0.1:{server.port}/restarts"
    finally:
        if server.state() == "ours":
            server.stop()
        shutil.rmtree(server.home, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
