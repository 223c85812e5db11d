"""A real Celery worker on the real Redis broker imports an uploaded file."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Activity, GpsImport
from milequest.services.gps_imports import imports
from tests import gps_builders as files
from tests.factories import make_user
from tests.workers.test_email import wait_for

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def status_of(import_id: int) -> str:
    db.session.rollback()  # see what the worker committed
    return db.session.get(GpsImport, import_id).status


@pytest.mark.committing
def test_an_uploaded_file_is_imported_by_a_real_worker(app, celery_worker):
    walker = make_user()
    batch_id = imports.accept_upload(walker, [("walk.fit", files.fit(start=START))])
    [import_id] = imports.queued_ids(batch_id)
    db.session.commit()

    assert wait_for(lambda: status_of(import_id) != "queued")
    assert status_of(import_id) == "imported"
    activity = db.session.scalar(select(Activity).where(Activity.user_id == walker.id))
    assert abs(float(activity.distance_m) - files.geodesic_length_m(files.WALK)) < 1


def test_the_sweep_finds_jobs_that_never_ran(app):
    walker = make_user()
    batch_id = imports.accept_upload(walker, [("walk.gpx", files.gpx(start=START))])
    [import_id] = imports.queued_ids(batch_id)
    job = db.session.get(GpsImport, import_id)
    job.created_at -= timedelta(minutes=11)
    db.session.flush()

    assert import_id in imports.stuck_import_ids()


def test_the_sweep_leaves_a_long_batch_alone_while_its_jobs_keep_finishing(app):
    walker = make_user()
    walks = [(f"walk{n}.gpx", files.gpx(start=START + timedelta(hours=n))) for n in range(2)]
    batch_id = imports.accept_upload(walker, walks)
    first, second = imports.queued_ids(batch_id)
    imports.run_import(first)
    for job in imports.batch(walker, batch_id):
        job.created_at -= timedelta(minutes=30)  # a Strava export that has been going a while
    db.session.flush()

    assert second not in imports.stuck_import_ids()
    db.session.get(GpsImport, first).finished_at -= timedelta(minutes=11)  # then it stalled
    db.session.flush()
    assert second in imports.stuck_import_ids()


def test_the_task_marks_a_job_failed_when_importing_breaks(app, monkeypatch):
    from workers.imports import import_file

    walker = make_user()
    batch_id = imports.accept_upload(walker, [("walk.gpx", files.gpx(start=START))])
    [import_id] = imports.queued_ids(batch_id)

    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports.gps_files, "read_file", broken)
    with pytest.raises(RuntimeError):
        import_file(import_id)

    db.session.expire_all()
    job = db.session.get(GpsImport, import_id)
    assert job.status == "failed" and "on our side" in job.message
