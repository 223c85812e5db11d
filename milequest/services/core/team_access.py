"""The one authorization check for everything team-scoped (views now, sockets later).

Outsiders get NotFound for a private team, never a hint that it exists.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BindParameter, ColumnElement, Select, and_, select, true
from sqlalchemy.orm import InstrumentedAttribute, lazyload

from milequest.extensions import db
from milequest.models import Membership, Team, TeamEvent, User


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass(frozen=True)
class TeamAccess:
    team: Team
    membership: Membership | None
    last_event_id: int = 0  # the team's version: its event log's newest id when checked
    last_event_at: datetime | None = None  # ... and when it was written (ids restart after a reset)

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_captain(self) -> bool:
        return self.membership is not None and self.membership.is_captain

    @property
    def can_manage(self) -> bool:
        """A captain of a team that can still change (an archived team is read-only)."""
        return self.is_captain and not self.team.is_archived


def active_membership(team_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.team_id == team_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
    )


def member_gone(event: TeamEvent) -> int | None:
    """The walker whose membership `event` ended, unless they are back in the team by now."""
    if event.kind != "member_left" or event.subject_id is None:
        return None
    return None if active_membership(event.team_id, event.subject_id) else event.subject_id


class Need(StrEnum):
    """What a team-scoped page asks of its viewer."""

    VISITOR = "visitor"  # anyone may see a public, active team's preview
    MEMBER = "member"
    CAPTAIN = "captain"


def _with_version(query: Select) -> Select:
    """`query` (which reads Team) also reading the team's version: its last event's id and time
    (ids restart after a database reset), from one probe of the team's newest event."""
    newest = (
        select(TeamEvent.id, TeamEvent.created_at)
        .where(TeamEvent.team_id == Team.id)
        .order_by(TeamEvent.id.desc())
        .limit(1)
        .lateral()
    )
    return query.add_columns(newest.c.id, newest.c.created_at).outerjoin(newest, true())


def membership_of(user_id) -> ColumnElement[bool]:
    """The join condition of `user_id`'s active membership of a team read as `Team`."""
    return and_(
        Membership.team_id == Team.id,
        Membership.user_id == user_id,
        Membership.left_at.is_(None),
    )


def with_access(
    query: Select,
    team_id: int | BindParameter[int],
    user_id: ColumnElement[int] | InstrumentedAttribute[int],
) -> Select:
    """`query` also reading what `check` reads (team `team_id`, the active membership of the
    walker in `user_id`, a column of `query`, and the version), outer-joined: `decide` takes
    the four columns it adds."""
    return _with_version(
        query.add_columns(Team, Membership)
        .outerjoin(Team, Team.id == team_id)
        .outerjoin(Membership, membership_of(user_id))
        # The membership's team and walker are in this very row: joining them again for its
        # eager relationships doubled the tables PostgreSQL plans for, on every request.
        .options(lazyload(Membership.team), lazyload(Membership.user))
    )


def check(team_id: int, user: User, need: Need = Need.MEMBER) -> TeamAccess:
    """Load the team for `user` needing `need`: team, membership and version in one query.

    Raises NotFound when the user may not know the team, Forbidden when they know it but lack
    the role.
    """
    user_id = user.id if user.is_authenticated else None
    row = db.session.execute(
        _with_version(select(Team, Membership).outerjoin(Membership, membership_of(user_id))).where(
            Team.id == team_id
        )
    ).first()
    return decide(tuple(row) if row else None, need)


def decide(found: tuple | None, need: Need) -> TeamAccess:
    """The access `found` (team, membership, last event id and time, as `with_access` reads
    them; None or a None team when there is no such team) gives for `need`."""
    if found is None or found[0] is None:
        raise NotFound
    team, membership, last_id, last_at = found
    access = TeamAccess(team, membership, last_id or 0, last_at)
    if not access.is_member:
        if team.is_public and need == Need.VISITOR and not team.is_archived:
            return access
        raise NotFound
    if need == Need.CAPTAIN and not access.is_captain:
        raise Forbidden
    return access
