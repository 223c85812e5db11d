"""A real Celery worker on the real Redis broker delivers the outbox."""

import signal
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from milequest.extensions import db
from milequest.models import OutboundEmail
from milequest.services.core import emails
from milequest.services.walkers import accounts
from tests.helpers import wait_for
from tests.workers.test_photos import RESTORE_AT_ONCE, start_worker, stop


def is_sent(email_id: int) -> bool:
    db.session.rollback()  # see what the worker committed
    return db.session.get(OutboundEmail, email_id).sent_at is not None


@pytest.mark.committing
def test_signup_email_is_delivered_by_a_real_worker(app, celery_worker):
    accounts.sign_up("ada@example.com", "Ada", "a long enough secret")
    db.session.commit()  # the commit hands the delivery to the broker
    [email] = db.session.query(OutboundEmail).all()

    assert wait_for(lambda: is_sent(email.id))
    [eml] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    assert b"To: ada@example.com" in eml.read_bytes()


@pytest.mark.slow  # real `celery worker` processes
@pytest.mark.committing
def test_a_worker_killed_between_a_send_and_its_record_sends_it_again_as_the_same_message(
    app, tmp_path
):
    """The outbox's known gap, pinned: it delivers at least once. A kill after the mail left
    and before the commit that records it cannot be told from a kill before the send, so the
    redelivered task sends again; the second copy carries the first's Message-ID."""
    email_id = emails.queue_email(
        "ada@example.com", "Hi", "emails/verify.txt", user=None, verify_url="u"
    ).id
    db.session.commit()
    mail_dir = Path(app.config["MAIL_DIR"])

    doomed_log = tmp_path / "doomed.log"
    doomed = start_worker(
        app, doomed_log, queues="email", MAIL_DIR=str(mail_dir), MAIL_RECORD_DELAY_S="120"
    )
    try:
        assert wait_for(lambda: len(delivered(mail_dir)) == 1, timeout_s=90), doomed_log.read_text()
    finally:
        stop(doomed, signal.SIGKILL)
    assert not is_sent(email_id)  # the send happened; its record died with the worker

    rescuer_log = tmp_path / "rescuer.log"
    rescuer = start_worker(
        app,
        rescuer_log,
        queues="email",
        MAIL_DIR=str(mail_dir),
        CELERY__broker_transport_options=RESTORE_AT_ONCE,
    )
    try:
        assert wait_for(lambda: is_sent(email_id), timeout_s=90), rescuer_log.read_text()
    finally:
        stop(rescuer)

    row = db.session.get(OutboundEmail, email_id)
    assert row.attempts == 1  # the killed attempt was never recorded
    assert delivered(mail_dir) == [emails.message_id(row)] * 2


def delivered(mail_dir: Path) -> list[str]:
    return [
        message_from_bytes(eml.read_bytes(), policy=policy.default)["Message-ID"]
        for eml in mail_dir.glob("*.eml")
    ]
