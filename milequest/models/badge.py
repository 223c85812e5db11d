"""A walker's badges: one row per (walker, kind, key), so a badge is earned once.

The unique key is what makes two racing changes award one badge (INSERT ... ON CONFLICT DO
NOTHING). A personal badge the walker's walks no longer support (a deleted or shortened walk)
is withdrawn (`withdrawn_at`), not deleted: earning it again brings the same row back, and the
team feed, which is append-only, is not told twice.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class BadgeKind(StrEnum):
    FIRST_WALK = "first_walk"
    DISTANCE = "distance"  # key: the threshold in metres
    STREAK = "streak"  # key: the streak's length in days
    MILESTONE = "milestone"  # key: "<journey id>:<waypoint id>"
    JOURNEY = "journey"  # key: the journey's id


# Recomputed from the walker's own days on every change; the others are the team's and stay.
PERSONAL_KINDS = (BadgeKind.FIRST_WALK, BadgeKind.DISTANCE, BadgeKind.STREAK)


class Badge(Model):
    __tablename__ = "badges"
    # Its index also serves "this walker's badges" (the profile, a recompute).
    __table_args__ = (UniqueConstraint("user_id", "kind", "key", name="uq_badges_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40))
    # What the name needs beyond kind and key (a waypoint's or route's name), as earned.
    data: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    earned_at: Mapped[datetime] = created_at_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
