"""Notifications on real workers and the real Redis broker, including a worker killed mid-batch."""

import email
import signal
from collections import Counter
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Notification, OutboundEmail, TeamEvent
from milequest.services.core import emails
from milequest.services.notifications import delivery, preferences, team_news
from tests.factories import add_member, log, make_journey, make_team
from tests.helpers import wait_for
from tests.workers.test_photos import start_worker, stop


def delivered_to(mail_dir: Path) -> Counter:
    """How many emails each address received, read from the file backend's .eml files."""
    received = Counter()
    for eml in mail_dir.glob("*.eml"):
        received[email.message_from_bytes(eml.read_bytes(), policy=policy.default)["To"]] += 1
    return received


def outbox_state() -> list:
    db.session.rollback()
    return db.session.execute(
        select(
            OutboundEmail.id,
            OutboundEmail.to_address,
            OutboundEmail.sent_at,
            OutboundEmail.attempts,
        )
    ).all()


def handed_over() -> int:
    db.session.rollback()  # see what the workers committed
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.email_id.is_not(None))
    )


def a_team_past_a_milestone(members: int):
    """A team of `members` + 1 walkers, no quiet hours, whose milestone is committed."""
    team = make_team()
    make_journey(team)
    walkers = [team.created_by] + [add_member(team).user for _ in range(members)]
    for walker in walkers:
        preferences.save(walker.id, preferences.choices_of(walker.id).wants, None, None, 3)
    log(walkers[1], 6)
    db.session.commit()  # queues the event's notifications on the broker
    return team, walkers


@pytest.mark.committing
def test_a_milestone_reaches_every_member_by_email_through_a_real_worker(app, celery_worker):
    _team, walkers = a_team_past_a_milestone(members=2)
    mail_dir = Path(app.config["MAIL_DIR"])

    everyone = {w.email for w in walkers}
    assert wait_for(lambda: set(delivered_to(mail_dir)) == everyone, timeout_s=60)
    assert set(delivered_to(mail_dir).values()) == {1}
    db.session.rollback()
    milestones = select(func.count()).where(Notification.kind == "milestone")
    assert db.session.scalar(milestones) == 3


@pytest.mark.slow  # real `celery worker` processes
@pytest.mark.committing
def test_a_worker_killed_mid_batch_leaves_each_notification_delivered_exactly_once(app, tmp_path):
    team, walkers = a_team_past_a_milestone(members=5)
    milestone = db.session.scalar(
        select(TeamEvent.id).where(
            TeamEvent.team_id == team.id, TeamEvent.kind == "milestone_reached"
        )
    )
    mail_dir = Path(app.config["MAIL_DIR"])
    settings = {"MAIL_DIR": str(mail_dir)}

    # Each delivery pauses after writing its outbox email, before its commit: the worker is
    # killed with some deliveries committed and one written but not committed.
    doomed_log = tmp_path / "doomed.log"
    doomed = start_worker(
        app, doomed_log, queues="notifications", NOTIFICATION_DELIVERY_DELAY_S="1", **settings
    )
    try:
        assert wait_for(lambda: handed_over() >= 2, timeout_s=90), doomed_log.read_text()
    finally:
        stop(doomed, signal.SIGKILL)
    assert doomed.returncode == -signal.SIGKILL
    done_before = handed_over()
    assert 2 <= done_before < len(walkers)
    # The kill may also fall between a commit and its after-commit enqueue: beat's sweeps
    # queue what is due again (the outbox's waits 2 minutes; here it runs at once).
    for notification_id in delivery.due_ids():
        delivery.enqueue(notification_id)
    for email_id in emails.unsent_email_ids(older_than=timedelta(0)):
        emails.enqueue_delivery(email_id)

    # As in tests/workers/test_photos.py: a short visibility timeout hands the killed worker's
    # unacknowledged task out again at once; this worker also sends the outbox.
    short = (
        '{"visibility_timeout": 1, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}'
    )
    rescuer_log = tmp_path / "rescuer.log"
    rescuer = start_worker(
        app,
        rescuer_log,
        queues="notifications,email",
        CELERY__broker_transport_options=short,
        **settings,
    )
    try:
        everyone = {w.email for w in walkers}
        finished = wait_for(lambda: set(delivered_to(mail_dir)) == everyone, timeout_s=90)
        assert finished, (outbox_state(), rescuer_log.read_text())
        # A sweep running again changes nothing: the event makes no new notification.
        assert team_news.notify_event(milestone) == 0
        wait_for(lambda: False, timeout_s=3)  # time for any duplicate delivery to show
    finally:
        stop(rescuer)

    assert delivered_to(mail_dir) == Counter({w.email: 1 for w in walkers})
    db.session.rollback()
    milestones = select(func.count()).where(Notification.cause == f"event:{milestone}")
    assert db.session.scalar(milestones) == len(walkers)
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == len(walkers)
