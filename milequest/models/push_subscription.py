"""A walker's device that takes push notifications, and the messages handed to its push service.

`endpoint` is unique: a browser has one subscription per site, so a second walker subscribing
on the same browser takes it over. It lives as long as the log-in that made it (`session_id`):
logging out, on that device or everywhere, removes it, so a shared browser stops showing the
walker's notifications when they leave it. A `PushMessage` row is written once per (notification,
subscription) in the transaction that hands the notification over, and `sent_at` records the
push service's acceptance: a crashed worker leaves either no row or an unsent one, never two.
Both cascade away with the subscription (a push service's 404/410 drops it).
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class PushSubscription(Model):
    __tablename__ = "push_subscriptions"
    __table_args__ = (
        Index("ix_push_subscriptions_user_id", "user_id"),
        Index("ix_push_subscriptions_session_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))  # the browser's ECDH public key, base64url
    auth: Mapped[str] = mapped_column(String(40))  # its 16-byte auth secret, base64url
    device: Mapped[str] = mapped_column(String(100), default="", server_default="")
    session_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("walker_sessions.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = created_at_column()

    @property
    def info(self) -> dict:
        """As the browser's `PushSubscription.toJSON()` gives it (what pywebpush takes)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushMessage(Model):
    __tablename__ = "push_messages"
    __table_args__ = (
        UniqueConstraint(
            "notification_id", "subscription_id", name="uq_push_messages_notification_subscription"
        ),
        Index("ix_push_messages_subscription_id", "subscription_id"),
        Index("ix_push_messages_unsent", "created_at", postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
