"""A postcard: what the team saw when it passed a milestone, kept in the journey's history.

Made in the same transaction as its "milestone_reached" event; each member sees it once
(a `PostcardView` row says they have).
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from milequest.extensions import Model
from milequest.models.base import created_at_column
from milequest.models.journey import Journey
from milequest.models.user import User


class Postcard(Model):
    __tablename__ = "postcards"

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("team_events.id"), unique=True)
    place_name: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text, default="", server_default="")
    milestone_m: Mapped[float] = mapped_column(Float)  # where the milestone is
    distance_m: Mapped[Decimal] = mapped_column(Numeric(14, 3))  # the team's, that moment
    days: Mapped[int] = mapped_column(Integer)  # since the journey started, counting both ends
    walkers: Mapped[int] = mapped_column(Integer)  # members who had walked for it so far
    crossed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    journey: Mapped[Journey] = relationship(lazy="joined")
    crossed_by: Mapped[User | None] = relationship(lazy="joined")


class PostcardView(Model):
    """Member `user_id` has seen postcard `postcard_id` (as a banner, or dismissed it)."""

    __tablename__ = "postcard_views"

    postcard_id: Mapped[int] = mapped_column(
        ForeignKey("postcards.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = created_at_column()
