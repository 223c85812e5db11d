"""Where a journey is heading: the team's pace on it, when it will arrive at that pace, and what
each member would need to walk a day to arrive by the captain's target date. Read-only.

Pace is what counted for the journey (its per-member-day counters) over the last 7 and 28 days,
or over the days since the journey started when it is younger. The finish is projected from the
28-day pace, steadier than a week's.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Journey, JourneyMemberDay, Membership

SHORT_DAYS, LONG_DAYS = 7, 28


@dataclass(frozen=True)
class Pace:
    per_day_m: float
    days: int  # measured over this many days (fewer than asked when the journey is younger)


@dataclass(frozen=True)
class Forecast:
    today: date
    remaining_m: float
    week: Pace
    month: Pace
    projected_finish: date | None  # None when the team has not walked lately
    target_date: date | None
    members: int
    needed_per_member_m: float | None  # a day, from today to the target date; None without one

    @property
    def target_passed(self) -> bool:
        return self.target_date is not None and self.target_date < self.today

    @property
    def on_track(self) -> bool | None:
        if self.target_date is None or self.projected_finish is None:
            return None
        return self.projected_finish <= self.target_date


def pace(journey: Journey, today: date, days: int) -> Pace:
    """The distance a day counted for `journey` over the `days` days up to `today`."""
    days = max(1, min(days, (today - journey.started_on).days + 1))
    walked_m = db.session.execute(
        select(func.coalesce(func.sum(JourneyMemberDay.distance_m), 0)).where(
            JourneyMemberDay.journey_id == journey.id,
            JourneyMemberDay.day.between(today - timedelta(days=days - 1), today),
        )
    ).scalar_one()
    return Pace(float(walked_m) / days, days)


def projected_finish(remaining_m: float, per_day_m: float, today: date) -> date | None:
    """The day the team arrives if it walks `per_day_m` every day after today (today if there)."""
    if remaining_m <= 0:
        return today
    if per_day_m <= 0:
        return None
    return today + timedelta(days=ceil(remaining_m / per_day_m))


def needed_per_member_m(remaining_m: float, members: int, today: date, target: date) -> float:
    """What each member would walk a day, today and every day to the target date included."""
    days = max((target - today).days + 1, 1)
    return remaining_m / days / max(members, 1)


def _members(team_id: int) -> int:
    return db.session.execute(
        select(func.count()).where(Membership.team_id == team_id, Membership.left_at.is_(None))
    ).scalar_one()


def forecast(journey: Journey, today: date) -> Forecast:
    remaining_m = max(float(journey.route.length_m or 0) - float(journey.distance_m), 0.0)
    week, month = pace(journey, today, SHORT_DAYS), pace(journey, today, LONG_DAYS)
    members = _members(journey.team_id)
    target = journey.target_date
    return Forecast(
        today=today,
        remaining_m=remaining_m,
        week=week,
        month=month,
        projected_finish=projected_finish(remaining_m, month.per_day_m, today),
        target_date=target,
        members=members,
        needed_per_member_m=(
            needed_per_member_m(remaining_m, members, today, target)
            if target is not None and target >= today
            else None
        ),
    )
