"""A journey's member leaderboard, read from the stored counters."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, union

from milequest.extensions import db
from milequest.models import Journey, JourneyContribution, Membership, User


@dataclass(frozen=True)
class Standing:
    user: User
    distance_m: Decimal
    active_days: int
    is_former: bool = False  # left the team: what they walked while a member still counts

    @property
    def per_active_day_m(self) -> Decimal:
        return self.distance_m / self.active_days if self.active_days else Decimal(0)


def leaderboard(journey: Journey) -> list[Standing]:
    """Everyone whose distance is in the journey's total, most first: so the rows always add up
    to the total. Current members who have not walked yet are included; former members only
    with distance, marked as former."""
    member_ids = select(Membership.user_id).where(
        Membership.team_id == journey.team_id, Membership.left_at.is_(None)
    )
    walked_ids = select(JourneyContribution.user_id).where(
        JourneyContribution.journey_id == journey.id, JourneyContribution.distance_m != 0
    )
    shown = union(member_ids, walked_ids).subquery()
    rows = db.session.execute(
        select(
            User,
            JourneyContribution.distance_m,
            JourneyContribution.active_days,
            User.id.in_(member_ids),
        )
        .join(shown, shown.c.user_id == User.id)
        .outerjoin(
            JourneyContribution,
            (JourneyContribution.user_id == User.id)
            & (JourneyContribution.journey_id == journey.id),
        )
    ).all()
    standings = [
        Standing(user, distance or Decimal(0), days or 0, not member)
        for user, distance, days, member in rows
    ]
    return sorted(standings, key=lambda s: (-s.distance_m, s.user.display_name))
