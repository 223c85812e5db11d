"""A walker's activity: belongs to the walker, counts for their teams' journeys.

Distances are exact decimals (metres, to the millimetre) so that counters equal raw sums.
What an activity counts is `counted_m`: its distance times the factor of its kind, frozen when it
was logged (services/walks/activity_kinds.py); every counter sums that, never `distance_m`.
"""

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from milequest.extensions import Model
from milequest.models.base import created_at_column, utcnow
from milequest.models.user import User

KINDS = ("walk", "run", "hike", "wheelchair", "cycle", "swim", "row", "other")
MAX_DISTANCE_M = 250_000
MAX_STEPS = 100_000  # one walk logged in steps; its distance is steps times the stride
Distance = Numeric(12, 3)
Factor = Numeric(5, 4)
DEVICE_SHARE = Decimal("0.02")
# The distance an activity counts, to the millimetre (half away from zero, as PostgreSQL's
# round does): in SQL for every sum (`a` is the activities alias), and `counted` below for one
# activity in hand (tests/services/test_activity_kinds.py holds the two equal).
COUNTED_SQL = "round(a.distance_m * a.count_factor, 3)"
MILLIMETRE = Decimal("0.001")


def counted(distance_m: Decimal, count_factor: Decimal) -> Decimal:
    return (Decimal(distance_m) * Decimal(count_factor)).quantize(MILLIMETRE, ROUND_HALF_UP)


class ReviewStatus(StrEnum):
    """Whether an activity counts: "held" ones wait for a captain (see services/plausibility)."""

    OK = "ok"
    HELD = "held"
    REJECTED = "rejected"


class Activity(Model):
    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", name="uq_activities_user_client"),
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("count_factor > 0", name="count_factor"),
        CheckConstraint(f"distance_m > 0 AND distance_m <= {MAX_DISTANCE_M}", name="distance"),
        CheckConstraint("duration_s IS NULL OR duration_s > 0", name="duration"),
        CheckConstraint(f"steps IS NULL OR steps BETWEEN 1 AND {MAX_STEPS}", name="steps"),
        CheckConstraint("review_status IN ('ok', 'held', 'rejected')", name="review_status"),
        Index("ix_activities_user_date", "user_id", "activity_date", "id"),
        Index("ix_activities_user_started", "user_id", "started_at"),
        Index("ix_activities_user_file", "user_id", "source_file_hash"),
        # Held walks are rare: a captain's team page finds them without reading every activity.
        Index("ix_activities_held", "user_id", postgresql_where=text("review_status = 'held'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(12))
    distance_m: Mapped[Decimal] = mapped_column(Distance)
    # The kind's factor when it was logged (1 for the release before's rows and writes).
    count_factor: Mapped[Decimal] = mapped_column(Factor, default=Decimal(1), server_default="1")
    counted_m: Mapped[Decimal] = column_property(
        func.round(distance_m * count_factor, 3), deferred=False
    )
    activity_date: Mapped[date] = mapped_column(Date)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    # The steps the walker logged, when they logged steps (distance_m is then steps x stride).
    steps: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(String(10), default="manual", server_default="manual")
    # Only "ok" activities count; imports and implausible entries may wait for a captain.
    review_status: Mapped[str] = mapped_column(
        String(10), default=ReviewStatus.OK, server_default="ok"
    )
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # False for history: a walk imported from before the import window. It stays in the
    # walker's own list and stats but counts for no journey (see services/counters.py).
    counts_for_journeys: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # From an imported file: the recorded track (private to the walker; one line per span the
    # device recorded, pauses between them), when it started, the file's SHA-256 (the same
    # file twice is a duplicate) and the distance the device itself reported.
    track: Mapped[WKBElement | None] = deferred(
        mapped_column(Geometry("MULTILINESTRING", srid=4326, spatial_index=False))
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_file_hash: Mapped[str | None] = mapped_column(String(64))
    device_distance_m: Mapped[Decimal | None] = mapped_column(Distance)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def device_disagrees(self) -> bool:
        """The device's own total differs from the measured distance by more than 2 %."""
        if not self.device_distance_m:
            return False
        return abs(self.device_distance_m - self.distance_m) > self.distance_m * DEVICE_SHARE


class JourneyContribution(Model):
    """A member's counted distance and active days on one journey (counters)."""

    __tablename__ = "journey_contributions"

    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    distance_m: Mapped[Decimal] = mapped_column(Distance, default=0, server_default="0")
    active_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User] = relationship(lazy="joined")


class JourneyMemberDay(Model):
    """A member's counted distance on one day of a journey: keeps `active_days` exact."""

    __tablename__ = "journey_member_days"

    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    distance_m: Mapped[Decimal] = mapped_column(Distance, default=0, server_default="0")


class WalkerDay(Model):
    """A walker's distance on one day, all teams aside: weekly totals and streaks read these."""

    __tablename__ = "walker_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    distance_m: Mapped[Decimal] = mapped_column(Distance, default=0, server_default="0")
