"""What a captain weighs before starting a journey: the team's recent pace, and which teams
they may start one for. Read-only."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, text

from milequest.extensions import db
from milequest.models import Journey, Membership, Team, User
from milequest.models.activity import COUNTED_SQL
from milequest.models.journey import JourneyStatus
from milequest.models.team import Role

PACE_DAYS = 28

_COUNTED_SINCE = text(f"""
SELECT coalesce(sum({COUNTED_SQL}), 0) FROM activities a
WHERE a.review_status = 'ok' AND a.activity_date BETWEEN :since AND :today
  AND EXISTS (
      SELECT 1 FROM memberships m
      WHERE m.team_id = :team_id AND m.user_id = a.user_id
        AND a.activity_date >= m.joined_on
        AND (m.left_on IS NULL OR a.activity_date <= m.left_on)
  )
""")


@dataclass(frozen=True)
class Pace:
    per_day_m: float
    days: int  # how many days it was measured over: 28, or the team's age if younger

    def days_for(self, length_m: float) -> int:
        """Whole days the team would take to walk `length_m` at this pace."""
        return max(1, -(-int(length_m) // max(int(self.per_day_m), 1)))


def recent_pace(team: Team, today: date) -> Pace | None:
    """The distance a day the team's members walked, counted as for a journey (ok walks inside
    their memberships), over the last PACE_DAYS days; None when they walked nothing."""
    days = max(1, min(PACE_DAYS, (today - team.created_at.date()).days + 1))
    params = {"team_id": team.id, "since": today - timedelta(days=days - 1), "today": today}
    walked_m = float(db.session.scalar(_COUNTED_SINCE, params))
    return Pace(walked_m / days, days) if walked_m > 0 else None


def captained_teams(user: User) -> tuple[list[Team], list[Team]]:
    """The unarchived teams `user` captains: (those free to start a journey, those on one)."""
    rows = db.session.execute(
        select(Team, Journey.id)
        .join(Membership, Membership.team_id == Team.id)
        .outerjoin(Journey, (Journey.team_id == Team.id) & (Journey.status == JourneyStatus.ACTIVE))
        .where(
            Membership.user_id == user.id,
            Membership.left_at.is_(None),
            Membership.role == Role.CAPTAIN,
            Team.archived_at.is_(None),
        )
        .order_by(Team.name)
    )
    free: list[Team] = []
    busy: list[Team] = []
    for team, active_id in rows:
        (free if active_id is None else busy).append(team)
    return free, busy
