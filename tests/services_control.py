"""Throwaway service instances a test may stop without touching the suite's own."""

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from devservices.local import Settings, free_port
from devservices.redis import Redis

__all__ = ["free_port", "temporary_redis"]


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
