"""The authorization matrix: every team-scoped URL, and the operator console's, by captain,
member, outsider, visitor."""

import pytest
from flask import current_app

from milequest.blueprints.team_scope import TEAM_SCOPED
from milequest.services.journeying import postcards
from milequest.services.teamwork import team_invites
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import csrf_token, log_in, sign_in_as

SECRETS = ("Zebra Secret Club", "Olga Otherteam", "secret-invitee@example.com")
FORM_DATA = {
    "teams.edit": {"name": "Renamed", "description": "", "member_limit": "50"},
    "team_members.change_role": {"role": "captain"},
    "invites.invite_by_email": {"email": "friend@example.com"},
    "activity_reviews.decide": {"decision": "approve"},
    "photos.team_decide": {"photo_id": "0", "decision": "approve"},  # a stale id: 303 with a note
}
EXPECTED = {  # need -> role -> outcome
    "visitor": {
        "captain": "allowed",
        "member": "allowed",
        "outsider": "hidden",
        "anonymous": "login",
    },
    "member": {
        "captain": "allowed",
        "member": "allowed",
        "outsider": "hidden",
        "anonymous": "login",
    },
    "captain": {
        "captain": "allowed",
        "member": "forbidden",
        "outsider": "hidden",
        "anonymous": "login",
    },
    # The operator console (/ops): not even its existence shows to anyone but an operator.
    "operator": dict.fromkeys(("captain", "member", "outsider", "anonymous"), "hidden"),
}


def need_of(endpoint: str) -> str:
    return "operator" if endpoint.startswith("ops.") else TEAM_SCOPED[endpoint]


def team_rules(*, sockets: bool = False):
    """Every team URL and every operator-console URL, and method; WebSocket routes only with
    `sockets` (test_live_sockets.py checks who may open those, over real sockets)."""
    rules = [
        r
        for r in current_app.url_map.iter_rules()
        if ("team_id" in r.arguments or r.endpoint.startswith("ops."))
        and (sockets or not r.websocket)
        and not r.endpoint.startswith("api.")  # the API answers 401, not a log-in page: test_api.py
    ]
    return [(r, m) for r in rules for m in sorted(r.methods - {"HEAD", "OPTIONS"})]


def outcome(response) -> str:
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return "login"
    if response.status_code == 404:
        return "hidden"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code < 500
    return "allowed"


def other_team_with_secrets():
    other = make_team(make_user(display_name="Olga Otherteam"), name="Zebra Secret Club")
    team_invites.invite_by_email(other, other.created_by, "secret-invitee@example.com")


def test_every_team_url_goes_through_the_one_check(app):
    endpoints = {rule.endpoint for rule, _ in team_rules(sockets=True)}
    assert endpoints and {e for e in endpoints if not e.startswith("ops.")} <= set(TEAM_SCOPED)


@pytest.mark.parametrize("role", ["captain", "member", "outsider", "anonymous"])
def test_authorization_matrix(app, role):
    other_team_with_secrets()
    for rule, method in team_rules():
        captain = make_user()
        team = make_team(captain, name="Home Team")
        target = add_member(team)
        invite = team_invites.invite_by_email(team, captain, "pending@example.com")
        actor = {"captain": captain, "member": add_member(team).user, "outsider": make_user()}
        client = app.test_client()
        if role in actor:
            sign_in_as(client, actor[role])
        values = {
            "team_id": team.id,
            "membership_id": target.id,
            "invite_id": invite.id,
            "name": "members",
            "activity_id": 1,  # no such held activity: the check still runs first
            "user_id": target.user.id,  # the console's URLs (ops.*)
            "action": "disable",
            "kind": "photo",
            "job_id": 1,
            "email_id": 1,
        }
        if {"journey_id", "postcard_id"} & set(rule.arguments):
            values |= a_finished_journey(team, target.user)
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        if method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": csrf_token(client), **FORM_DATA.get(rule.endpoint, {})}
            response = client.post(url, data=data)
        expected = EXPECTED[need_of(rule.endpoint)][role]
        assert outcome(response) == expected, f"{method} {rule.rule} as {role}"
        body = response.get_data(as_text=not response.mimetype.startswith("image/png"))
        leaked = [s for s in SECRETS if (s if isinstance(body, str) else s.encode()) in body]
        assert not leaked, f"{method} {rule.rule} leaks another team"


def a_finished_journey(team, walker) -> dict:
    """A journey the team completed (it has a certificate) and its first postcard."""
    journey = make_journey(team)
    log(walker, 12)  # past the end of the 11 km route
    return {"journey_id": journey.id, "postcard_id": postcards.of_journey(journey)[0].id}


def test_public_team_shows_outsiders_a_preview_only(app, client):
    team = make_team(public=True, name="Open Walkers")
    add_member(team, make_user(display_name="Private Person"))
    log_in(client, make_user())

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert "Open Walkers" in page
    assert "Private Person" not in page
    assert client.get(f"/teams/{team.id}/members/").status_code == 404
    assert client.get(f"/teams/{team.id}/invites").status_code == 404


def test_private_team_answers_404_like_a_team_that_does_not_exist(app, client):
    team = make_team(name="Hidden Hikers")
    log_in(client, make_user())

    hidden = client.get(f"/teams/{team.id}")
    missing = client.get("/teams/999999")

    assert hidden.status_code == missing.status_code == 404
    assert "Hidden Hikers" not in hidden.get_data(as_text=True)
