"""The weekly team digest, on Monday morning in each walker's own time zone.

The hourly sweep finds memberships whose walker's local time is Monday 08:00 or later (until
the end of Tuesday, so a sweep that did not run on Monday morning catches up) and who have no
digest for that team and ISO week yet; each gets one (the cause names team and week).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import url_for
from sqlalchemy import func, select, text

from milequest.extensions import db
from milequest.models import Journey, JourneyMemberDay, Membership, Team, User
from milequest.models.base import utcnow
from milequest.models.notification import NotificationKind
from milequest.services.achievements import badges, streaks
from milequest.services.journeying import journeys
from milequest.services.notifications.inbox import Draft, create
from milequest.services.walks.activities import in_unit

FIRST_HOUR = 8  # local hour on Monday from which the digest is made (the sweep runs hourly)
TOP_WALKERS = 3

# Active memberships of unarchived teams whose walker is past 08:00 on their Monday (or in their
# Tuesday) and has no digest of that team for this ISO week yet.
_DUE = text("""
    SELECT m.id FROM memberships m
    JOIN users u ON u.id = m.user_id
    JOIN teams t ON t.id = m.team_id
    WHERE m.left_at IS NULL AND t.archived_at IS NULL
      AND (extract(isodow FROM CAST(:now AS timestamptz) AT TIME ZONE u.timezone) = 2
           OR (extract(isodow FROM CAST(:now AS timestamptz) AT TIME ZONE u.timezone) = 1
               AND extract(hour FROM CAST(:now AS timestamptz) AT TIME ZONE u.timezone)
                   >= :first_hour))
      AND NOT EXISTS (
          SELECT 1 FROM notifications n
          WHERE n.user_id = m.user_id
            AND n.cause = 'digest:' || m.team_id || ':'
                || to_char(CAST(:now AS timestamptz) AT TIME ZONE u.timezone, 'IYYY-"W"IW'))
    ORDER BY m.id
""")


@dataclass(frozen=True)
class Week:
    first: date  # the Monday of the week the digest tells about
    last: date
    key: str  # the ISO week the digest is sent in: "2026-W49"


def due_membership_ids(now: datetime | None = None) -> list[int]:
    params = {"now": now or utcnow(), "first_hour": FIRST_HOUR}
    return list(db.session.scalars(_DUE, params))


def week_before(user: User, now: datetime) -> Week:
    today = user.local_date(now)
    this_monday = today - timedelta(days=today.weekday())
    year, week, _ = this_monday.isocalendar()
    return Week(
        this_monday - timedelta(days=7), this_monday - timedelta(days=1), f"{year}-W{week:02d}"
    )


def send_digest(membership_id: int, now: datetime | None = None) -> int | None:
    """Create one walker's digest for one team (flushed); None if made before or not wanted."""
    now = now or utcnow()
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.left_at is not None or membership.team.is_archived:
        return None
    user, team = membership.user, membership.team
    week = week_before(user, now)
    body = "\n".join(_lines(user, team, week) + _own_lines(user, week, user.local_date(now)))
    draft = Draft(
        NotificationKind.WEEKLY_DIGEST,
        f"digest:{team.id}:{week.key}",
        f"{team.name}: your week",
        url_for("teams.show", team_id=team.id),
        body,
        team.id,
    )
    return create(user, draft, now)


def _lines(user: User, team: Team, week: Week) -> list[str]:
    journey = journeys.active_journey(team)
    span = f"{week.first:%-d %b} to {week.last:%-d %b}"
    if journey is None:
        return [f"{span}: no journey is under way. A captain can start one from the team page."]
    totals = _week_totals(journey, week)
    team_m = sum(totals.values(), Decimal(0))
    lines = [f"{span}: the team walked {in_unit(team_m, user.units)} along {journey.route.name}."]
    top = sorted(totals.items(), key=lambda item: -item[1])[:TOP_WALKERS]
    if top:
        names = {
            u.id: u.display_name
            for u in db.session.scalars(select(User).where(User.id.in_([i for i, _ in top])))
        }
        ranked = ", ".join(f"{names[i]} {in_unit(m, user.units)}" for i, m in top)
        lines.append(f"Top walkers: {ranked}.")
    mine = totals.get(user.id, Decimal(0))
    lines.append(
        f"You walked {in_unit(mine, user.units)}."
        if mine
        else "You had a rest week: this one is new."
    )
    upcoming = journeys.progress(journey).next_milestone
    if upcoming is not None:
        to_go = in_unit(Decimal(str(upcoming.distance_to_m)), user.units)
        lines.append(f"Next milestone: {upcoming.waypoint.name}, {to_go} to go.")
    return lines


def _own_lines(user: User, week: Week, today: date) -> list[str]:
    """The walker's goal for the week told about, and the daily streak they carry into this one."""
    days = badges.walker_days(user.id)
    lines = []
    if user.weekly_goal_m:
        walked = sum((m for d, m in days if week.first <= d <= week.last), Decimal(0))
        goal = Decimal(user.weekly_goal_m)
        of_goal = f"{in_unit(walked, user.units)} of your {in_unit(goal, user.units)} goal"
        lines.append(
            f"Your week: {of_goal}, reached."
            if walked >= goal
            else f"Your week: {of_goal}, {in_unit(goal - walked, user.units)} short."
        )
    streak = streaks.daily((d for d, _ in days), today)
    if streak.days >= 2:
        keep = " Walk today to keep it." if streak.at_risk else ""
        lines.append(f"Your streak: {streak.days} days.{keep}")
    return lines


def _week_totals(journey: Journey, week: Week) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(JourneyMemberDay.user_id, func.sum(JourneyMemberDay.distance_m))
        .where(
            JourneyMemberDay.journey_id == journey.id,
            JourneyMemberDay.day.between(week.first, week.last),
        )
        .group_by(JourneyMemberDay.user_id)
        .having(func.sum(JourneyMemberDay.distance_m) > 0)
    )
    return {user_id: distance for user_id, distance in rows}
