"""A team, its memberships and its invites.

Seats are counted in `teams.member_count`, which a CHECK keeps within `member_limit`: the
database, not Python, decides who gets the last seat.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from milequest.extensions import Model
from milequest.models.base import created_at_column
from milequest.models.user import User


class Role(StrEnum):
    CAPTAIN = "captain"
    MEMBER = "member"


ROLES = tuple(r.value for r in Role)
INVITE_KINDS = ("email", "link")


class Team(Model):
    __tablename__ = "teams"
    __table_args__ = (
        CheckConstraint("member_count BETWEEN 0 AND member_limit", name="seats"),
        CheckConstraint("member_limit BETWEEN 2 AND 500", name="member_limit"),
        CheckConstraint("length(name) BETWEEN 3 AND 60", name="name_length"),
        Index(
            "ix_teams_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    member_limit: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    member_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: deleted
    created_at: Mapped[datetime] = created_at_column()
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def seats_left(self) -> int:
        return self.member_limit - self.member_count


class Membership(Model):
    """A walker's time in a team; leaving sets `left_at` (history stays for the counting rule)."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role IN ('captain', 'member')", name="role"),
        Index(
            "uq_memberships_active",
            "team_id",
            "user_id",
            unique=True,
            postgresql_where=text("left_at IS NULL"),
        ),
        Index("ix_memberships_user_active", "user_id", postgresql_where=text("left_at IS NULL")),
        # The counting rule asks about past members too: without it, a seq scan per walk logged.
        Index("ix_memberships_user_team", "user_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(10), default=Role.MEMBER)
    joined_at: Mapped[datetime] = created_at_column()
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The walker's local dates at joining and leaving: walks are dated in local days.
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # Removed by a captain (not left): walks logged after `left_at` stop counting at once.
    removed: Mapped[bool] = mapped_column(default=False, server_default=false())

    team: Mapped[Team] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_captain(self) -> bool:
        return self.role == Role.CAPTAIN


class TeamInvite(Model):
    """An email invite (single use) or the team's share link (many uses, until rotated)."""

    __tablename__ = "team_invites"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'link')", name="kind"),
        CheckConstraint("(kind = 'email') = (email IS NOT NULL)", name="email_for_email_kind"),
        Index(
            "uq_team_invites_active_link",
            "team_id",
            unique=True,
            postgresql_where=text("kind = 'link' AND revoked_at IS NULL"),
        ),
        Index("ix_team_invites_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    kind: Mapped[str] = mapped_column(String(5))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: deleted
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship(lazy="joined")
