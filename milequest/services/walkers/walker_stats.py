"""A walker's own numbers for the dashboard, from the per-day counters in one read.

Streaks and the rest-day rule: `achievements.streaks`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from milequest.models import User
from milequest.services.achievements import badges, streaks


@dataclass(frozen=True)
class WalkerStats:
    this_week_m: Decimal
    all_time_m: Decimal
    streak: streaks.DailyStreak
    weekly_streak_weeks: int
    weekly_goal_m: int | None

    @property
    def streak_days(self) -> int:
        return self.streak.days

    @property
    def goal_percent(self) -> float:
        """The week's progress towards the goal, 0 to 100 (0 without a goal)."""
        if not self.weekly_goal_m:
            return 0.0
        return min(100.0, float(self.this_week_m) * 100 / self.weekly_goal_m)

    @property
    def goal_left_m(self) -> Decimal:
        return max(Decimal(0), Decimal(self.weekly_goal_m or 0) - self.this_week_m)


def stats(walker: User, today: date) -> WalkerStats:
    """`today` is the walker's local date (`activities.today_for`)."""
    days = badges.walker_days(walker.id)
    monday = streaks.monday_of(today)
    return WalkerStats(
        this_week_m=sum((m for d, m in days if monday <= d <= today), Decimal(0)),
        all_time_m=sum((m for _, m in days), Decimal(0)),
        streak=streaks.daily((d for d, _ in days), today),
        weekly_streak_weeks=streaks.weekly(days, walker.weekly_goal_m, today),
        weekly_goal_m=walker.weekly_goal_m,
    )
