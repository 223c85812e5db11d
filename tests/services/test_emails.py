from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import redis

from milequest.extensions import db
from milequest.models.base import utcnow
from milequest.services.core import emails
from tests.helpers import outbox


def test_delivery_sends_once_and_forgets_the_body(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path))
    row = emails.queue_email(
        "ada@example.com",
        "Hi",
        "emails/verify.txt",
        user=None,
        verify_url="http://localhost/verify/x",
    )

    assert emails.deliver_email(row.id) is True
    assert emails.deliver_email(row.id) is False  # a redelivered task sends nothing twice

    assert len(list(tmp_path.glob("*.eml"))) == 1
    assert row.sent_at is not None and row.attempts == 1 and row.body_text == ""


def test_failed_delivery_records_the_attempt(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "pigeon")
    row = emails.queue_email(
        "ada@example.com",
        "Hi",
        "emails/verify.txt",
        user=None,
        verify_url="http://localhost/verify/x",
    )

    with pytest.raises(ValueError):
        emails.deliver_email(row.id)

    assert row.sent_at is None and row.attempts == 1
    assert "pigeon" in row.last_error


def test_sweep_finds_only_old_unsent_email(app):
    old = emails.queue_email("a@example.com", "old", "emails/verify.txt", user=None, verify_url="u")
    new = emails.queue_email("b@example.com", "new", "emails/verify.txt", user=None, verify_url="u")
    old.created_at = utcnow() - timedelta(minutes=10)
    db.session.flush()

    assert emails.unsent_email_ids() == [old.id]
    assert {e.id for e in outbox()} == {old.id, new.id}


def test_an_email_is_handed_to_the_worker_at_the_commit_not_at_a_savepoint(app):
    broker = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    emails.queue_email("a@example.com", "hi", "emails/verify.txt", user=None, verify_url="u")

    with db.session.begin_nested():  # as joining a team does
        pass
    db.session.begin_nested().rollback()
    waiting_before_commit = broker.llen("email")
    db.session.commit()

    assert waiting_before_commit == 0  # the worker would not have found the row yet
    assert broker.llen("email") == 1  # and the rolled-back savepoint did not drop it


def test_a_send_repeated_after_its_record_was_lost_is_the_same_message(app, tmp_path, monkeypatch):
    """The outbox's known gap: a worker killed between the send and its commit sends again on
    the redelivered task. The receiver gets the same Message-ID both times, so its mail
    system can tell the second for a duplicate."""
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path))
    row = emails.queue_email(
        "ada@example.com", "Hi", "emails/verify.txt", user=None, verify_url="u"
    )
    other = emails.queue_email(
        "bo@example.com", "Hi", "emails/verify.txt", user=None, verify_url="u"
    )
    saved = db.session.begin_nested()
    assert emails.deliver_email(row.id) is True
    saved.rollback()  # the worker died before its commit: the send was never recorded

    assert emails.deliver_email(row.id) is True
    assert emails.deliver_email(other.id) is True

    ids = [
        message_from_bytes(eml.read_bytes(), policy=policy.default)["Message-ID"]
        for eml in tmp_path.glob("*.eml")
    ]
    assert sorted(ids) == sorted([emails.message_id(row)] * 2 + [emails.message_id(other)])
    assert emails.message_id(row) != emails.message_id(other)
