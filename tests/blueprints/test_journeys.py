import re

from milequest.services.journeying import journeys
from milequest.services.teamwork import teams
from tests.factories import SHORT_WALK, add_member, make_journey, make_route, make_team, make_user
from tests.helpers import post_form, sign_in_as

LONG_WAY = [(-5.7132, 50.0657), (-3.1883, 55.9533), (-3.0690, 58.6440)]


def test_captain_starts_a_journey_and_the_team_page_shows_the_marker(client):
    captain = make_user()
    team = make_team(captain)
    route = make_route(captain, SHORT_WALK, name="Border Stroll")
    sign_in_as(client, captain)

    response = post_form(client, f"/teams/{team.id}/journeys/", {"route_id": str(route.id)})

    assert response.status_code == 303
    page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "Border Stroll" in page
    assert "route-svg__marker" in page and "<progress" in page
    assert "Next milestone" in page
    assert "started the journey along Border Stroll" in page


def test_a_member_sees_the_journey_and_its_route(client):
    journey = make_journey(distance_m=2_000)
    team = journeys_team(journey)
    walker = add_member(team).user
    sign_in_as(client, walker)

    assert "route-svg__marker" in client.get(f"/teams/{team.id}/journeys/").get_data(as_text=True)
    assert client.get(f"/routes/{journey.route_id}").status_code == 200  # a captain's own route


def test_starting_a_second_journey_is_a_clear_422(client):
    journey = make_journey()
    team = journeys_team(journey)
    route = make_route(team.created_by, SHORT_WALK)
    sign_in_as(client, team.created_by)

    response = post_form(client, f"/teams/{team.id}/journeys/", {"route_id": str(route.id)})

    assert response.status_code == 422


def test_a_stranger_route_cannot_be_walked(client):
    captain = make_user()
    team = make_team(captain)
    strangers = make_route(make_user(), SHORT_WALK)
    sign_in_as(client, captain)

    response = post_form(client, f"/teams/{team.id}/journeys/", {"route_id": str(strangers.id)})

    assert response.status_code == 422  # not among the choices
    assert journeys.active_journey(team) is None


def test_captain_abandons_the_journey(client):
    journey = make_journey()
    team = journeys_team(journey)
    sign_in_as(client, team.created_by)

    response = post_form(client, f"/teams/{team.id}/journeys/abandon", {})

    assert response.status_code == 303
    assert journey.status == "abandoned"
    assert "abandoned" in client.get(f"/teams/{team.id}/journeys/").get_data(as_text=True)


def test_an_archived_team_lists_its_journeys_and_offers_no_new_one(client):
    journey = make_journey()
    team = journeys_team(journey)
    teams.archive_team(team, team.created_by)
    sign_in_as(client, team.created_by)

    page = client.get(f"/teams/{team.id}/journeys/").get_data(as_text=True)

    assert "This team is archived: it starts no more journeys." in page
    assert "start-journey-form" not in page and "Abandon journey" not in page
    assert f"<strong>{journey.route.name}</strong>: abandoned" in page


def test_team_page_map_of_a_2000_vertex_route_is_under_10_kb(app, client):
    captain = make_user()
    team = make_team(captain)
    app.config["ROUTE_SEGMENT_MAX_M"] = 450
    try:
        route = make_route(captain, LONG_WAY)
    finally:
        app.config["ROUTE_SEGMENT_MAX_M"] = 10_000
    assert len(route.vertex_distances_m) > 2000
    make_journey(team, route, distance_m=route.length_m / 3)
    sign_in_as(client, captain)

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    [svg] = re.findall(r"<svg id=\"route-map-.*?</svg>", page, re.S)
    assert len(svg.encode()) < 10_000
    assert "<title" in svg and "<desc" in svg and "route-svg__walked" in svg


def journeys_team(journey):
    from milequest.extensions import db
    from milequest.models import Team

    return db.session.get(Team, journey.team_id)
