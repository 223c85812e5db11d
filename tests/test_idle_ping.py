"""A pooled connection is pinged at checkout only after sitting idle: a database restart is
survived without a round trip on every checkout (milequest/lib/idle_ping.py)."""

import pytest
from sqlalchemy import create_engine, exc, text

from milequest.lib import idle_ping


@pytest.fixture
def pool(app):
    """A one-connection pool on the test database, with a clock the test moves."""
    now = [0.0]
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    idle_ping.install(engine, idle_s=1.0, clock=lambda: now[0])
    yield engine, now
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def _kill(app, pid: int) -> None:
    """End one server process, as a restart ends them all; waits until it is gone."""
    killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=None)
    with killer.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    killer.dispose()


def test_an_idle_connection_that_died_is_replaced_before_use(app, pool):
    engine, now = pool
    first = _backend(engine)
    _kill(app, first)

    now[0] += 5.0  # idle for longer than the limit
    second = _backend(engine)

    assert second != first


def test_a_connection_busy_a_moment_ago_is_not_pinged_and_the_pool_recovers_after(app, pool):
    engine, now = pool
    first = _backend(engine)
    _kill(app, first)

    now[0] += 0.5
    with pytest.raises(exc.OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # no ping: this one request sees the loss
    second = _backend(engine)  # the pool dropped the dead connection: the next one is new

    assert second != first
