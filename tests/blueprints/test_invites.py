from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

from milequest.models.base import utcnow
from milequest.services import emails, team_invites, teams
from tests.factories import make_team, make_user
from tests.helpers import HTMX_HEADERS, csrf_token, link_in, outbox, post_form, sign_in_as


def test_join_by_code_read_aloud(client):
    team = make_team(name="Dawn Patrol")
    code = team_invites.share_link(team).code
    walker = make_user()
    sign_in_as(client, walker)

    found = post_form(client, "/join", {"code": f"{code[:4].lower()} {code[4:]}"})
    page = client.get(found.headers["Location"])
    joined = post_form(client, found.headers["Location"], {})

    assert found.status_code == 303 and found.headers["Location"] == f"/join/{code}"
    assert "Dawn Patrol" in page.get_data(as_text=True)
    assert joined.status_code == 303 and teams.is_member(team, walker)


def test_a_wrong_code_is_a_clear_422(client):
    sign_in_as(client, make_user())
    response = post_form(client, "/join", {"code": "AAAA-AAAA"})
    assert response.status_code == 422
    assert "No team uses that code" in response.get_data(as_text=True)


def test_rotated_code_links_show_a_clear_page(client):
    team = make_team()
    old = team_invites.share_link(team).code
    team_invites.rotate_share_link(team, team.created_by)
    walker = make_user()
    sign_in_as(client, walker)

    page = client.get(f"/join/{old}")
    joined = post_form(client, f"/join/{old}", {})

    assert page.status_code == joined.status_code == 410
    assert "revoked" in page.get_data(as_text=True).lower()
    assert not teams.is_member(team, walker)


def test_expired_used_and_unknown_invite_pages_are_clear(client):
    team = make_team()
    expired = team_invites.invite_by_email(team, team.created_by, "a@example.com")
    expired.expires_at = utcnow() - timedelta(minutes=1)
    used = team_invites.invite_by_email(team, team.created_by, "b@example.com")
    teams.join_with_invite(used.code, "email", make_user())

    expired_page = client.get(f"/invites/{expired.code}")
    used_page = client.get(f"/invites/{used.code}")
    unknown_page = client.get("/invites/nonsense")

    assert expired_page.status_code == used_page.status_code == 410
    assert "expired" in expired_page.get_data(as_text=True)
    assert "already used" in used_page.get_data(as_text=True)
    assert unknown_page.status_code == 404


def test_email_invite_round_trip_through_the_mail_backend_and_sign_up(app, client):
    captain = make_user()
    team = make_team(captain, name="Dawn Patrol")
    sign_in_as(client, captain)
    post_form(client, f"/teams/{team.id}/invites", {"email": "newbie@example.com"})
    [invite_email] = outbox("newbie@example.com")
    emails.deliver_email(invite_email.id)
    [eml] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    body = message_from_bytes(eml.read_bytes()).get_payload(decode=True).decode()
    invite_path = "/invites/" + body.split("/invites/")[1].split()[0]

    newbie = app.test_client()
    landing = newbie.get(invite_path).get_data(as_text=True)
    assert "Dawn Patrol" in landing and f"/signup?next={invite_path}" in landing
    post_form(
        newbie,
        f"/signup?next={invite_path}",
        {
            "email": "newbie@example.com",
            "display_name": "Newbie",
            "password": "a long secret!!",
            "next": invite_path,
        },
    )
    verify = newbie.get(link_in(outbox("newbie@example.com")[-1], "/verify/"))
    assert verify.headers["Location"] == invite_path
    joined = post_form(newbie, invite_path, {})

    assert joined.headers["Location"] == f"/teams/{team.id}"
    assert "newbie@example.com" in {m.user.email for m in teams.members_of(team)}


def test_captain_revokes_a_pending_invite_with_htmx(client):
    captain = make_user()
    team = make_team(captain)
    invite = team_invites.invite_by_email(team, captain, "gone@example.com")
    sign_in_as(client, captain)

    response = client.post(
        f"/teams/{team.id}/invites/{invite.id}/revoke",
        data={"csrf_token": csrf_token(client)},
        headers=HTMX_HEADERS,
    )

    assert response.status_code == 200
    assert 'id="pending-invites"' in response.get_data(as_text=True)
    assert "gone@example.com" not in response.get_data(as_text=True)
    assert client.get(f"/invites/{invite.code}").status_code == 410


def test_invite_page_shows_the_link_the_code_and_a_qr_code(client):
    captain = make_user()
    team = make_team(captain)
    code = team_invites.share_link(team).code
    sign_in_as(client, captain)

    page = client.get(f"/teams/{team.id}/invites").get_data(as_text=True)

    assert f"/join/{code}" in page
    assert f"{code[:4]}-{code[4:]}" in page
    assert "<svg" in page


def test_invite_by_email_with_a_bad_address_is_a_422(client):
    captain = make_user()
    team = make_team(captain)
    sign_in_as(client, captain)
    response = post_form(client, f"/teams/{team.id}/invites", {"email": "nope"})
    assert response.status_code == 422
    assert outbox() == []
