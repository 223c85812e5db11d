"""Journeys: start one on a ready route, abandon it, complete it, and where the team is now."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from milequest.extensions import db
from milequest.models import Journey, Membership, Route, Team, User
from milequest.models.base import utcnow
from milequest.services import route_positions, team_events
from milequest.services.team_locks import lock_team


class JourneyError(Exception):
    """A rule stopped the change; the message is for the walker."""


@dataclass(frozen=True)
class Progress:
    journey: Journey
    distance_m: float  # clamped to the route's length
    length_m: float
    position: route_positions.Position
    next_milestone: route_positions.NextMilestone | None

    @property
    def percent(self) -> float:
        return 100.0 * self.distance_m / self.length_m if self.length_m else 100.0

    @property
    def remaining_m(self) -> float:
        return max(self.length_m - self.distance_m, 0.0)


def active_journey(team: Team) -> Journey | None:
    return db.session.scalar(
        select(Journey).where(Journey.team_id == team.id, Journey.status == "active")
    )


def shown_journey(team: Team) -> Journey | None:
    """The journey the team page shows: the active one, or the last one of an archived team."""
    active = active_journey(team)
    if active is not None or not team.is_archived:
        return active
    return next(iter(past_journeys(team)), None)


def past_journeys(team: Team) -> list[Journey]:
    return list(
        db.session.scalars(
            select(Journey)
            .where(Journey.team_id == team.id, Journey.status != "active")
            .order_by(Journey.ended_at.desc())
        )
    )


def start_journey(
    team: Team, route: Route, by: User, started_on: date, target_date: date | None = None
) -> Journey:
    lock_team(team)  # serialized with archiving, which ends the active journey
    if team.is_archived:
        raise JourneyError("This team is archived: it can no longer start journeys.")
    if route.status != "ready":
        raise JourneyError("That route is not ready yet: wait until it is built.")
    if target_date is not None and target_date < started_on:
        raise JourneyError("The target date must be after the start.")
    journey = Journey(
        team_id=team.id,
        route_id=route.id,
        started_on=started_on,
        target_date=target_date,
        started_by_id=by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(journey)
    except IntegrityError as exc:  # the partial unique index: one active journey per team
        raise JourneyError("The team is already on a journey: finish or abandon it first.") from exc
    team_events.record(
        team.id, "journey_started", actor=by, journey_id=journey.id, route=route.name
    )
    return journey


def abandon_journey(journey: Journey, by: User) -> None:
    if not journey.is_active:
        return
    journey.status = "abandoned"
    journey.ended_at = utcnow()
    team_events.record(journey.team_id, "journey_abandoned", actor=by, journey_id=journey.id)


def announce_progress(journey: Journey, by: User | None = None) -> None:
    """Append a milestone event for each waypoint newly passed, then complete if at the end.

    Milestones are announced once: walking back below one (an edit) and past it again is quiet.
    """
    passed = [w for w in journey.route.waypoints if w.distance_m <= journey.distance_m]
    for waypoint in passed[journey.milestones_reached :]:
        if waypoint.distance_m > 0:  # the start is not a milestone
            team_events.record(
                journey.team_id,
                "milestone_reached",
                actor=by,
                journey_id=journey.id,
                waypoint=waypoint.name,
                note=waypoint.note,
            )
    journey.milestones_reached = max(journey.milestones_reached, len(passed))
    complete_if_finished(journey)
    db.session.flush()


def complete_if_finished(journey: Journey) -> bool:
    """Complete an active journey whose distance reached the route's end (once). True if now."""
    if not journey.is_active or journey.distance_m < journey.route.length_m:
        return False
    journey.status = "completed"
    journey.ended_at = utcnow()
    team_events.record(
        journey.team_id, "journey_completed", journey_id=journey.id, route=journey.route.name
    )
    return True


def progress(journey: Journey) -> Progress:
    length_m = journey.route.length_m or 0.0
    distance_m = min(float(journey.distance_m), length_m)
    return Progress(
        journey=journey,
        distance_m=distance_m,
        length_m=length_m,
        position=route_positions.position_at(journey.route_id, distance_m),
        next_milestone=route_positions.next_milestone(journey.route_id, distance_m),
    )


PACE_DAYS = 28

_COUNTED_SINCE = text("""
SELECT coalesce(sum(a.distance_m), 0) FROM activities a
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
        .outerjoin(Journey, (Journey.team_id == Team.id) & (Journey.status == "active"))
        .where(
            Membership.user_id == user.id,
            Membership.left_at.is_(None),
            Membership.role == "captain",
            Team.archived_at.is_(None),
        )
        .order_by(Team.name)
    )
    free, busy = [], []
    for team, active_id in rows:
        (free if active_id is None else busy).append(team)
    return free, busy
