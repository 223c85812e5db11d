"""Celery entry point: `celery -A celery_app worker -Q email`."""

from celery.signals import worker_process_init

from milequest import create_app
from milequest.extensions import db

flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_process_init.connect
def _dispose_inherited_pool(**_) -> None:
    # A forked child must not reuse the parent's database sockets.
    with flask_app.app_context():
        db.engine.dispose(close=False)
