"""The console's services: stuck and failed jobs, their retries, and what each retry audits."""

from datetime import timedelta

import redis
from sqlalchemy import select

from milequest.extensions import db
from milequest.lib import metrics
from milequest.models import DataExport, GpsImport, OperatorAction
from milequest.models.base import utcnow
from milequest.services.gps_imports import imports
from milequest.services.operations import console_jobs
from milequest.services.operations.console_jobs import JobKind
from milequest.services.walkers import data_exports
from tests import gps_builders as files
from tests.factories import make_user


def _broker(app):
    broker = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    broker.delete("imports")
    return broker


def _stuck_import(walker) -> GpsImport:
    batch_id = imports.accept_upload(walker, [("walk.gpx", files.gpx())])
    job = db.session.scalar(select(GpsImport).where(GpsImport.batch_id == batch_id))
    job.created_at = utcnow() - timedelta(hours=1)
    return job


def test_a_stuck_import_is_listed_and_a_retry_sends_it_again(app):
    operator, walker = make_user(is_operator=True), make_user()
    job = _stuck_import(walker)
    db.session.commit()
    broker = _broker(app)

    assert (JobKind.IMPORT, job.id) in {(j.kind, j.id) for j in console_jobs.stuck_jobs()}
    assert console_jobs.retry_job(operator, JobKind.IMPORT, job.id)
    waiting_before_commit = broker.llen("imports")
    db.session.commit()

    assert (waiting_before_commit, broker.llen("imports")) == (0, 1)
    action = db.session.scalar(select(OperatorAction))
    assert (action.action, action.target_kind, action.target_id) == (
        "job_retried",
        "import",
        job.id,
    )


def test_a_finished_import_is_not_sent_again(app):
    operator, walker = make_user(is_operator=True), make_user()
    job = _stuck_import(walker)
    imports.fail(job.id, "The worker fell over.")

    assert not console_jobs.retry_job(operator, JobKind.IMPORT, job.id)
    assert (JobKind.IMPORT, job.id, "walk.gpx: The worker fell over.") in {
        (j.kind, j.id, j.note) for j in console_jobs.failed_jobs()
    }
    assert db.session.scalar(select(OperatorAction)) is None


def test_a_stuck_export_is_retried_on_the_imports_queue(app):
    operator, walker = make_user(is_operator=True), make_user()
    export = data_exports.request_export(walker)
    export.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    broker = _broker(app)

    assert (JobKind.EXPORT, export.id) in {(j.kind, j.id) for j in console_jobs.stuck_jobs()}
    assert console_jobs.retry_job(operator, JobKind.EXPORT, export.id)
    db.session.commit()

    assert broker.llen("imports") == 1


def test_a_failed_export_is_listed_but_not_retried(app):
    operator, walker = make_user(is_operator=True), make_user()
    export = data_exports.request_export(walker)
    data_exports.fail(export.id, "Out of disk.")

    assert not console_jobs.retry_job(operator, JobKind.EXPORT, export.id)
    assert db.session.get(DataExport, export.id).error == "Out of disk."
    assert (JobKind.EXPORT, export.id) in {(j.kind, j.id) for j in console_jobs.failed_jobs()}


def test_the_summary_adds_up_what_the_processes_counted(app):
    before = metrics.process_totals()
    metrics.REQUESTS.labels("GET", "/ops-test", "503").inc()
    metrics.REQUESTS.labels("GET", "/ops-test", "200").inc(2)
    metrics.TASKS.labels("email", "ops-test", "failed").inc()
    metrics.OPEN_SOCKETS.inc()
    try:
        after = metrics.process_totals()
    finally:
        metrics.OPEN_SOCKETS.dec()
    assert {k: after[k] - before[k] for k in after} == {
        "sockets_open": 1,
        "requests": 3,
        "server_errors": 1,
        "tasks_failed": 1,
    }
