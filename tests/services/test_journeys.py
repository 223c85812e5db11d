from datetime import date, timedelta

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Team, TeamEvent
from milequest.services.atlas import route_positions
from milequest.services.journeying import journeys
from milequest.services.teamwork import teams
from tests.factories import SHORT_WALK, make_draft, make_journey, make_route, make_team


def kinds(team) -> list[str]:
    query = select(TeamEvent.kind).where(TeamEvent.team_id == team.id).order_by(TeamEvent.id)
    return list(db.session.scalars(query))


def test_starting_a_journey_makes_it_the_active_one():
    journey = make_journey()
    team = journey_team(journey)

    assert journeys.active_journey(team) == journey
    assert (journey.status, journey.distance_m) == ("active", 0)
    assert kinds(team)[-1] == "journey_started"


def test_a_team_has_one_active_journey_at_a_time():
    team = make_team()
    make_journey(team)
    with pytest.raises(journeys.JourneyError, match="already on a journey"):
        make_journey(team)
    assert kinds(team).count("journey_started") == 1


def test_a_route_that_is_not_built_cannot_be_walked():
    team = make_team()
    draft = make_draft(team.created_by, SHORT_WALK)
    with pytest.raises(journeys.JourneyError, match="not ready"):
        journeys.start_journey(team, draft, team.created_by, date.today())


def test_a_target_date_before_the_start_is_refused():
    team = make_team()
    route = make_route(team.created_by, SHORT_WALK)
    with pytest.raises(journeys.JourneyError, match="after the start"):
        journeys.start_journey(
            team, route, team.created_by, date.today(), date.today() - timedelta(days=1)
        )


def test_abandoning_moves_the_journey_to_history_and_frees_the_team():
    journey = make_journey()
    team = journey_team(journey)

    journeys.abandon_journey(journey, team.created_by)

    assert journeys.active_journey(team) is None
    assert journeys.past_journeys(team) == [journey]
    make_journey(team)  # a new one can start
    assert kinds(team)[-3:] == ["journey_started", "journey_abandoned", "journey_started"]


def test_reaching_the_end_completes_the_journey_once():
    journey = make_journey(distance_m=5_000)
    assert journeys.complete_if_finished(journey) is False

    journey.distance_m = journey.route.length_m + 10
    assert journeys.complete_if_finished(journey) is True
    assert journeys.complete_if_finished(journey) is False

    assert journey.status == "completed" and journey.ended_at is not None
    assert kinds(journey_team(journey)).count("journey_completed") == 1


def test_progress_is_the_geodesic_position_and_the_next_milestone():
    journey = make_journey(distance_m=3_000)

    progress = journeys.progress(journey)

    expected = route_positions.position_at(journey.route_id, 3_000)
    assert (progress.position.lon, progress.position.lat) == (expected.lon, expected.lat)
    assert progress.next_milestone.waypoint == journey.route.waypoints[1]
    assert progress.next_milestone.distance_to_m == pytest.approx(
        journey.route.waypoints[1].distance_m - 3_000
    )
    assert 0 < progress.percent < 100


def test_progress_past_the_end_stays_at_the_end():
    journey = make_journey()
    journey.distance_m = journey.route.length_m * 2

    progress = journeys.progress(journey)

    assert progress.distance_m == journey.route.length_m
    assert progress.position.at_end and progress.next_milestone is None
    assert progress.percent == 100.0


def test_an_archived_team_cannot_start_a_journey():
    team = make_team()
    route = make_route(team.created_by, SHORT_WALK)
    teams.archive_team(team, team.created_by)
    with pytest.raises(journeys.JourneyError, match="archived"):
        journeys.start_journey(team, route, team.created_by, date.today())


def journey_team(journey) -> Team:
    return db.session.get(Team, journey.team_id)
