"""Where walks saved on a phone went once they synced: which teams they count for, by the rule.

A walk waits on the phone for hours or days; meanwhile the walker may have left the team they
logged it from. The walk is theirs either way (activities belong to the walker); this tells them
where it counts now, so nothing seems lost.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Activity, Membership, Team, User
from milequest.services.core import counters


@dataclass(frozen=True)
class SyncedWalk:
    activity: Activity
    counts_for: list[Team]  # the teams whose journeys the counting rule credits it to
    left_team: Team | None  # the team it was logged from, when the walker is no longer in it


def synced_walks(walker: User, logged_from: dict[uuid.UUID, int | None]) -> list[SyncedWalk]:
    """The walker's activities among `logged_from` (client id -> team id the form named)."""
    if not logged_from:
        return []
    found = db.session.scalars(
        select(Activity)
        .where(Activity.user_id == walker.id, Activity.client_id.in_(logged_from))
        .order_by(Activity.activity_date, Activity.id)
    )
    return [
        SyncedWalk(a, _teams_counting(a), _left_team(walker, logged_from[a.client_id]))
        for a in found
    ]


def _teams_counting(activity: Activity) -> list[Team]:
    team_ids = counters.teams_of(activity)
    if not team_ids:
        return []
    return list(db.session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.name)))


def _left_team(walker: User, team_id: int | None) -> Team | None:
    """The team `team_id` if the walker was once in it and is not now; never anyone else's."""
    if team_id is None:
        return None
    memberships = db.session.scalars(
        select(Membership).where(Membership.team_id == team_id, Membership.user_id == walker.id)
    ).all()
    if not memberships or any(m.left_at is None for m in memberships):
        return None
    return memberships[0].team
