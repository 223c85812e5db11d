"""A walker's notifications: one row per (walker, cause), and the walker's choices.

The unique (user_id, cause) key is what makes a retried or racing sweep create one notification.
Email goes through the outbox: `email_due_at` says when (quiet hours push it to the morning),
`email_id` the outbox row that carries it once handed over (unique: handed over once). Push
likewise: `push_due_at` until handed over as one `PushMessage` per device.
"""

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class NotificationKind(StrEnum):
    MILESTONE = "milestone"
    JOURNEY_COMPLETED = "journey_completed"
    WEEKLY_DIGEST = "weekly_digest"
    WALK_NUDGE = "walk_nudge"
    REVIEW_WAITING = "review_waiting"
    MEMBER_JOINED = "member_joined"
    STREAK_AT_RISK = "streak_at_risk"
    TEAM_INVITE = "team_invite"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    PUSH = "push"


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "cause", name="uq_notifications_user_cause"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL AND in_app"),
        ),
        Index(
            "ix_notifications_email_due",
            "email_due_at",
            postgresql_where=text("email_id IS NULL AND email_due_at IS NOT NULL"),
        ),
        Index(
            "ix_notifications_push_due",
            "push_due_at",
            postgresql_where=text("push_due_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    cause: Mapped[str] = mapped_column(String(120))  # e.g. "event:42", "digest:7:2026-W48"
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    link: Mapped[str] = mapped_column(String(300))  # a path inside Mile Quest
    in_app: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_emails.id", ondelete="SET NULL"), unique=True
    )
    # When push is due to the walker's devices; cleared once handed over (`PushMessage` rows).
    push_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationSettings(Model):
    """What a walker chose; no row means the defaults (services/notifications/preferences)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # {"<kind>": {"in_app": bool, "email": bool, "push": bool}}; a missing entry takes the
    # kind's default.
    choices: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    quiet_from: Mapped[time | None] = mapped_column(Time)  # local wall-clock times
    quiet_until: Mapped[time | None] = mapped_column(Time)
    nudge_after_days: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
