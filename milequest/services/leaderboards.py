"""A journey's member leaderboard, read from the stored counters."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Journey, JourneyContribution, Membership, User


@dataclass(frozen=True)
class Standing:
    user: User
    distance_m: Decimal
    active_days: int

    @property
    def per_active_day_m(self) -> Decimal:
        return self.distance_m / self.active_days if self.active_days else Decimal(0)


def leaderboard(journey: Journey) -> list[Standing]:
    """Current members, most distance first (members who have not walked yet included)."""
    rows = db.session.execute(
        select(User, JourneyContribution.distance_m, JourneyContribution.active_days)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(
            JourneyContribution,
            (JourneyContribution.user_id == User.id)
            & (JourneyContribution.journey_id == journey.id),
        )
        .where(Membership.team_id == journey.team_id, Membership.left_at.is_(None))
    ).all()
    standings = [Standing(user, distance or Decimal(0), days or 0) for user, distance, days in rows]
    return sorted(standings, key=lambda s: (-s.distance_m, s.user.display_name))
