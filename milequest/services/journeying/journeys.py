"""Journeys: start one on a ready route, abandon it, complete it, and where the team is now."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from milequest.extensions import db
from milequest.models import Journey, Membership, Route, Team, User, Waypoint
from milequest.models.badge import BadgeKind
from milequest.models.base import utcnow
from milequest.models.journey import JourneyStatus
from milequest.models.route import RouteStatus
from milequest.refusals import Refused
from milequest.services.achievements import badges
from milequest.services.atlas import route_positions
from milequest.services.core import counters, team_access, team_events
from milequest.services.core.team_locks import lock_team
from milequest.services.journeying import postcards


class JourneyError(Refused):
    """A rule stopped the change; the message is for the walker."""


@dataclass(frozen=True)
class ProgressBar:
    """How far a journey is, without where on the map (the dashboard's bars)."""

    journey: Journey
    distance_m: float  # clamped to the route's length
    length_m: float

    @property
    def percent(self) -> float:
        return 100.0 * self.distance_m / self.length_m if self.length_m else 100.0

    @property
    def remaining_m(self) -> float:
        return max(self.length_m - self.distance_m, 0.0)

    @classmethod
    def of(cls, journey: Journey) -> "ProgressBar":
        length_m = journey.route.length_m or 0.0
        return cls(journey, min(float(journey.distance_m), length_m), length_m)


@dataclass(frozen=True)
class Progress(ProgressBar):
    position: route_positions.Position
    next_milestone: route_positions.NextMilestone | None


def active_journey(team: Team) -> Journey | None:
    return db.session.scalar(
        select(Journey).where(Journey.team_id == team.id, Journey.status == JourneyStatus.ACTIVE)
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
            .where(Journey.team_id == team.id, Journey.status != JourneyStatus.ACTIVE)
            .order_by(Journey.ended_at.desc())
        )
    )


def start_journey(
    team: Team, route: Route, by: User, started_on: date, target_date: date | None = None
) -> Journey:
    lock_team(team)  # serialized with archiving, which ends the active journey
    if team.is_archived:
        raise JourneyError("This team is archived: it can no longer start journeys.")
    if route.status != RouteStatus.READY:
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
    credits = _count_walks_already_logged(journey)
    team_events.record(
        team.id, "journey_started", actor=by, journey_id=journey.id, route=route.name
    )
    announce_credits(credits, by)
    return journey


def _count_walks_already_logged(journey: Journey) -> list[counters.Credit]:
    """A journey starting today counts the members' walks from earlier today, as the rule says."""
    walker_ids = db.session.scalars(
        select(Membership.user_id)
        .where(Membership.team_id == journey.team_id)
        .where(or_(Membership.left_on.is_(None), Membership.left_on >= journey.started_on))
        .distinct()
        .order_by(Membership.user_id)  # one lock order: two starts never wait on each other
    )
    credits = []
    for walker_id in walker_ids.all():
        counters.lock_walker(walker_id)
        credits += counters.resync(walker_id, [journey.id])
    return credits


def set_target_date(journey: Journey, target: date | None, today: date) -> None:
    """The captain's target date for an active journey (None clears it): today or later.

    Locks the journey's row first, so a journey abandoned or completed meanwhile refuses it.
    """
    db.session.execute(select(Journey.id).where(Journey.id == journey.id).with_for_update())
    db.session.refresh(journey, ["status"])
    if not journey.is_active:
        raise JourneyError("Only a journey under way can have a target date.")
    if target is not None and target < max(today, journey.started_on):
        raise JourneyError("The target date must be today or later.")
    journey.target_date = target
    db.session.flush()
    # The team page shows the target: its shared parts are rendered per event-log version.
    team_events.record(journey.team_id, "journey_target_set", journey_id=journey.id)


def abandon_journey(journey: Journey, by: User) -> None:
    if not journey.is_active:
        return
    journey.status = JourneyStatus.ABANDONED
    journey.ended_at = utcnow()
    team_events.record(journey.team_id, "journey_abandoned", actor=by, journey_id=journey.id)


def announce_credits(credits: list[counters.Credit], by: User | None = None) -> None:
    """Announce what each journey that moved forward has now passed (from its locked row)."""
    for credit in credits:
        if credit.after_m > credit.before_m:
            # One query, always re-read: the counters moved its distance in SQL.
            journey = db.session.get_one(Journey, credit.journey_id, populate_existing=True)
            announce_progress(journey, by)


def announce_progress(journey: Journey, by: User | None = None) -> None:
    """Append a milestone event for each waypoint newly passed, then complete if at the end.

    Milestones are announced once: walking back below one (an edit) and past it again is quiet.
    Each makes a postcard, in the same transaction as its event.
    """
    newly_passed = list(
        db.session.scalars(
            select(Waypoint)
            .where(Waypoint.route_id == journey.route_id, Waypoint.distance_m <= journey.distance_m)
            .order_by(Waypoint.position)
            .offset(journey.milestones_reached)
        )
    )
    for waypoint in newly_passed:
        if waypoint.distance_m:  # the start is not a milestone
            event = team_events.record(
                journey.team_id,
                "milestone_reached",
                actor=by,
                journey_id=journey.id,
                waypoint=waypoint.name,
                note=waypoint.note,
                badge=True,  # every active member earns it (below): the feed says so
            )
            if event is not None:
                postcards.make_postcard(journey, waypoint, event, by)
                badges.award_team(
                    journey.team_id,
                    BadgeKind.MILESTONE,
                    f"{journey.id}:{waypoint.id}",
                    {"waypoint": waypoint.name},
                )
    journey.milestones_reached += len(newly_passed)
    complete_if_finished(journey)
    db.session.flush()


def complete_if_finished(journey: Journey) -> bool:
    """Complete an active journey whose distance reached the route's end (once). True if now."""
    length_m = journey.route.length_m
    if not journey.is_active or length_m is None or journey.distance_m < length_m:
        return False
    journey.status = JourneyStatus.COMPLETED
    journey.ended_at = utcnow()
    event = team_events.record(
        journey.team_id,
        "journey_completed",
        journey_id=journey.id,
        route=journey.route.name,
        badge=True,
    )
    if event is not None:
        badges.award_team(
            journey.team_id, BadgeKind.JOURNEY, str(journey.id), {"route": journey.route.name}
        )
    return True


def progress(journey: Journey) -> Progress:
    bar = ProgressBar.of(journey)
    return Progress(
        journey=journey,
        distance_m=bar.distance_m,
        length_m=bar.length_m,
        position=route_positions.position_at(
            journey.route_id, bar.distance_m, journey.route.built_at
        ),
        next_milestone=route_positions.next_milestone(journey.route_id, bar.distance_m),
    )


def teams_with_bars(user_id: int) -> tuple[list[Team], dict[int, ProgressBar]]:
    """The walker's current teams by name (teams.teams_for) and each one's active journey as
    a bar (no route geometry), by team id, in one query."""
    rows = db.session.execute(
        select(Team, Journey)
        .join(Membership, team_access.membership_of(user_id))
        .outerjoin(
            Journey, and_(Journey.team_id == Team.id, Journey.status == JourneyStatus.ACTIVE)
        )
        .outerjoin(Journey.route)
        .options(contains_eager(Journey.route).load_only(Route.name, Route.length_m))
        .where(Team.archived_at.is_(None))
        .order_by(Team.name)
    ).all()
    bars = {team.id: ProgressBar.of(journey) for team, journey in rows if journey is not None}
    return [team for team, _ in rows], bars
