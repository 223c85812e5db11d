"""Create a walker's notification once per cause; read, count and mark the in-app ones.

`create` is an INSERT ... ON CONFLICT DO NOTHING on (user_id, cause): a retried task, a second
sweep or a race between two workers makes one row. The call that inserted it queues its delivery
(email, push); a later call queues it again while it is due and not handed over, because a worker
killed between the insert's commit and that queueing is re-run (acks late) and must not lose it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import InstrumentedAttribute

from milequest.extensions import db
from milequest.models import Notification, User
from milequest.models.base import utcnow
from milequest.models.notification import Channel, NotificationKind
from milequest.services.core.commit_hooks import after_commit
from milequest.services.notifications import delivery, preferences, push_subscriptions

CENTRE_SIZE = 50


@dataclass(frozen=True)
class Draft:
    kind: NotificationKind
    cause: str  # unique per walker: what this notification is about
    title: str
    link: str  # a path inside Mile Quest
    body: str = ""
    team_id: int | None = None


def create(user: User, draft: Draft, now: datetime | None = None) -> int | None:
    """The walker's new notification's id (flushed), or None: made before, or not wanted."""
    choices = preferences.choices_of(user.id)
    if not choices.any_channel(draft.kind):
        return None
    now = now or utcnow()
    email_due = push_due = None
    if choices.wanted(draft.kind, Channel.EMAIL) and user.is_verified:
        email_due = preferences.send_time(user, choices, now)
    if choices.wanted(draft.kind, Channel.PUSH) and push_subscriptions.has_devices(user.id):
        push_due = preferences.send_time(user, choices, now)
    created_id = db.session.execute(
        insert(Notification)
        .values(
            user_id=user.id,
            kind=draft.kind.value,
            cause=draft.cause,
            team_id=draft.team_id,
            title=draft.title[:200],
            body=draft.body,
            link=draft.link,
            in_app=choices.wanted(draft.kind, Channel.IN_APP),
            created_at=now,
            email_due_at=email_due,
            push_due_at=push_due,
        )
        .on_conflict_do_nothing(constraint="uq_notifications_user_cause")
        .returning(Notification.id)
    ).scalar_one_or_none()
    due_now = [due for due in (email_due, push_due) if due is not None and due <= now]
    if due_now:  # later ones wait for the due sweep
        due_id = created_id or delivery.waiting_id(user.id, draft.cause, now)
        if due_id is not None:
            after_commit(delivery.enqueue, due_id)
    return created_id


def _shown(user_id: int) -> Select[Notification]:
    return select(Notification).where(Notification.user_id == user_id, Notification.in_app)


def unread_count(user_id: int) -> int:
    return db.session.scalar(_unread_count(user_id)) or 0


def unread_count_of(user_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[int]:
    """The unread count as a column of a query that has the walker's id in `user_id`."""
    return _unread_count(user_id).scalar_subquery()


def _unread_count(user_id) -> Select:
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.in_app, Notification.read_at.is_(None))
    )


def recent(user_id: int, limit: int = CENTRE_SIZE) -> list[Notification]:
    return list(db.session.scalars(_shown(user_id).order_by(Notification.id.desc()).limit(limit)))


def mark_read(user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the walker's notifications read (flushed); None if it is not theirs."""
    row = db.session.scalar(_shown(user_id).where(Notification.id == notification_id))
    if row is not None and row.read_at is None:
        row.read_at = utcnow()
        db.session.flush()
    return row


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
