"""Queue emails in the outbox; they are handed to the `email` queue once the transaction commits."""

import time
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import select

from milequest import mail
from milequest.extensions import db
from milequest.lib import task_queue
from milequest.models import OutboundEmail
from milequest.models.base import utcnow
from milequest.services.core.commit_hooks import after_commit

DELIVER_TASK = "workers.email.deliver_email"
MAX_ATTEMPTS = 8


def queue_email(
    to: str, subject: str, template: str, *, headers: dict | None = None, **context
) -> OutboundEmail:
    """Write an email to the outbox (flushed, not committed). `template` is a text template."""
    row = OutboundEmail(
        to_address=to,
        subject=subject,
        body_text=render_template(template, **context),
        headers=headers or {},
    )
    db.session.add(row)
    db.session.flush()
    after_commit(enqueue_delivery, row.id)  # before the commit, the worker would not find it
    return row


def enqueue_delivery(email_id: int) -> None:
    task_queue.send(DELIVER_TASK, email_id, "email")


def resend_if_unsent(email_id: int) -> None:
    """Queue a handed-over email again if it is still unsent: a worker killed between that
    commit and the queueing is re-run (acks late); the outbox sends it once."""
    unsent = select(OutboundEmail.id).where(
        OutboundEmail.id == email_id, OutboundEmail.sent_at.is_(None)
    )
    if db.session.scalar(unsent) is not None:
        after_commit(enqueue_delivery, email_id)


def deliver_email(email_id: int) -> bool:
    """Send one outbox email unless it was sent already. Returns True when it sent now.

    Raises what the mail backend raises, after recording the attempt (the caller commits).
    """
    row = db.session.execute(
        select(OutboundEmail).where(OutboundEmail.id == email_id).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if row is None or row.sent_at is not None:
        return False
    row.attempts += 1
    try:
        message = mail.Message(
            row.to_address,
            row.subject,
            row.body_text,
            tuple((row.headers or {}).items()),
            message_id(row),
        )
        mail.send(current_app.config, message)
    except Exception as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        raise
    if delay_s := current_app.config["MAIL_RECORD_DELAY_S"]:
        time.sleep(delay_s)  # tests only: the gap between a send and its commit, held open
    row.sent_at = utcnow()
    row.last_error = None
    row.body_text = ""  # the body may hold a live reset link: keep it no longer than needed
    return True


def message_id(row: OutboundEmail) -> str:
    """One Message-ID per outbox email: a send repeated after a crash between the send and its
    record (the known gap of an at-least-once outbox) is the same message to the receiver,
    whose mail system may drop it as a duplicate."""
    return f"<outbox.{row.id}.{row.created_at:%Y%m%d%H%M%S%f}@milequest>"


def unsent_email_ids(older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboundEmail.id).where(
                OutboundEmail.sent_at.is_(None),
                OutboundEmail.attempts < MAX_ATTEMPTS,
                OutboundEmail.created_at < utcnow() - older_than,
            )
        )
    )
