"""Push a notification to the walker's devices: hand it over once, send each message once.

`hand_over` runs inside `delivery.deliver`, under the notification's row lock: it writes one
`PushMessage` per device in the transaction that clears `push_due_at`, so a worker killed before
that commit leaves neither and the redelivered task hands over once. `send` POSTs one message
under that message's row lock and records the push service's acceptance (`sent_at`) in the
same transaction; racing sends of one message make one POST. A worker killed after the push
service accepted a message but before its commit sends it again when the task is redelivered:
no HTTP push service takes an idempotency key, so each message carries a Topic (the service
replaces a copy it has not delivered yet) and the notification's tag (the browser replaces a
shown one), and the walker sees it once. A 404/410 drops the device.
"""

from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import delete, literal, select
from sqlalchemy.dialects.postgresql import insert

from milequest.extensions import db
from milequest.lib import task_queue, web_push
from milequest.models import Notification, PushMessage, PushSubscription, User
from milequest.models.base import utcnow
from milequest.models.notification import Channel, NotificationKind
from milequest.services.core.commit_hooks import after_commit
from milequest.services.notifications import preferences
from milequest.services.notifications.push_subscriptions import vapid_keys

SEND_TASK = "workers.push.send_push"
QUEUE = "push"
MAX_ATTEMPTS = 8
SWEEP_BATCH = 500


def enqueue(message_id: int) -> None:
    task_queue.send(SEND_TASK, message_id, QUEUE)


def hand_over(row: Notification, user: User, choices: preferences.Choices, now: datetime) -> bool:
    """One message per device of the walker, if push is due and still wanted (flushed)."""
    if row.push_due_at is None or row.push_due_at > now:
        return False
    due = preferences.next_send(NotificationKind(row.kind), Channel.PUSH, user, choices, now)
    if due is None or due > now:  # turned off since, or quiet hours moved
        row.push_due_at = due
        return False
    devices = select(literal(row.id), PushSubscription.id).where(
        PushSubscription.user_id == row.user_id
    )
    message_ids = db.session.scalars(
        insert(PushMessage)
        .from_select(["notification_id", "subscription_id"], devices)
        .on_conflict_do_nothing(constraint="uq_push_messages_notification_subscription")
        .returning(PushMessage.id)
    ).all()
    row.push_due_at = None
    for message_id in message_ids:
        after_commit(enqueue, message_id)
    return bool(message_ids)


def resend_unsent(notification_id: int) -> None:
    """Queue the notification's unsent messages again: a worker killed between the hand-over's
    commit and its queueing is re-run (acks late), and must not leave them to the sweep."""
    unsent = select(PushMessage.id).where(
        PushMessage.notification_id == notification_id, PushMessage.sent_at.is_(None)
    )
    for message_id in db.session.scalars(unsent):
        after_commit(enqueue, message_id)


def send(message_id: int, now: datetime | None = None) -> bool:
    """POST one message to its device's push service unless sent. True when it sent now.

    A 404/410 deletes the device (and its messages) and returns False; any other failure is
    recorded on the message and raised (`web_push.PushFailed`). The caller commits either way.
    Call with URLs buildable (`lib.public_urls`).
    """
    message = db.session.execute(
        select(PushMessage).where(PushMessage.id == message_id).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if message is None or message.sent_at is not None:
        return False
    device = db.session.get_one(PushSubscription, message.subscription_id)
    notification = db.session.get_one(Notification, message.notification_id)
    message.attempts += 1
    try:
        web_push.send(
            device.info,
            payload(notification),
            vapid_keys(),
            topic=f"n{notification.id}",
            ttl_s=current_app.config["PUSH_TTL_S"],
        )
    except web_push.Gone:
        db.session.expunge(message)  # the cascade deletes its row
        db.session.execute(delete(PushSubscription).where(PushSubscription.id == device.id))
        return False
    except web_push.PushFailed as exc:
        message.last_error = str(exc)[:1000]
        raise
    message.sent_at = now or utcnow()
    message.last_error = None
    return True


def payload(notification: Notification) -> dict:
    """What the service worker shows (templates/pwa/sw.js); well under 4 KB once encrypted."""
    return {
        "title": notification.title[:120],
        "body": notification.body[:400],
        "url": notification.link,  # a path: the worker opens it on its own origin
        "tag": f"notification-{notification.id}",
        "icon": url_for("static", filename="icons/icon-192.png"),
    }


def unsent_ids(older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Messages never sent (a lost task, a failure waiting for its retry), oldest first."""
    return list(
        db.session.scalars(
            select(PushMessage.id)
            .where(
                PushMessage.sent_at.is_(None),
                PushMessage.attempts < MAX_ATTEMPTS,
                PushMessage.created_at < utcnow() - older_than,
            )
            .order_by(PushMessage.created_at)
            .limit(SWEEP_BATCH)
        )
    )
