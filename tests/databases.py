"""Where the tests' own database and Redis live, and how they are made fresh."""

import os

from alembic import command
from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from milequest import config
from milequest.extensions import db


def test_database_url() -> str:
    """MILEQUEST_TEST_DATABASE_URL, else DATABASE_URL's server with `<name>_test`."""
    if "MILEQUEST_TEST_DATABASE_URL" in os.environ:
        return config.sqlalchemy_url(os.environ["MILEQUEST_TEST_DATABASE_URL"])
    url = make_url(config.sqlalchemy_url(os.environ.get("DATABASE_URL", config.LOCAL_DATABASE_URL)))
    return url.set(database=f"{url.database}_test").render_as_string(hide_password=False)


def test_redis_url() -> str:
    """MILEQUEST_TEST_REDIS_URL, else REDIS_URL's server with database 1 (flushed per test)."""
    if "MILEQUEST_TEST_REDIS_URL" in os.environ:
        return os.environ["MILEQUEST_TEST_REDIS_URL"]
    url = os.environ.get("REDIS_URL", config.LOCAL_REDIS_URL)
    return url.rsplit("/", 1)[0] + "/1" if url.count("/") >= 3 else url + "/1"


def recreate(database_url: str) -> None:
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def alembic_config():
    return current_app.extensions["migrate"].migrate.get_config()


def upgrade() -> None:
    command.upgrade(alembic_config(), "head")


KEPT_TABLES = {"atlas_features"}  # the world map: loaded once per run (the `world_map` fixture)


def empty_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables if t.name not in KEPT_TABLES)
    db.session.remove()
    with db.engine.begin() as connection:
        # A connection left in a transaction (a thread that outlived its test) would make
        # TRUNCATE wait for ever: fail the test instead.
        connection.execute(text("SET LOCAL lock_timeout = '60s'"))
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
