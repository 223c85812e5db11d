"""Alembic environment: the app's engine and models, with GeoAlchemy2's helpers."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
target_db = current_app.extensions["migrate"].db


def _skip_empty_autogenerate(context, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def _process_revision_directives(context, revision, directives):
    _skip_empty_autogenerate(context, revision, directives)
    if directives:
        alembic_helpers.writer(context, revision, directives)


def configure_arguments() -> dict:
    """What `context.configure` needs besides the connection; shared with the drift test."""
    return {
        "target_metadata": target_db.metadata,
        "include_object": alembic_helpers.include_object,
        "process_revision_directives": _process_revision_directives,
        "render_item": alembic_helpers.render_item,
        **current_app.extensions["migrate"].configure_args,
    }


def run_migrations_offline():
    url = target_db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, literal_binds=True, **configure_arguments())
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection):
    if connection.in_transaction():  # a caller's own work first: an index built CONCURRENTLY
        connection.commit()  # must start outside any transaction (it commits what came before)
    context.configure(connection=connection, **configure_arguments())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    # A caller may hand over its own connection (the migration test does).
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    with target_db.engine.connect() as connection:
        _run_on(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
