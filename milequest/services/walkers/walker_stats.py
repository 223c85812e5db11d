"""A walker's own numbers for the dashboard, from the per-day counters."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import User, WalkerDay


@dataclass(frozen=True)
class WalkerStats:
    this_week_m: Decimal
    all_time_m: Decimal
    streak_days: int


def stats(walker: User, today: date) -> WalkerStats:
    monday = today - timedelta(days=today.weekday())
    this_week = WalkerDay.day.between(monday, today)
    this_week_m, all_time_m = db.session.execute(
        select(
            func.coalesce(func.sum(WalkerDay.distance_m).filter(this_week), 0),
            func.coalesce(func.sum(WalkerDay.distance_m), 0),
        ).where(WalkerDay.user_id == walker.id)
    ).one()
    return WalkerStats(this_week_m, all_time_m, streak(walker, today))


def streak(walker: User, today: date) -> int:
    """Days in a row with some distance, ending today (or yesterday: today is not over)."""
    days = db.session.scalars(
        select(WalkerDay.day)
        .where(WalkerDay.user_id == walker.id, WalkerDay.distance_m > 0, WalkerDay.day <= today)
        .order_by(WalkerDay.day.desc())
        .limit(3660)
    )
    expected, count = today, 0
    for day in days:
        if day == expected - timedelta(days=1) and count == 0:
            expected = day  # nothing yet today: the streak may end yesterday
        if day != expected:
            break
        count += 1
        expected = day - timedelta(days=1)
    return count
