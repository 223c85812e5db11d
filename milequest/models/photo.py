"""A photo on an activity, and the operators' block list of perceptual hashes.

Statuses: pending (stored privately, waiting for moderation), approved, held (a captain or an
operator decides), rejected. Only approved photos are ever shown to anyone but the uploader.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from milequest.extensions import Model
from milequest.models.activity import Activity
from milequest.models.base import created_at_column
from milequest.models.user import User


class PhotoStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"
    REJECTED = "rejected"


STATUSES = tuple(s.value for s in PhotoStatus)


class Photo(Model):
    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        Index("ix_photos_activity_id", "activity_id"),
        Index("ix_photos_status_queued_at", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Random, unguessable; names the stored objects (originals/<token>, display/<token>.jpg, ...).
    token: Mapped[str] = mapped_column(String(32), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    byte_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        String(10), default=PhotoStatus.PENDING, server_default="pending"
    )
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    phash: Mapped[int | None] = mapped_column(BigInteger)
    nudity_score: Mapped[float | None] = mapped_column(Float)
    # Moderation runs started (committed before each run): a photo that keeps crashing
    # workers goes to review instead of being re-queued for ever.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = created_at_column()
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    activity: Mapped[Activity] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def original_key(self) -> str:
        return original_key(self.token)

    def derived_key(self, size: str) -> str:
        return derived_key(self.token, size)


SIZES = ("display", "thumb")


def original_key(token: str) -> str:
    return f"originals/{token}"


def derived_key(token: str, size: str) -> str:
    return f"{size}/{token}.jpg"


def storage_keys(token: str) -> list[str]:
    return [original_key(token)] + [derived_key(token, size) for size in SIZES]


class BlockedPhotoHash(Model):
    """An image an operator never wants to see again: near matches are rejected."""

    __tablename__ = "blocked_photo_hashes"

    phash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()
