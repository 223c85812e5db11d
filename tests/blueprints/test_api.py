"""The API: tokens, field masks, ETags, paging, problems and the team-isolation matrix."""

import pytest
from flask import current_app

from milequest.blueprints.team_scope import TEAM_SCOPED
from milequest.extensions import db
from milequest.models.base import utcnow
from milequest.services.walkers import api_tokens
from tests.api_helpers import bearer, token_for
from tests.factories import add_member, log, make_journey, make_team, make_user, team_walk
from tests.helpers import csrf_token, sign_in_as


def test_me_answers_the_tokens_walker(client):
    walker = make_user(display_name="Tess Token")
    response = client.get("/api/v1/me", headers=bearer(token_for(walker, "read")))
    assert response.status_code == 200
    assert response.json["display_name"] == "Tess Token"
    assert response.headers["RateLimit-Limit"] == "300"
    assert int(response.headers["RateLimit-Remaining"]) == 299


@pytest.mark.parametrize("trouble", ["revoked", "expired", "unknown", "missing"])
def test_a_token_that_does_not_work_is_refused_with_401(client, trouble):
    walker = make_user()
    secret = token_for(walker)
    token = api_tokens.authenticate(secret)
    if trouble == "revoked":
        api_tokens.revoke_token(walker, token.id)
    if trouble == "expired":
        token.expires_at = utcnow()
    db.session.flush()
    headers = {"unknown": bearer("mq_" + "x" * 43), "missing": {}}.get(trouble, bearer(secret))
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_read_only_token_cannot_write_and_needs_no_csrf_to_read(client):
    secret = token_for(make_user(), "read")
    response = client.post("/api/v1/me/activities", json={"distance": "3"}, headers=bearer(secret))
    assert response.status_code == 403
    assert "read-only" in response.json["detail"]


def test_a_write_token_logs_without_csrf_and_a_session_needs_it(client):
    walker = make_user(units="km")
    created = client.post(
        "/api/v1/me/activities", json={"distance": "3.5"}, headers=bearer(token_for(walker))
    )
    assert created.status_code == 201, created.json
    assert created.json["distance_m"] == 3500.0
    session_client = current_app.test_client()
    sign_in_as(session_client, walker)
    assert session_client.post("/api/v1/me/activities", json={"distance": "1"}).status_code == 403
    with_csrf = session_client.post(
        "/api/v1/me/activities",
        json={"distance": "1"},
        headers={"X-CSRFToken": csrf_token(session_client)},
    )
    assert with_csrf.status_code == 201


def test_another_walkers_token_reaches_only_its_own_walkers_activities(client):
    owner, other = make_user(), make_user()
    activity = log(owner, 2)
    headers = bearer(token_for(other))
    assert client.get(f"/api/v1/me/activities/{activity.id}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/me/activities/{activity.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/me/activities", headers=headers).json["items"] == []


def test_validation_problems_use_the_log_forms_words(client):
    secret = token_for(make_user())
    response = client.post(
        "/api/v1/me/activities",
        json={"distance": "three", "activity_date": "2001-01-01"},
        headers=bearer(secret),
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = {e["field"]: e["detail"] for e in response.json["errors"]}
    assert errors["distance"] == "Enter the distance as a number, like 3.5."
    too_old = client.post(
        "/api/v1/me/activities",
        json={"distance": "3", "activity_date": "2001-01-01"},
        headers=bearer(secret),
    )
    assert too_old.status_code == 422
    assert too_old.json["errors"][0] == {
        "field": "activity_date",
        "pointer": "#/activity_date",
        "detail": "Activities can be logged up to 14 days back.",
    }


def test_a_replayed_key_answers_as_the_first_time_and_logs_once(client):
    walker = make_user()
    headers = bearer(token_for(walker)) | {"Idempotency-Key": "walk-42"}
    first = client.post("/api/v1/me/activities", json={"distance": "2"}, headers=headers)
    again = client.post("/api/v1/me/activities", json={"distance": "2"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/me/activities", headers=bearer(token_for(walker)))
    assert len(listed.json["items"]) == 1


def test_edit_and_delete_move_the_activity(client):
    walker = make_user()
    headers = bearer(token_for(walker))
    activity = log(walker, 2)
    edited = client.patch(
        f"/api/v1/me/activities/{activity.id}", json={"note": "Loch loop"}, headers=headers
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["note"] == "Loch loop" and edited.json["distance_m"] == 2000.0
    assert client.delete(f"/api/v1/me/activities/{activity.id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/me/activities/{activity.id}", headers=headers).status_code == 404


def test_fields_pick_nested_parts_and_an_unknown_field_is_named(client):
    team, walker, _ = team_walk(3)
    headers = bearer(token_for(walker, "read"))
    url = f"/api/v1/teams/{team.id}?fields=id,name,journey(progress(distance_m),next_milestone)"
    body = client.get(url, headers=headers).json
    assert set(body) == {"id", "name", "journey"}
    assert set(body["journey"]) == {"progress", "next_milestone"}
    assert body["journey"]["progress"] == {"distance_m": 3000.0}
    unknown = client.get(f"/api/v1/teams/{team.id}?fields=id,journey(speed)", headers=headers)
    assert unknown.status_code == 400
    assert unknown.json["field"] == "journey.speed"
    assert "journey.speed" in unknown.json["detail"]


def test_an_unchanged_read_answers_304_to_its_etag(client):
    team, walker, _ = team_walk(3)
    headers = bearer(token_for(walker)) | {"Accept-Encoding": "br, gzip"}  # as a real client
    first = client.get(f"/api/v1/teams/{team.id}/leaderboard", headers=headers)
    etag = first.headers["ETag"]
    again = client.get(
        f"/api/v1/teams/{team.id}/leaderboard", headers=headers | {"If-None-Match": etag}
    )
    assert again.status_code == 304
    log(walker, 1)
    changed = client.get(
        f"/api/v1/teams/{team.id}/leaderboard", headers=headers | {"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.json["items"][0]["distance_m"] == 4000.0


def test_events_page_newest_first_with_a_link_and_follow_after_an_id(client, monkeypatch):
    from milequest.blueprints.api import teams as team_api

    monkeypatch.setattr(team_api, "EVENTS_PAGE", 2)
    team, walker, _ = team_walk(1)
    log(walker, 2)
    headers = bearer(token_for(walker))
    first = client.get(f"/api/v1/teams/{team.id}/events", headers=headers)
    ids = [e["id"] for e in first.json["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 2
    assert 'rel="next"' in first.headers["Link"]
    second = client.get(
        f"/api/v1/teams/{team.id}/events?cursor={first.json['next_cursor']}", headers=headers
    )
    assert max(e["id"] for e in second.json["items"]) < min(ids)
    follow = client.get(f"/api/v1/teams/{team.id}/events?after={min(ids)}", headers=headers)
    assert [e["id"] for e in follow.json["items"]] == [max(ids)]


def test_a_rate_limited_token_gets_a_429_problem(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_API", "2 per minute")
    headers = bearer(token_for(make_user()))
    first = client.get("/api/v1/me", headers=headers)
    assert first.headers["RateLimit-Remaining"] == "1"
    assert "Retry-After" not in first.headers  # only a refusal says when to retry
    client.get("/api/v1/me", headers=headers)
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


# The team-isolation matrix: every API route that names a team, as captain, member, outsider.
EXPECTED = {"captain": 200, "member": 200, "outsider": 404}


def api_team_rules():
    return [
        r
        for r in current_app.url_map.iter_rules()
        if r.endpoint.startswith("api.") and "team_id" in r.arguments
    ]


def test_every_api_team_route_goes_through_team_view(app):
    rules = api_team_rules()
    assert len(rules) == 3
    assert {r.endpoint for r in rules} <= set(TEAM_SCOPED)


@pytest.mark.parametrize("role", ["captain", "member", "outsider"])
def test_team_isolation_matrix(client, role):
    other = make_team(make_user(display_name="Olga Otherteam"), name="Zebra Secret Club")
    make_journey(other)
    log(other.created_by, 5)
    for rule in api_team_rules():
        for public in (False, True):
            team = make_team(public=public, name="Home Team")
            make_journey(team)
            actor = {
                "captain": team.created_by,
                "member": add_member(team).user,
                "outsider": make_user(),
            }[role]
            url = rule.build({"team_id": team.id})[1]
            response = client.get(url, headers=bearer(token_for(actor)))
            page_visible = rule.endpoint == "api.team" and public  # the preview, as on the page
            expected = 200 if page_visible else EXPECTED[role]
            assert response.status_code == expected, f"{url} as {role}"
            body = response.get_data(as_text=True)
            assert "Zebra" not in body and "Olga" not in body
            if role == "outsider" and page_visible:
                assert response.json["members"] is None and response.json["journey"] is None
            missing = client.get(
                rule.build({"team_id": 2_000_000})[1], headers=bearer(token_for(actor))
            )
            if expected == 404:
                assert missing.json == response.json  # the same 404 as for no team at all
