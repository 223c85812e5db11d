"""A real Celery worker on the real Redis broker delivers the outbox."""

from pathlib import Path

import pytest

from milequest.extensions import db
from milequest.models import OutboundEmail
from milequest.services.walkers import accounts
from tests.helpers import wait_for


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
