"""The append-only per-team log: it feeds the team page, the live stream and catch-up.

A trigger (migration 0002) refuses UPDATE and DELETE on the table.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from milequest.extensions import Model
from milequest.models.base import created_at_column
from milequest.models.user import User

KINDS = (
    "team_created",
    "member_joined",
    "member_left",
    "role_changed",
    "team_archived",
    "journey_started",
    "journey_abandoned",
    "journey_completed",
)


class TeamEvent(Model):
    __tablename__ = "team_events"
    __table_args__ = (Index("ix_team_events_team_id_id", "team_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id], lazy="joined")
