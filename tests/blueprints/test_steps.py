"""Steps as a unit: the log form and the API take steps, counted at the walker's stride."""

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.forms.activities import parse_steps
from milequest.models import Activity, Team, User
from milequest.services.walks import activities
from tests.api_helpers import bearer, token_for
from tests.factories import add_member, make_journey, make_user
from tests.helpers import post_form, sign_in_as


def form(**fields) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "distance": "",
        "unit": "steps",
        "activity_date": date.today().isoformat(),
        "kind": "walk",
        **fields,
    }


def save_stride(client, stride: str):
    profile = {"display_name": "Ann", "units": "km", "timezone": "UTC", "stride_cm": stride}
    return post_form(client, "/profile", profile, token_page="/profile")


def logged() -> list[tuple[Decimal, int | None]]:
    return [tuple(row) for row in db.session.execute(select(Activity.distance_m, Activity.steps))]


def test_steps_count_at_the_default_stride_and_the_lists_show_both(client):
    journey = make_journey()
    team = db.session.get(Team, journey.team_id)
    walker = add_member(team).user
    sign_in_as(client, walker)

    response = post_form(client, "/activities/", form(distance="8,000"))

    assert response.status_code == 303
    assert logged() == [(Decimal("6080.000"), 8000)]
    assert "8,000 steps · 6.1 km" in client.get("/activities/").get_data(as_text=True)
    team_page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "logged 8,000 steps · 6.1 km (walk)" in team_page


def test_a_stride_set_on_the_profile_counts_and_a_quick_pick_logs_steps(client):
    walker = make_user()
    sign_in_as(client, walker)
    saved = save_stride(client, "70")
    assert saved.status_code == 303
    assert db.session.get(User, walker.id).stride_cm == 70

    page = client.get("/activities/new").get_data(as_text=True)
    assert 'value="10,000 steps"' in page and 'value="steps"' in page
    post_form(client, "/activities/", form(unit="km", quick="10,000 steps"))

    assert logged() == [(Decimal("7000.000"), 10000)]


@pytest.mark.parametrize("stride", ["20", "151", "tall"])
def test_a_stride_out_of_range_is_refused_in_words(client, stride):
    walker = make_user()
    sign_in_as(client, walker)
    response = save_stride(client, stride)
    assert response.status_code == 422
    assert "Enter a stride from 30 to 150 cm" in response.get_data(as_text=True)
    assert db.session.get(User, walker.id).stride_cm is None


@pytest.mark.parametrize("typed", ["0", "", "100001", "8.5", "eight", "1e4"])
def test_steps_out_of_range_are_refused_in_steps(client, typed):
    walker = make_user()
    sign_in_as(client, walker)

    response = post_form(client, "/activities/", form(distance=typed))

    assert response.status_code == 422
    assert "Enter 1 to 100,000 steps." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


@pytest.mark.parametrize(
    ("typed", "steps"),
    [("8000", 8000), ("8,000", 8000), ("8.000", 8000), ("8 000", 8000), ("100,000", 100_000)],
)
def test_steps_are_read_as_walkers_write_them(typed, steps):
    assert parse_steps(typed) == steps


def test_editing_a_walk_logged_in_steps_shows_its_steps(client):
    walker = make_user()
    sign_in_as(client, walker)
    post_form(client, "/activities/", form(distance="5000"))
    activity = db.session.scalars(select(Activity)).one()

    page = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)

    assert 'value="5000"' in page
    assert re.search(r'<input checked[^>]*value="steps"', page)


def test_the_api_logs_steps_and_a_patch_keeps_them_unless_it_sends_a_distance(client):
    walker = make_user()
    walker.stride_cm = 80
    headers = bearer(token_for(walker))

    created = client.post(
        "/api/v1/me/activities", json={"distance": 5000, "unit": "steps"}, headers=headers
    )
    assert created.status_code == 201, created.json
    assert (created.json["distance_m"], created.json["steps"]) == (4000.0, 5000)
    url = created.headers["Location"]

    noted = client.patch(url, json={"note": "park"}, headers=headers)
    assert (noted.json["distance_m"], noted.json["steps"]) == (4000.0, 5000)
    moved = client.patch(url, json={"distance": "3"}, headers=headers)
    assert (moved.json["distance_m"], moved.json["steps"]) == (3000.0, None)

    refused = client.post(
        "/api/v1/me/activities", json={"distance": 200_000, "unit": "steps"}, headers=headers
    )
    assert refused.status_code == 422
    assert "Enter 1 to 100,000 steps." in refused.get_data(as_text=True)


def test_the_health_ingest_counts_steps_at_the_walkers_stride(client):
    walker = make_user()
    walker.stride_cm = 80
    headers = bearer(token_for(walker))
    today = activities.today_for(walker)
    stamp = f"{today.isoformat()} 00:00:00 +0000"
    steps = {"name": "step_count", "units": "count", "data": [{"date": stamp, "qty": 10_000}]}

    response = client.post(
        "/api/v1/health/daily-totals?source=watch",
        json={"data": {"metrics": [steps]}},
        headers=headers,
    )

    assert response.json["days"][0]["distance_m"] == 8000.0
