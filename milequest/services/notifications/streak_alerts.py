"""Streak at risk: in the walker's evening, when a walk today is all that keeps their streak.

"At risk" is the rest-day rule's (`achievements.streaks`): not walked today, and a missed
today would end the streak (yesterday was its rest day, or its week's rest day is used). The
hourly sweep finds walkers in their local evening who walked in the two days before today and
not today; the task checks the rule. The cause names the local date: one warning a day, however
many sweeps or retries.
"""

from datetime import datetime

from flask import url_for
from sqlalchemy import text

from milequest.extensions import db
from milequest.models import User
from milequest.models.base import utcnow
from milequest.models.notification import NotificationKind
from milequest.services.achievements import badges, streaks
from milequest.services.notifications.inbox import Draft, create

EVENING_HOURS = (19, 20)  # after the nudge's (17-19) and before the default quiet hours (22)
MIN_STREAK_DAYS = 2  # a single day is not a streak worth a message

_IN_THE_EVENING = text("""
    WITH local AS (
        SELECT u.id, CAST(CAST(:now AS timestamptz) AT TIME ZONE u.timezone AS date) AS today
        FROM users u
        WHERE extract(hour FROM CAST(:now AS timestamptz) AT TIME ZONE u.timezone)
              BETWEEN :first_hour AND :last_hour
          AND u.deletion_due_at IS NULL
    )
    SELECT l.id FROM local l
    WHERE EXISTS (
        SELECT 1 FROM walker_days d
        WHERE d.user_id = l.id AND d.distance_m > 0
          AND d.day BETWEEN l.today - 2 AND l.today - 1)
      AND NOT EXISTS (
        SELECT 1 FROM walker_days d
        WHERE d.user_id = l.id AND d.distance_m > 0 AND d.day = l.today)
    ORDER BY l.id
""")


def due_walker_ids(now: datetime | None = None) -> list[int]:
    """Walkers in their evening who walked lately but not today (the task checks the rule)."""
    first, last = EVENING_HOURS
    params = {"now": now or utcnow(), "first_hour": first, "last_hour": last}
    return list(db.session.scalars(_IN_THE_EVENING, params))


def warn(user_id: int, now: datetime | None = None) -> int | None:
    """Warn one walker whose streak ends tonight (flushed); None when not at risk or made."""
    now = now or utcnow()
    user = db.session.get(User, user_id)
    if user is None:
        return None
    today = user.local_date(now)
    streak = streaks.daily((day for day, _ in badges.walker_days(user_id)), today)
    if not streak.at_risk or streak.days < MIN_STREAK_DAYS:
        return None
    draft = Draft(
        NotificationKind.STREAK_AT_RISK,
        f"streak:{today.isoformat()}",
        f"Your {streak.days}-day streak ends tonight",
        url_for("activities.new"),
        "A walk today keeps it going: even a short one counts. A streak forgives one rest "
        "day a week, and this week's is used.",
    )
    return create(user, draft, now)
