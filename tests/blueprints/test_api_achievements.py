"""The API's achievements: the week against the goal, streaks and badges, and setting the goal."""

from datetime import timedelta

from milequest.services.walks import activities
from tests.api_helpers import bearer, token_for
from tests.factories import log, make_user


def test_achievements_give_the_week_the_streak_and_the_badges(client):
    walker = make_user(units="km", weekly_goal_m=10_000)
    today = activities.today_for(walker)
    for days_ago in (2, 1, 0):
        log(walker, 2, day=today - timedelta(days=days_ago))
    response = client.get("/api/v1/me/achievements", headers=bearer(token_for(walker, "read")))
    assert response.status_code == 200, response.json
    body = response.json
    this_week = sum(2000 for d in (2, 1, 0) if today - timedelta(days=d) >= _monday(today))
    assert body["this_week_m"] == this_week
    assert body["goal_percent"] == round(this_week * 100 / 10_000, 1)
    assert body["all_time_m"] == 6000
    assert body["daily_streak"] == {
        "days": 3,
        "walked_today": True,
        "at_risk": False,
        "rest_day_free": True,
    }
    assert [b["kind"] for b in body["badges"]] == ["first_walk"]
    assert body["badges"][0]["name"] == "First walk"


def test_a_field_mask_and_an_etag_work_as_elsewhere(client):
    headers = bearer(token_for(make_user(), "read"))
    first = client.get("/api/v1/me/achievements?fields=daily_streak(days)", headers=headers)
    assert first.json == {"daily_streak": {"days": 0}}
    again = client.get(
        "/api/v1/me/achievements?fields=daily_streak(days)",
        headers=headers | {"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_weekly_goal_is_set_and_cleared_with_a_write_token(client):
    walker = make_user()
    headers = bearer(token_for(walker))
    set_it = client.put("/api/v1/me/weekly-goal", json={"weekly_goal_m": 20_000}, headers=headers)
    assert set_it.status_code == 200, set_it.json
    assert set_it.json["weekly_goal_m"] == 20_000
    assert walker.weekly_goal_m == 20_000
    cleared = client.put("/api/v1/me/weekly-goal", json={"weekly_goal_m": None}, headers=headers)
    assert cleared.json["weekly_goal_m"] is None
    assert walker.weekly_goal_m is None


def test_a_bad_goal_is_refused_field_by_field_and_changes_nothing(client):
    walker = make_user(weekly_goal_m=5_000)
    headers = bearer(token_for(walker))
    for body in ({"weekly_goal_m": 0}, {"weekly_goal_m": 10**7}, {"weekly_goal_m": "lots"}, {}):
        refused = client.put("/api/v1/me/weekly-goal", json=body, headers=headers)
        assert refused.status_code == 422, body
        assert "weekly_goal_m" in refused.json["errors"][0]["field"], refused.json
    assert walker.weekly_goal_m == 5_000


def test_a_read_only_token_cannot_set_the_goal(client):
    walker = make_user(weekly_goal_m=5_000)
    refused = client.put(
        "/api/v1/me/weekly-goal",
        json={"weekly_goal_m": 1},
        headers=bearer(token_for(walker, "read")),
    )
    assert refused.status_code == 403
    assert walker.weekly_goal_m == 5_000


def _monday(day):
    return day - timedelta(days=day.weekday())
