"""Test harness: a fresh PostGIS database per run, one rolled-back transaction per test.

Tests marked `committing` (a real worker, a live server) commit for real instead, and the
tables are emptied after them. Tests marked `slow` (a browser, a live server, gunicorn, a real
worker) are left out of `make test-fast`; a test that uses one of SLOW_FIXTURES is marked so
by itself.
"""

import os
import threading

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from flask import g, request_started
from flask_sqlalchemy.session import Session

from devservices import vapid
from milequest import create_app
from milequest.config import QUEUES
from milequest.extensions import db
from tests import databases


@pytest.fixture(scope="session")
def app():
    database_url = databases.test_database_url()
    databases.recreate(database_url)
    redis_url = databases.test_redis_url()
    app = create_app(
        {
            "ENV": "test",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "MAIL_BACKEND": "file",
            **vapid.dev_keys(),  # made once under var/, as `make run` does
        }
    )
    with app.app_context():
        databases.upgrade()
    return app


@pytest.fixture(scope="session")
def world_map(app):
    """Natural Earth under the maps, loaded by the set-up command (`flask atlas`), for real."""
    with app.app_context():  # as `flask` pushes one for its commands
        result = app.test_cli_runner().invoke(args=["atlas"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(autouse=True)
def _requests_as_on_a_server(app):
    """Make each test-client request start as it would on a server.

    pytest-flask keeps one app context pushed for the whole test and Flask reuses it for the
    client's requests, so they share `g` (Flask-Login's user, Flask-WTF's CSRF token) and the
    session with the test. Clear `g`, and commit what the test built, so a rollback in the
    request cannot undo the test's own set-up (a savepoint commit: the test still rolls back).
    """

    def start_fresh(sender, **extra):
        vars(g._get_current_object()).clear()
        db.session.commit()

    request_started.connect(start_fresh, app)
    yield
    request_started.disconnect(start_fresh, app)


@pytest.fixture(autouse=True)
def _tasks_run_in_the_sessions_app(app):
    """Each `create_app` makes its Celery the default, and each `Celery()` the thread's current
    app, which `shared_task`s then run under: a test that built another must not leave later
    tests' tasks running in it (a bare Celery runs them without the Flask app's own context,
    so a task's rollback undid the calling test's own changes)."""
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()


@pytest.fixture(autouse=True)
def _own_mail_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path / "mail"))


@pytest.fixture(autouse=True)
def _own_photo_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_STORAGE_DIR", str(tmp_path / "photos"))


@pytest.fixture(autouse=True)
def _clean_redis(app):
    redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()


@pytest.fixture(autouse=True)
def _isolated_database(request, app, monkeypatch):
    if request.node.get_closest_marker("committing"):
        yield
        databases.empty_tables()
        return
    connection = db.engine.connect()
    outer = connection.begin()
    # Flask-SQLAlchemy's Session.get_bind picks an engine itself and ignores `bind`: pin it to
    # this connection, and let commits in the code under test end savepoints only. Only for the
    # test's own thread: a server or worker thread (a live server still answering a page's poll)
    # must never share it, or its statements land in, and break, the test's transaction.
    test_thread = threading.current_thread()
    engine_bind = Session.get_bind

    def get_bind(self, *args, **kwargs):
        if threading.current_thread() is test_thread:
            return connection
        return engine_bind(self, *args, **kwargs)

    monkeypatch.setattr(Session, "get_bind", get_bind)
    db.session.remove()
    factory_options = dict(db.session.session_factory.kw)
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        db.session.session_factory.kw.clear()
        db.session.session_factory.kw.update(factory_options)
        outer.rollback()
        connection.close()


@pytest.fixture
def celery_worker(app):
    """A real Celery worker thread on the test Redis broker, serving every queue."""
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # the `include` list, as the worker CLI does
    with start_worker(
        celery, queues=list(QUEUES), perform_ping_check=False, pool="solo", shutdown_timeout=10
    ) as worker:
        yield worker


@pytest.fixture
def push_service(app, monkeypatch):
    """A push service double on a free port (tests/push_service.py), the only one devices may
    subscribe at meanwhile."""
    from tests.push_service import running

    service, server = running(app.config["VAPID_PUBLIC_KEY"])
    monkeypatch.setitem(app.config, "PUSH_SERVICE_ORIGINS", [service.origin])
    yield service
    service.release.set()  # a POST still held must not hold up the shutdown
    server.shutdown()
    server.server_close()


SLOW_FIXTURES = {"browser", "live_url", "celery_worker"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "committing: the test commits for real (tables emptied after)"
    )
    os.environ.setdefault("FLASK_APP", "wsgi")


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES.intersection(item.fixturenames):
            item.add_marker(pytest.mark.slow)


# Enough of the real gazetteer for the tests: every city of a million people, plus the names
# that tests look up (loading all 34,000 takes a second; this takes a few milliseconds).
TEST_PLACE_NAMES = {
    "Paris",
    "Inverness",
    "Perth",
    "Edinburgh",
    "Edinburg",
    "Suva",
    "Springfield",
    "Levuka",
}


@pytest.fixture
def places():
    from milequest.services.atlas import places as gazetteer

    cities = [
        c
        for c in gazetteer.geonames_cities(15000)
        if c["population"] >= 1_000_000 or c["name"] in TEST_PLACE_NAMES
    ]
    gazetteer.load_places(cities)
    return cities


@pytest.fixture(scope="session")
def oidc_issuer(tmp_path_factory):
    """A real OpenID provider (npm `oidc-provider`) on a free port, for the whole run."""
    from tests.oidc_provider import running_provider

    with running_provider(tmp_path_factory.mktemp("oidc")) as issuer:
        yield issuer


@pytest.fixture
def oidc(app, oidc_issuer, monkeypatch):
    """The app configured with that provider as "Test ID"; drives logins through it."""
    from tests.oidc_provider import OidcProvider

    provider = OidcProvider(oidc_issuer)
    monkeypatch.setitem(app.config, "OIDC_PROVIDERS", [provider.config])
    return provider
