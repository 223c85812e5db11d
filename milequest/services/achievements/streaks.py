"""Daily and weekly streaks, computed from a walker's own days (walker_days, local dates).

A day counts when the walker's own day has some distance: every "ok" walk, any team or none,
history too. Days are the walker's local dates (a walk is dated in the walker's time zone), so
a walk at 23:50 in UTC+13 or UTC-10 counts for the day it was walked on, whatever UTC says.

The rest-day rule: a streak is a run of walked days in which a single missed day (a rest day)
is forgiven when the streak's previous rest day is at least 7 days earlier: one rest day a week.
Two missed days in a row, or a second within a week, end it. A streak's length counts walked
days only, so the 7- and 30-day badges need 7 and 30 days of walking. A streak is alive while
it ended today or yesterday, or the day before yesterday when yesterday may be its rest day;
it is at risk when missing today would end it.

A weekly streak counts ISO weeks (Monday to Sunday, local) in a row that reached the walker's
weekly goal, or with no goal set, had a walk. The week under way counts once it qualifies and
never breaks the streak before it is over. It reads the current goal for every week.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

REST_EVERY_DAYS = 7  # at most one forgiven missed day in this many


@dataclass(frozen=True)
class Run:
    """One streak: walked days from `first` to `last`, with its latest rest day."""

    first: date
    last: date
    walked_days: int
    last_rest: date | None

    def may_rest_on(self, day: date) -> bool:
        return self.last_rest is None or (day - self.last_rest).days >= REST_EVERY_DAYS


@dataclass(frozen=True)
class DailyStreak:
    days: int  # walked days in the streak (0: none alive)
    at_risk: bool  # alive, not walked today, and a missed today would end it
    walked_today: bool
    rest_day_free: bool  # a single missed day would be forgiven now


NO_STREAK = DailyStreak(0, False, False, False)


def runs(days: Iterable[date]) -> list[Run]:
    """The streaks in `days` (walked dates, in any order), oldest first."""
    found: list[Run] = []
    for day in sorted(set(days)):
        run = found[-1] if found else None
        gap = (day - run.last).days - 1 if run else None
        if run is not None and gap == 0:
            found[-1] = Run(run.first, day, run.walked_days + 1, run.last_rest)
        elif run is not None and gap == 1 and run.may_rest_on(day - timedelta(days=1)):
            found[-1] = Run(run.first, day, run.walked_days + 1, day - timedelta(days=1))
        else:
            found.append(Run(day, day, 1, None))
    return found


def longest(days: Iterable[date]) -> int:
    return max((run.walked_days for run in runs(days)), default=0)


def daily(days: Iterable[date], today: date) -> DailyStreak:
    """The walker's streak as of `today` (their local date)."""
    past = runs(d for d in days if d <= today)
    if not past:
        return NO_STREAK
    run = past[-1]
    yesterday = today - timedelta(days=1)
    since = (today - run.last).days
    if since == 0:
        return DailyStreak(run.walked_days, False, True, run.may_rest_on(today + timedelta(1)))
    if since == 1:
        free = run.may_rest_on(today)
        return DailyStreak(run.walked_days, not free, False, free)
    if since == 2 and run.may_rest_on(yesterday):  # yesterday is its rest day: today is the last
        return DailyStreak(run.walked_days, True, False, False)
    return NO_STREAK


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(distance_by_day: Sequence[tuple[date, Decimal]], goal_m: int | None, today: date) -> int:
    """Weeks in a row that reached the goal (or had a walk, with no goal), as of `today`."""
    totals: dict[date, Decimal] = {}
    for day, distance_m in distance_by_day:
        if day <= today:
            totals[monday_of(day)] = totals.get(monday_of(day), Decimal(0)) + distance_m

    def qualifies(monday: date) -> bool:
        total = totals.get(monday, Decimal(0))
        return total >= goal_m if goal_m else total > 0

    week = monday_of(today)
    count = 0
    if qualifies(week):
        count = 1
    week -= timedelta(days=7)
    while qualifies(week):
        count += 1
        week -= timedelta(days=7)
    return count
