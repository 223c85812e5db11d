"""Ping a pooled database connection at checkout only when it sat idle, not on every checkout.

`pool_pre_ping` costs a round trip on each checkout: under load, most of a cheap page's
database time. A connection that was in use a moment ago is alive as far as a ping could
tell; one that sat idle longer than `idle_s` (long enough for PostgreSQL to have restarted) is
pinged first, and a dead one is replaced before the request sees it (SQLAlchemy's
"pessimistic" recipe: raising DisconnectionError makes the pool retry with a new connection).
A connection that dies while busy fails its own request, and SQLAlchemy then drops every
connection older than it, so the next requests reconnect.
"""

import time
from collections.abc import Callable

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_CHECKED_IN_AT = "idle_ping_checked_in_at"


def install(engine: Engine, idle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Ping `engine`'s connections idle for more than `idle_s` seconds when checked out."""

    @event.listens_for(engine, "checkin")
    def _mark_idle(dbapi_connection, record) -> None:
        if record is not None:
            record.info[_CHECKED_IN_AT] = clock()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or clock() - checked_in_at <= idle_s:
            return  # new, or busy a moment ago
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError("idle connection is gone") from error
