"""Run CPU-heavy calls that release the GIL (image decoding, password hashing) off gevent's loop.

Under gevent (the `web` process) one loop serves every request and open socket of a worker, so
a 100 ms decode would freeze them all; in gevent's thread pool it runs on a real thread while
the loop goes on. Anywhere else (tests, workers, the CLI) the call simply runs here.

gevent's pool prints the traceback of every exception a call raises before handing it back,
so the call's outcome travels back as a value and is raised here: a refusal the caller expects
(a wrong password, a picture that is not one) is one INFO line; anything else goes on up with
its traceback, for whoever handles it to log.
"""

import logging
from collections.abc import Callable
from functools import cache
from typing import TypeVar

T = TypeVar("T")
THREADS = 2  # per process: each argon2 hash takes 64 MiB, each decode up to 160 MB

log = logging.getLogger(__name__)


def run_blocking(call: Callable[..., T], *args, refusals: tuple[type[Exception], ...] = ()) -> T:
    """call(*args), off the loop under gevent. `refusals` are exceptions the caller expects."""
    try:
        if not _under_gevent():
            return call(*args)
        value, error = _pool().apply(_outcome, (call, args))
        if error is not None:
            raise error
        return value
    except refusals as refused:
        log.info("%s refused: %s (%s)", _name(call), type(refused).__name__, refused)
        raise


def _outcome(call: Callable, args: tuple) -> tuple:
    try:
        return call(*args), None
    except Exception as error:  # handed back to be raised in the caller's greenlet
        return None, error


def _name(call: Callable) -> str:
    qualname = getattr(call, "__qualname__", None) or repr(call)
    return f"{getattr(call, '__module__', None) or '?'}.{qualname}"


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
