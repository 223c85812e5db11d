"""A nudge after N days without a walk (the walker's N, 3 by default), at most once a week.

The hourly sweep looks at walkers in a team whose local time is early evening; a walker whose
last walked day is N or more local days back, and who had no nudge in the last 7 days, gets one.
The cause names the ISO week, so two sweeps racing make one.
"""

from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import func, select, text

from milequest.extensions import db
from milequest.models import Membership, Notification, User, WalkerDay
from milequest.models.base import utcnow
from milequest.models.notification import NotificationKind
from milequest.services.notifications import preferences
from milequest.services.notifications.inbox import Draft, create

EVENING_HOURS = (17, 19)
ONE_A_WEEK = timedelta(days=7)

_IN_THE_EVENING = text("""
    SELECT DISTINCT u.id FROM users u
    JOIN memberships m ON m.user_id = u.id AND m.left_at IS NULL
    JOIN teams t ON t.id = m.team_id AND t.archived_at IS NULL
    WHERE extract(hour FROM CAST(:now AS timestamptz) AT TIME ZONE u.timezone)
          BETWEEN :first_hour AND :last_hour
      AND NOT EXISTS (
          SELECT 1 FROM notifications n
          WHERE n.user_id = u.id AND n.kind = 'walk_nudge' AND n.created_at > :week_ago)
    ORDER BY u.id
""")


def due_walker_ids(now: datetime | None = None) -> list[int]:
    """Walkers in their evening with no nudge this past week (the task checks the rest)."""
    now = now or utcnow()
    first, last = EVENING_HOURS
    params = {"now": now, "first_hour": first, "last_hour": last, "week_ago": now - ONE_A_WEEK}
    return list(db.session.scalars(_IN_THE_EVENING, params))


def days_without_walk(user: User, today: date) -> int:
    last_walk = db.session.scalar(
        select(func.max(WalkerDay.day)).where(
            WalkerDay.user_id == user.id, WalkerDay.distance_m > 0, WalkerDay.day <= today
        )
    )
    joined = db.session.scalar(
        select(func.min(Membership.joined_on)).where(
            Membership.user_id == user.id, Membership.left_at.is_(None)
        )
    )
    since = max(d for d in (last_walk, joined, user.created_at.date()) if d is not None)
    return (today - since).days


def nudge(user_id: int, now: datetime | None = None) -> int | None:
    """Nudge one walker if it is time (flushed); None when not due, made before or opted out."""
    now = now or utcnow()
    user = db.session.get(User, user_id)
    if user is None or _nudged_lately(user_id, now):
        return None
    days = days_without_walk(user, user.local_date(now))
    if days < preferences.choices_of(user_id).nudge_after_days:
        return None
    year, week, _ = user.local_date(now).isocalendar()
    draft = Draft(
        NotificationKind.WALK_NUDGE,
        f"nudge:{year}-W{week:02d}",
        f"Your team misses you: {days} days since your last walk",
        url_for("pages.dashboard"),
        "A short walk today keeps your team moving. Log it in a few taps.",
    )
    return create(user, draft, now)


def _nudged_lately(user_id: int, now: datetime) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.kind == NotificationKind.WALK_NUDGE,
                Notification.created_at > now - ONE_A_WEEK,
            )
        )
        or 0
    ) > 0
