"""The counting rule at its edges, against the real database."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import JourneyContribution, TeamEvent
from milequest.services.core import team_events
from milequest.services.teamwork import teams
from milequest.services.walks import activities
from tests.factories import add_member, log, make_journey, make_user


def days_ago(n: int) -> date:
    """Counted from the date when called: a run that crosses midnight moves with it."""
    return date.today() - timedelta(days=n)


def member_since(team, days: int):
    membership = add_member(team)
    membership.joined_at = datetime.now(UTC) - timedelta(days=days)
    membership.joined_on = days_ago(days)
    db.session.flush()
    return membership.user


def journey_started(days: int, team=None, route=None):
    journey = make_journey(team, route)
    journey.started_on = days_ago(days)
    db.session.flush()
    return journey


def contribution(journey, walker) -> Decimal:
    row = db.session.get(JourneyContribution, (journey.id, walker.id))
    return row.distance_m if row else Decimal(0)


def events(team, kind: str) -> list[TeamEvent]:
    query = select(TeamEvent).where(TeamEvent.team_id == team.id, TeamEvent.kind == kind)
    return list(db.session.scalars(query.order_by(TeamEvent.id)))


def test_an_activity_counts_for_the_team_journey_and_the_member():
    journey = journey_started(0)
    walker = member_since(journey_team(journey), 0)

    log(walker, 2.5)

    assert journey.distance_m == Decimal("2500.000")
    assert contribution(journey, walker) == Decimal("2500.000")
    [event] = events(journey_team(journey), "activity_logged")
    assert event.actor_id == walker.id and event.data["distance_m"] == 2500.0


def test_an_activity_before_the_journey_started_does_not_count():
    journey = journey_started(2)
    walker = member_since(journey_team(journey), 10)

    log(walker, 3, day=days_ago(3))

    assert journey.distance_m == 0


def test_a_back_dated_activity_inside_the_window_counts():
    journey = journey_started(5)
    walker = member_since(journey_team(journey), 10)

    log(walker, 3, day=days_ago(4))

    assert journey.distance_m == Decimal("3000.000")


def test_an_activity_from_before_the_walker_joined_does_not_count():
    journey = journey_started(5)
    walker = member_since(journey_team(journey), 1)

    log(walker, 3, day=days_ago(3))

    assert journey.distance_m == 0


def a_time_zone_on_another_date_than_utc() -> str:
    """Kiritimati (UTC+14) is a day ahead from 10:00 UTC, Pago Pago (UTC-11) behind until 11:00."""
    return "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"


def test_membership_starts_on_the_walkers_local_date_of_joining():
    journey = journey_started(7)
    walker = make_user(timezone=a_time_zone_on_another_date_than_utc())
    add_member(journey_team(journey), walker)
    local_today = activities.today_for(walker)
    assert local_today != datetime.now(UTC).date()

    log(walker, 1, day=local_today - timedelta(days=1))
    log(walker, 4, day=local_today)

    assert journey.distance_m == Decimal("4000.000")


def test_an_activity_after_the_walker_left_does_not_count_but_earlier_ones_stay():
    journey = journey_started(5)
    team = journey_team(journey)
    walker = member_since(team, 10)
    log(walker, 2, day=days_ago(4))
    teams.leave_team(team, walker)
    membership = next(iter(walker_memberships(walker)))
    membership.left_at = datetime.now(UTC) - timedelta(days=2)
    membership.left_on = days_ago(2)
    db.session.flush()

    log(walker, 5, day=days_ago(1))

    assert journey.distance_m == Decimal("2000.000")


def test_a_walker_in_two_teams_counts_for_both_journeys():
    walker = make_user()
    first, second = journey_started(0), journey_started(0)
    for journey in (first, second):
        add_member(journey_team(journey), walker)

    log(walker, 4)

    assert first.distance_m == second.distance_m == Decimal("4000.000")


def test_editing_across_a_milestone_announces_it_once():
    journey = journey_started(0)
    walker = member_since(journey_team(journey), 0)
    first_stop_km = journey.route.waypoints[1].distance_m / 1000
    activity = log(walker, round(first_stop_km - 1, 3))
    assert events(journey_team(journey), "milestone_reached") == []

    edit(activity, first_stop_km + 0.5)
    edit(activity, first_stop_km - 1)
    edit(activity, first_stop_km + 0.7)

    [milestone] = events(journey_team(journey), "milestone_reached")
    assert milestone.data["waypoint"] == journey.route.waypoints[1].name
    assert float(journey.distance_m) == pytest.approx((first_stop_km + 0.7) * 1000, abs=0.001)


def test_deleting_after_completion_keeps_the_journey_complete():
    journey = journey_started(0)
    walker = member_since(journey_team(journey), 0)
    length_km = journey.route.length_m / 1000
    log(walker, 1)
    last = log(walker, round(length_km, 3))
    assert journey.status == "completed"

    activities.delete_activity(last)
    db.session.refresh(journey)

    assert journey.status == "completed"
    assert journey.distance_m == Decimal("1000.000")
    assert len(events(journey_team(journey), "journey_completed")) == 1


def test_an_activity_logged_after_completion_does_not_count():
    journey = journey_started(3)
    walker = member_since(journey_team(journey), 5)
    log(walker, round(journey.route.length_m / 1000 + 1, 3))
    assert journey.status == "completed"
    total = journey.distance_m

    log(walker, 2, day=days_ago(1))

    assert journey.distance_m == total


def test_the_same_client_id_twice_is_one_activity():
    journey = journey_started(0)
    walker = member_since(journey_team(journey), 0)
    import uuid

    client_id = uuid.uuid4()
    first = log(walker, 2, client_id=client_id)
    again = log(walker, 2, client_id=client_id)

    assert again.id == first.id
    assert journey.distance_m == Decimal("2000.000")


def test_a_replay_weeks_later_answers_as_the_first_did():
    """An offline phone may resend long after: its entry was stored, so it is not refused."""
    walker = make_user()
    first = log(walker, 2, day=days_ago(3))
    data = activities.ActivityInput(Decimal(2000), days_ago(3), "walk")

    again, created = activities.log_activity(walker, first.client_id, data, days_ago(-30))

    assert (again.id, created) == (first.id, False)


def edit(activity, km: float) -> None:
    data = activities.ActivityInput(
        Decimal(str(km)) * 1000, activity.activity_date, activity.kind, None, ""
    )
    activities.edit_activity(activity, data, date.today())
    db.session.expire_all()


def journey_team(journey):
    from milequest.models import Team

    return db.session.get(Team, journey.team_id)


def walker_memberships(walker):
    from milequest.models import Membership

    return db.session.scalars(select(Membership).where(Membership.user_id == walker.id))


def test_edits_and_deletes_move_the_live_totals_without_a_feed_line():
    journey = journey_started(0)
    team = journey_team(journey)
    walker = member_since(team, 0)
    activity = log(walker, 2)

    edit(activity, 3)
    activities.delete_activity(activity)

    assert len(events(team, "activity_changed")) == 2
    feed = [e.kind for e in team_events.recent(team.id)]
    assert feed[:2] == ["badge_earned", "activity_logged"]  # the walk, then its badge
    assert "activity_changed" not in feed
