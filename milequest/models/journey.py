"""A team travelling a route: its distance (a stored counter) moves the marker.

One active journey per team, enforced by a partial unique index.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from milequest.extensions import Model
from milequest.models.base import created_at_column
from milequest.models.route import Route


class JourneyStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


STATUSES = tuple(s.value for s in JourneyStatus)


class Journey(Model):
    __tablename__ = "journeys"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'completed', 'abandoned')", name="status"),
        CheckConstraint("distance_m >= 0", name="distance_not_negative"),
        CheckConstraint(
            "target_date IS NULL OR target_date >= started_on", name="target_after_start"
        ),
        Index(
            "uq_journeys_one_active_per_team",
            "team_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_journeys_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    status: Mapped[str] = mapped_column(
        String(10), default=JourneyStatus.ACTIVE, server_default="active"
    )
    started_on: Mapped[date] = mapped_column(Date)
    target_date: Mapped[date | None] = mapped_column(Date)
    distance_m: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=0, server_default="0")
    # How many of the route's waypoints have been announced as reached (never goes back).
    milestones_reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: deleted
    created_at: Mapped[datetime] = created_at_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    route: Mapped[Route] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status == JourneyStatus.ACTIVE
