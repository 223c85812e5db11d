import csv
import io
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity
from tests.factories import add_member, log, make_journey, make_user
from tests.helpers import post_form, sign_in_as

TODAY = date.today()


def walker_on_a_journey():
    journey = make_journey()
    from milequest.models import Team

    team = db.session.get(Team, journey.team_id)
    return add_member(team).user, team, journey


def form(**fields) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "distance": "2.5",
        "unit": "km",
        "activity_date": TODAY.isoformat(),
        "kind": "walk",
        "duration_minutes": "",
        "note": "",
        **fields,
    }


def count_activities() -> int:
    return db.session.scalar(select(func.count()).select_from(Activity))


def test_logging_from_the_team_page_lands_back_on_it(client):
    walker, team, journey = walker_on_a_journey()
    sign_in_as(client, walker)

    response = post_form(client, "/activities/", form(team_id=str(team.id)))

    assert response.status_code == 303
    assert response.headers["Location"] == f"/teams/{team.id}"
    db.session.refresh(journey)
    assert journey.distance_m == Decimal("2500.000")
    page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "logged 2.5 km" in page and 'id="leaderboard"' in page


def test_a_replayed_form_answers_the_same_and_counts_once(client):
    walker, team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)
    data = form(team_id=str(team.id))

    first = post_form(client, "/activities/", data)
    again = post_form(client, "/activities/", data)

    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert count_activities() == 1


def test_miles_are_converted_to_metres(client):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)
    post_form(client, "/activities/", form(distance="1", unit="mi"))
    assert db.session.scalar(select(Activity.distance_m)) == Decimal("1609.344")


def test_a_quick_pick_button_logs_its_distance(client):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)
    post_form(client, "/activities/", form(distance="", quick="5"))
    assert db.session.scalar(select(Activity.distance_m)) == Decimal("5000.000")


@pytest.mark.parametrize(
    ("radio", "quick", "metres"),
    [("km", "2 mi", "3218.688"), ("mi", "5 km", "5000.000"), ("mi", "3 mi", "4828.032")],
)
def test_a_quick_pick_logs_the_unit_it_names_whatever_the_radio_says(client, radio, quick, metres):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)
    post_form(client, "/activities/", form(distance="", unit=radio, quick=quick))
    assert db.session.scalar(select(Activity.distance_m)) == Decimal(metres)


@pytest.mark.parametrize("units", ["km", "mi"])
def test_every_quick_pick_button_says_what_it_logs(client, units):
    walker, team, _journey = walker_on_a_journey()
    walker.units = units
    sign_in_as(client, walker)
    for url in ("/activities/new", f"/teams/{team.id}"):
        page = client.get(url).get_data(as_text=True)
        buttons = re.findall(
            r'<button type="submit" name="quick" value="([^"]*)"[^>]*>([^<]*)<', page
        )
        said = sorted(label for _value, label in buttons)
        steps = ["2,000 steps", "5,000 steps", "10,000 steps"]
        assert said == sorted(["1 km", "1 mi", "2 km", "2 mi", "3 mi", "5 km", *steps]), url
        assert all(value == label for value, label in buttons), url


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"distance": "-3"}, "above 0"),
        ({"distance": "0"}, "above 0"),
        ({"distance": "251"}, "at most 250 km"),
        ({"distance": "1e9"}, "at most 250 km"),
        ({"distance": "far"}, "as a number, like 3.5"),
        ({"distance": "three"}, "as a number, like 3.5"),
        ({"distance": "251", "unit": "mi"}, "at most 155.3 miles"),
        ({"distance": "2", "unit": "mi", "duration_minutes": "5"}, "24 mph is too fast"),
        ({"duration_minutes": "0"}, "above 0, or leave it empty"),
        ({"duration_minutes": "1.5"}, "whole minutes"),
        ({"activity_date": "2026-02-30"}, "2026-02-30 is not a date on the calendar"),
        ({"distance": "NaN"}, "as a number"),
        ({"distance": "Infinity"}, "as a number"),
        ({"distance": "-inf"}, "as a number"),
        ({"distance": "1e999999"}, "as a number"),
        ({"distance": ""}, "Enter how far you went"),
        ({"unit": "furlongs"}, "Not a valid choice"),
        ({"activity_date": (TODAY + timedelta(days=1)).isoformat()}, "in the future"),
        ({"activity_date": (TODAY - timedelta(days=15)).isoformat()}, "up to 14 days back"),
        ({"distance": "20", "duration_minutes": "30"}, "too fast for a walk"),
        ({"duration_minutes": "-5"}, "above 0"),
        ({"duration_minutes": "99999999"}, "at most 7 days"),
        ({"note": "what the fuck"}, "without profanity"),
        ({"note": "x" * 501}, "at most 500"),
        ({"client_id": "not-a-uuid"}, "reload the page"),
    ],
)
def test_bad_input_is_a_422_that_keeps_the_input_and_logs_nothing(client, fields, message):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)

    response = post_form(client, "/activities/", form(**{"note": "sunny loop", **fields}))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    if "note" not in fields:
        assert "sunny loop" in page
    assert count_activities() == 0


@pytest.mark.parametrize(
    ("typed", "language", "metres"),
    [
        ("12,5", "de-DE,de;q=0.9", "12500.000"),
        ("12,5", "en-GB", "12500.000"),
        ("1,250", "fr", "1250.000"),
        (" 3.25 ", "en", "3250.000"),
    ],
)
def test_a_decimal_comma_is_read_where_the_walker_writes_one(client, typed, language, metres):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language

    response = post_form(client, "/activities/", form(distance=typed))

    assert response.status_code == 303
    assert db.session.scalar(select(Activity.distance_m)) == Decimal(metres)


def test_a_thousands_comma_in_english_is_told_how_far_is_too_far(client):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US"

    response = post_form(client, "/activities/", form(distance="1,250"))

    assert response.status_code == 422 and "at most 250 km" in response.get_data(as_text=True)


def test_a_number_the_walker_typed_is_shown_back_as_typed(client):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)

    page = post_form(client, "/activities/", form(distance="2,5", kind="skydive")).get_data(
        as_text=True
    )

    assert 'value="2,5"' in page and 'type="text"' in page


def test_a_double_sent_delete_says_the_walk_is_already_gone(client):
    walker, _team, journey = walker_on_a_journey()
    activity = log(walker, 2)
    sign_in_as(client, walker)

    first = post_form(client, f"/activities/{activity.id}/delete", {})
    second = post_form(client, f"/activities/{activity.id}/delete", {})

    assert first.status_code == 303
    assert second.status_code == 404
    assert "taken off the totals once" in second.get_data(as_text=True)
    db.session.refresh(journey)
    assert journey.distance_m == 0


def test_a_run_may_be_faster_than_a_walk(client):
    walker, _team, _journey = walker_on_a_journey()
    sign_in_as(client, walker)
    response = post_form(
        client, "/activities/", form(distance="10", duration_minutes="45", kind="run")
    )
    assert response.status_code == 303


def test_editing_and_deleting_move_the_counters(client):
    walker, _team, journey = walker_on_a_journey()
    activity = log(walker, 2)
    sign_in_as(client, walker)

    post_form(
        client,
        f"/activities/{activity.id}/edit",
        form(distance="3", client_id=str(activity.client_id)),
    )
    db.session.refresh(journey)
    assert journey.distance_m == Decimal("3000.000")

    post_form(client, f"/activities/{activity.id}/delete", {})
    db.session.refresh(journey)
    assert journey.distance_m == 0 and count_activities() == 0


def test_someone_elses_activity_is_not_there(client):
    owner = make_user()
    activity = log(owner, 2)
    sign_in_as(client, make_user())

    assert client.get(f"/activities/{activity.id}/edit").status_code == 404
    assert post_form(client, f"/activities/{activity.id}/delete", {}).status_code == 404
    assert post_form(client, f"/activities/{activity.id}/edit", form()).status_code == 404
    assert count_activities() == 1


def test_my_activities_pages_with_a_cursor_and_exports_csv(client):
    walker = make_user()
    for n in range(30):
        log(walker, 1 + n / 100, day=TODAY - timedelta(days=n % 14))
    sign_in_as(client, walker)

    first = client.get("/activities/").get_data(as_text=True)
    older = first.split('href="/activities/?before=')[1].split('"')[0]
    second = client.get(f"/activities/?before={older}").get_data(as_text=True)
    export = client.get("/activities/export.csv")

    assert first.count('class="activity-item"') == 25
    assert second.count('class="activity-item"') == 5
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0][:3] == ["date", "kind", "distance_m"] and len(rows) == 31
    assert export.headers["Content-Disposition"].startswith("attachment")


def test_the_dashboard_shows_week_total_and_streak(client):
    walker = make_user()
    for n in range(3):
        log(walker, 2, day=TODAY - timedelta(days=n))
    log(walker, 1, day=TODAY - timedelta(days=8))  # last week: all time only, breaks no streak
    sign_in_as(client, walker)
    days_this_week = min(3, TODAY.weekday() + 1)  # the week starts on Monday

    page = client.get("/dashboard").get_data(as_text=True)

    assert "3 days" in page
    assert f"<dt>This week</dt><dd>{2 * days_this_week:.1f} km</dd>" in page
    assert "<dt>All time</dt><dd>7.0 km</dd>" in page
