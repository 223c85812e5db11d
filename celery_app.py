"""Celery entry point: `celery -A celery_app worker -Q email`."""

import os

from celery.signals import worker_process_init, worker_process_shutdown

from milequest import create_app
from milequest.extensions import db
from milequest.lib import metrics

flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_process_init.connect
def _dispose_inherited_pool(**_) -> None:
    # A forked child must not reuse the parent's database sockets.
    with flask_app.app_context():
        db.engine.dispose(close=False)


@worker_process_shutdown.connect
def _forget_live_gauges(**_) -> None:
    metrics.mark_process_dead(os.getpid())
