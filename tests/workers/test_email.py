"""A real Celery worker on the real Redis broker delivers the outbox."""

import time
from pathlib import Path

import pytest

from milequest.extensions import db
from milequest.models import OutboundEmail
from milequest.services import accounts


def wait_for(predicate, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


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
