"""Moderation on real workers and the real Redis broker, including a worker killed mid-run."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from milequest.config import ROOT
from milequest.extensions import db
from milequest.models import Photo, TeamEvent
from milequest.services.gallery import photos
from tests import databases
from tests import photo_samples as samples
from tests.factories import add_photo, team_walk
from tests.helpers import wait_for


def current(photo_id: int) -> Photo:
    db.session.rollback()  # see what the workers committed
    return db.session.get(Photo, photo_id)


def approvals(photo_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(TeamEvent)
        .where(
            TeamEvent.kind == "photo_approved", TeamEvent.data["photo_id"].as_integer() == photo_id
        )
    )


@pytest.mark.committing
def test_an_uploaded_photo_is_moderated_by_a_real_worker(app, celery_worker):
    _team, _, activity = team_walk()
    photo = add_photo(activity, samples.phone_photo())
    db.session.commit()  # queues the photo once committed

    assert wait_for(lambda: current(photo.id).status != "pending", timeout_s=30)
    assert current(photo.id).status == "approved" and approvals(photo.id) == 1


def test_the_task_skips_a_photo_that_is_no_longer_pending(app):
    from workers.photos import moderate_photo

    _, _, activity = team_walk()
    photo = add_photo(activity, status="approved")

    moderate_photo(photo.id)

    db.session.expire_all()
    assert db.session.get(Photo, photo.id).attempts == 0


def committed_photo(app) -> tuple[Photo, Path]:
    """A queued photo of a team walk, and where its display image will be written."""
    _, _, activity = team_walk()
    photo = add_photo(activity, samples.phone_photo())
    db.session.commit()
    return photo, Path(app.config["PHOTO_STORAGE_DIR"]) / photo.derived_key("display")


# The broker hands a killed worker's unacknowledged task out again only once its visibility
# timeout has passed (production: 15 minutes); a rescuer started with these settings sees a
# 1-second timeout and sweeps unacknowledged messages every second.
RESTORE_AT_ONCE = (
    '{"visibility_timeout": 1, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}'
)


def start_worker(
    app, log: Path, pool: str = "solo", queues: str = "moderation", **settings: str
) -> subprocess.Popen:
    """A `celery worker` process on `queues` with the tests' database and Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": databases.test_database_url(),
        "REDIS_URL": app.config["REDIS_URL"],
        "MILEQUEST_PHOTO_STORAGE_DIR": app.config["PHOTO_STORAGE_DIR"],
        **{f"MILEQUEST_{k}": v for k, v in settings.items()},
    }
    command = [str(Path(sys.executable).parent / "celery"), "-A", "celery_app:celery", "worker"]
    options = ["-Q", queues, "-P", pool, "-c", "1", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(
        [*command, *options, "-n", f"{log.stem}@%h", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


@pytest.mark.slow  # real `celery worker` processes
@pytest.mark.committing
def test_a_worker_killed_mid_moderation_leaves_the_photo_moderated_exactly_once(app, tmp_path):
    photo, display = committed_photo(app)

    # The first worker pauses after writing the derived images, before it decides and commits.
    doomed = start_worker(app, tmp_path / "doomed.log", PHOTO_MODERATION_DELAY_S="120")
    try:
        assert wait_for(display.exists, timeout_s=90), (tmp_path / "doomed.log").read_text()
        assert current(photo.id).attempts == 1
    finally:
        stop(doomed, signal.SIGKILL)
    assert doomed.returncode == -signal.SIGKILL
    assert current(photo.id).status == "pending" and approvals(photo.id) == 0

    # The killed worker never acknowledged the task: Redis hands it out again once its
    # visibility timeout has passed. Production waits 15 minutes (longer than any task); this
    # worker sees a 1-second timeout and sweeps unacknowledged messages every second.
    rescuer = start_worker(
        app, tmp_path / "rescuer.log", CELERY__broker_transport_options=RESTORE_AT_ONCE
    )
    try:
        finished = wait_for(lambda: current(photo.id).status != "pending", timeout_s=90)
        assert finished, (tmp_path / "rescuer.log").read_text()
        wait_for(lambda: False, timeout_s=3)  # time for any duplicate delivery to show
    finally:
        stop(rescuer)

    moderated = current(photo.id)
    assert moderated.status == "approved" and moderated.attempts == 2
    assert approvals(photo.id) == 1
    assert photos.moderate_photo(photo.id) is None  # and a late redelivery would do nothing


def pool_children(worker: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.mark.slow  # real `celery worker` processes
@pytest.mark.committing
def test_a_pool_process_killed_mid_moderation_is_replaced_and_the_task_rerun(app, tmp_path):
    """reject_on_worker_lost: the parent sees its child die and requeues the task at once."""
    photo, display = committed_photo(app)
    log = tmp_path / "prefork.log"

    worker = start_worker(app, log, pool="prefork", PHOTO_MODERATION_DELAY_S="4")
    try:
        assert wait_for(display.exists, timeout_s=90), log.read_text()
        (child,) = pool_children(worker)
        os.kill(child, signal.SIGKILL)
        finished = wait_for(lambda: current(photo.id).status != "pending", timeout_s=60)
        assert finished, log.read_text()
    finally:
        stop(worker)

    moderated = current(photo.id)
    assert moderated.status == "approved" and moderated.attempts == 2
    assert approvals(photo.id) == 1
    assert "WorkerLostError" in log.read_text()
