"""The health-app ingest: one activity per walker, source and day; re-posts update it."""

from datetime import timedelta

from milequest.services.walks import activities
from tests.api_helpers import bearer, token_for
from tests.factories import make_user

URL = "/api/v1/health/daily-totals"


def export(*days, distance_unit: str | None = None) -> dict:
    """Health Auto Export's JSON: (date, steps, distance) per day."""
    steps = {"name": "step_count", "units": "count", "data": []}
    distance = {"name": "walking_running_distance", "units": distance_unit or "km", "data": []}
    for day, step_count, km in days:
        stamp = f"{day.isoformat()} 00:00:00 +0100"
        steps["data"].append({"date": stamp, "qty": step_count, "source": "iPhone"})
        if km is not None:
            distance["data"].append({"date": stamp, "qty": km})
    return {"data": {"metrics": [steps, distance, {"name": "heart_rate", "data": []}]}}


def test_a_day_is_logged_once_and_a_repost_updates_it(client):
    walker = make_user()
    headers = bearer(token_for(walker))
    today = activities.today_for(walker)

    first = client.post(URL + "?source=iphone", json=export((today, 4000, 3.1)), headers=headers)
    again = client.post(URL + "?source=iphone", json=export((today, 6000, 4.6)), headers=headers)

    assert first.json["days"][0]["outcome"] == "created"
    assert again.json["days"][0]["outcome"] == "updated"
    assert again.json["days"][0]["activity_id"] == first.json["days"][0]["activity_id"]
    listed = client.get("/api/v1/me/activities", headers=headers).json["items"]
    assert [(a["distance_m"], a["note"]) for a in listed] == [
        (4600.0, "Daily total from iphone, 6,000 steps")
    ]


def test_steps_alone_count_at_the_default_stride_and_sources_stay_apart(client):
    walker = make_user()
    headers = bearer(token_for(walker))
    today = activities.today_for(walker)
    body = export((today, 10_000, None))
    body["data"]["metrics"].pop(1)

    watch = client.post(URL + "?source=watch", json=body, headers=headers)
    phone = client.post(URL + "?source=phone", json=body, headers=headers)

    assert watch.json["days"][0]["distance_m"] == 7600.0
    assert phone.json["days"][0]["activity_id"] != watch.json["days"][0]["activity_id"]


def test_a_day_too_old_is_refused_and_the_others_are_logged(client):
    walker = make_user()
    today = activities.today_for(walker)
    old = today - timedelta(days=40)
    answer = client.post(
        URL, json=export((old, 3000, 2.0), (today, 3000, 2.0)), headers=bearer(token_for(walker))
    )
    outcomes = [(d["outcome"], d["problems"]) for d in answer.json["days"]]
    assert outcomes == [
        ("refused", {"activity_date": "Activities can be logged up to 14 days back."}),
        ("created", None),
    ]


def test_a_read_token_cannot_post_and_nonsense_is_a_422_problem(client):
    walker = make_user()
    assert (
        client.post(URL, json=export(), headers=bearer(token_for(walker, "read"))).status_code
        == 403
    )
    refused = client.post(URL, json={"steps": 5}, headers=bearer(token_for(walker)))
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert "metrics" in refused.json["detail"]
