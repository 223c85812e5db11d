"""Deliver a notification: hand it to the outbox and to push once, when due and still wanted.

The notification's row lock serializes deliveries of one notification, and `email_id` records
the hand-over in the same transaction that writes the outbox row: a worker killed before its
commit leaves neither, so the redelivered task does it once. The outbox then sends it. Push
works alike (`push_delivery`: `push_due_at` cleared as its messages are written).
"""

import time
from datetime import datetime
from urllib.parse import urljoin

from flask import current_app, url_for
from sqlalchemy import and_, func, or_, select

from milequest.extensions import db
from milequest.lib import task_queue
from milequest.models import Notification, OutboundEmail, User
from milequest.models.base import utcnow
from milequest.models.notification import Channel, NotificationKind
from milequest.services.core import emails
from milequest.services.notifications import preferences, push_delivery, unsubscribe

DELIVER_TASK = "workers.notifications.deliver_notification"
QUEUE = "notifications"
SWEEP_BATCH = 500


def enqueue(notification_id: int) -> None:
    task_queue.send(DELIVER_TASK, notification_id, QUEUE)


def deliver(notification_id: int, now: datetime | None = None) -> bool:
    """Hand the notification over to email (the outbox) and push, each when due and wanted.

    True when it handed something over now (flushed; the caller commits). Call with URLs
    buildable (`lib.public_urls`).
    """
    now = now or utcnow()
    row = db.session.execute(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        return False
    if row.email_id is not None:
        emails.resend_if_unsent(row.email_id)
    if row.push_due_at is None:
        push_delivery.resend_unsent(row.id)
    if row.email_due_at is None and row.push_due_at is None:
        return False
    user = db.session.get_one(User, row.user_id)
    choices = preferences.choices_of(user.id)
    emailed = _hand_email_over(row, user, choices, now)
    pushed = push_delivery.hand_over(row, user, choices, now)
    db.session.flush()
    if (emailed or pushed) and (delay_s := current_app.config["NOTIFICATION_DELIVERY_DELAY_S"]):
        time.sleep(delay_s)  # tests only: a worker can be killed before this commits
    return emailed or pushed


def _hand_email_over(
    row: Notification, user: User, choices: preferences.Choices, now: datetime
) -> bool:
    if row.email_id is not None or row.email_due_at is None or row.email_due_at > now:
        return False
    kind = NotificationKind(row.kind)
    due = preferences.next_send(kind, Channel.EMAIL, user, choices, now)
    if due is None or due > now:  # turned off since (never sent), or quiet hours moved
        row.email_due_at = due
        return False
    row.email_id = _write_email(row, user, kind).id
    return True


def waiting_id(user_id: int, cause: str, now: datetime) -> int | None:
    """The walker's notification for `cause` if its email or push is due and not handed over
    yet (push_due_at is cleared when it is)."""
    email_waits = and_(Notification.email_id.is_(None), Notification.email_due_at <= now)
    return db.session.scalar(
        select(Notification.id).where(
            Notification.user_id == user_id,
            Notification.cause == cause,
            or_(email_waits, Notification.push_due_at <= now),
        )
    )


def _write_email(row: Notification, user: User, kind: NotificationKind) -> OutboundEmail:
    unsubscribe_url = url_for(
        "notifications.unsubscribe",
        token=unsubscribe.make_token(user.id, kind),
        _external=True,
    )
    return emails.queue_email(
        user.email,
        row.title,
        "emails/notification.txt",
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        walker=user,
        notification=row,
        kind_label=preferences.KINDS[kind].label,
        url=urljoin(url_for("pages.index", _external=True), row.link),
        unsubscribe_url=unsubscribe_url,
        settings_url=url_for("accounts.profile_form", _anchor="notifications", _external=True),
    )


def due_ids(now: datetime | None = None) -> list[int]:
    """Notifications with email or push due and not handed over (a lost task, quiet hours over)."""
    now = now or utcnow()
    email_due = Notification.email_id.is_(None) & (Notification.email_due_at <= now)
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(or_(email_due, Notification.push_due_at <= now))
            .order_by(func.least(Notification.email_due_at, Notification.push_due_at))
            .limit(SWEEP_BATCH)
        )
    )
