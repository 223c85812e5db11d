"""Run CPU-heavy calls that release the GIL (image decoding, password hashing) off gevent's loop.

Under gevent (the `web` process) one loop serves every request and open socket of a worker, so
a 100 ms decode would freeze them all; in gevent's thread pool it runs on a real thread while
the loop goes on. Anywhere else (tests, workers, the CLI) the call simply runs here.
"""

from collections.abc import Callable
from functools import cache
from typing import TypeVar

T = TypeVar("T")
THREADS = 2  # per process: each argon2 hash takes 64 MiB, each decode up to 160 MB


def run_blocking(call: Callable[..., T], *args) -> T:
    if _under_gevent():
        return _pool().apply(call, args)
    return call(*args)


@cache
def _pool():
    from gevent.threadpool import ThreadPool

    return ThreadPool(THREADS)


def _under_gevent() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("threading")
