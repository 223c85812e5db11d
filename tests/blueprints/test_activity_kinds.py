"""Kinds beyond walking on the pages and the API: the conversion table anyone can read, the log
form's kinds and its refusals in the walker's units, and both distances wherever a walk is told."""

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Activity, Team
from tests.api_helpers import bearer, token_for
from tests.factories import add_member, make_journey, make_user
from tests.helpers import post_form, sign_in_as


def form(**fields) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "distance": "12",
        "unit": "km",
        "activity_date": date.today().isoformat(),
        "kind": "cycle",
        "duration_minutes": "",
        "note": "",
        **fields,
    }


def member_on_a_journey(**user_fields):
    journey = make_journey()
    team = db.session.get(Team, journey.team_id)
    return add_member(team, make_user(**user_fields)).user, team, journey


@pytest.mark.parametrize("who", ["visitor", "captain"])
def test_the_conversion_table_shows_each_factor_with_its_sources(client, who):
    if who == "captain":
        _walker, team, _journey = member_on_a_journey()
        sign_in_as(client, team.created_by)

    page = client.get("/activity-kinds").get_data(as_text=True)

    for label in ("Walk", "Wheelchair", "Cycle", "Swim", "Row"):
        assert f"<h2>{label}</h2>" in page
    assert "10.0 km counts 3.3 km</strong> (factor 0.3333)" in page
    assert "10.0 km counts 30.0 km</strong> (factor 3)" in page
    assert "10.0 km counts 10.0 km</strong> (1:1)" in page
    assert 'href="https://www.lrhc.org/move-more-explore-more/conversion-chart/"' in page
    assert "report 1 mile for every 3 biked" in page


def test_the_table_speaks_the_walkers_units(client):
    sign_in_as(client, make_user(units="mi"))

    page = client.get("/activity-kinds").get_data(as_text=True)

    assert "10.0 mi counts 8.0 mi</strong> (factor 0.8)" in page


def test_a_ride_logged_from_the_team_page_tells_both_distances(client):
    walker, team, journey = member_on_a_journey()
    sign_in_as(client, walker)
    team_page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert 'href="/activity-kinds">How other activities count</a>' in team_page
    assert '<option value="cycle">Cycle</option>' in team_page

    response = post_form(client, "/activities/", form(team_id=str(team.id)))

    assert response.status_code == 303
    db.session.refresh(journey)
    assert float(journey.distance_m) == 3999.6
    team_page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "logged 12.0 km (cycle) · counts 4.0 km" in team_page
    mine = client.get("/activities/").get_data(as_text=True)
    assert "12.0 km</strong> cycle · counts 4.0 km" in mine


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"distance": "8,000", "unit": "steps"},
            "Steps are for activities on foot: log a cycle in km or miles.",
        ),
        ({"distance": "60", "unit": "mi", "duration_minutes": "30"}, "120 mph is too fast"),
        ({"kind": "unicycle"}, "Not a valid choice"),
    ],
)
def test_a_refused_ride_is_told_in_the_walkers_units_with_the_kind_shown(client, fields, message):
    walker, _team, _journey = member_on_a_journey(units="mi")
    sign_in_as(client, walker)

    response = post_form(client, "/activities/", form(**fields))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert '<details class="more-fields" open>' in page  # the kind's field is in "More"


def test_the_api_takes_a_swim_and_says_what_it_counts(client):
    walker, _team, journey = member_on_a_journey()
    headers = bearer(token_for(walker))

    created = client.post(
        "/api/v1/me/activities", json={"distance": "1.5", "kind": "swim"}, headers=headers
    )

    assert created.status_code == 201, created.json
    body = created.json
    assert (body["kind"], body["distance_m"], body["count_factor"]) == ("swim", 1500.0, 3.0)
    assert body["counted_m"] == 4500.0
    moved = client.patch(created.headers["Location"], json={"distance": "2"}, headers=headers)
    assert (moved.json["distance_m"], moved.json["counted_m"]) == (2000.0, 6000.0)
    db.session.refresh(journey)
    assert float(journey.distance_m) == 6000.0


def test_editing_a_ride_says_what_it_counts_and_keeps_its_factor(client):
    walker, _team, journey = member_on_a_journey()
    sign_in_as(client, walker)
    post_form(client, "/activities/", form(distance="9"))
    activity_id = db.session.scalar(select(Activity.id).where(Activity.user_id == walker.id))

    page = client.get(f"/activities/{activity_id}/edit").get_data(as_text=True)
    assert "This cycle counts 3.0 km for your teams (its 9.0 km at the factor 0.3333" in page
    post_form(
        client,
        f"/activities/{activity_id}/edit",
        form(distance="30"),
        token_page=f"/activities/{activity_id}/edit",
    )

    db.session.refresh(journey)
    assert float(journey.distance_m) == 9999.0
