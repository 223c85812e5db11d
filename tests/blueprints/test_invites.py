import re
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

from milequest.models.base import utcnow
from milequest.services.core import emails
from milequest.services.teamwork import team_invites, teams
from tests.factories import add_member, make_journey, make_team, make_user
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
    teams.join_with_invite(used.code, "email", make_user(email="b@example.com"))

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
    assert "only for an account with the email address this message was sent to" in body

    newbie = app.test_client()
    landing = newbie.get(invite_path).get_data(as_text=True)
    assert "Dawn Patrol" in landing and f"/signup?next={invite_path}" in landing
    signup_page = newbie.get(f"/signup?next={invite_path}").get_data(as_text=True)
    assert "Sign up with the email address your invite was sent to" in signup_page
    assert "newbie" not in signup_page
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


def test_manage_page_shows_the_whole_link_as_text_with_share_and_copy_buttons(client):
    captain = make_user()
    team = make_team(captain)
    code = team_invites.share_link(team).code
    sign_in_as(client, captain)

    page = client.get(f"/teams/{team.id}/invites").get_data(as_text=True)

    assert re.search(rf'<p class="share-box__text">http://[^<]+/join/{code}</p>', page)
    assert "readonly" not in page
    assert re.search(r"<button[^>]*data-share-button hidden>Share link</button>", page)
    assert re.search(r"<button[^>]*data-copy-button hidden>Copy link</button>", page)
    assert 'role="status" data-share-status' in page
    assert re.search(r"js/share\.[0-9a-f]{12}\.js", page)  # under its content-hashed name


def test_a_logged_out_stranger_sees_the_journey_the_size_and_the_inviter(client):
    captain = make_user(display_name="Cap Ann", email="cap.ann@example.com")
    team = make_team(captain, name="Dawn Patrol")
    add_member(team, make_user(display_name="Secret Sam", email="sam@example.com"))
    make_journey(team, distance_m=2_500)
    code = team_invites.share_link(team).code

    response = client.get(f"/join/{code}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Cap Ann</strong> invited you" in page and "2 members" in page
    assert "Test route" in page and "route-svg__marker" in page
    assert "<strong>2.5 km</strong> of" in page and "(22%)" in page
    assert "Next milestone: <strong>Point 2</strong>" in page
    assert "Secret Sam" not in page and "@example.com" not in page


def test_the_join_page_says_when_there_is_no_journey_yet(client):
    team = make_team()
    page = client.get(f"/join/{team_invites.share_link(team).code}").get_data(as_text=True)
    assert "has not started a journey yet" in page


def test_a_walker_sees_the_journey_in_their_own_units(client):
    team = make_team()
    make_journey(team, distance_m=1_609.344)
    sign_in_as(client, make_user(units="mi"))

    page = client.get(f"/join/{team_invites.share_link(team).code}").get_data(as_text=True)

    assert "<strong>1.0 mi</strong> of" in page


def test_an_email_invite_names_its_inviter_and_never_its_address_to_a_visitor(client):
    captain = make_user(display_name="Cap Ann")
    team = make_team(captain)
    invite = team_invites.invite_by_email(team, captain, "newbie@example.com")

    page = client.get(f"/invites/{invite.code}").get_data(as_text=True)

    assert "Cap Ann</strong> invited you" in page
    assert "with the email address it was sent to" in page
    assert "newbie" not in page


def test_another_account_is_told_the_invite_is_someone_elses_without_the_address(client):
    captain = make_user(display_name="Cap Ann")
    team = make_team(captain, name="Dawn Patrol")
    invite = team_invites.invite_by_email(team, captain, "newbie@example.com")
    bob = make_user(email="bob@example.com")
    sign_in_as(client, bob)

    response = client.get(f"/invites/{invite.code}")
    page = response.get_data(as_text=True)

    assert response.status_code == 403
    assert "This invite was sent to someone else" in page and "newbie" not in page
    assert "Join team" not in page
    assert f'action="/invites/{invite.code}/switch-account"' in page
    assert (
        "Hi Cap Ann, could you invite me to Dawn Patrol on Mile Quest? "
        "My email is bob@example.com." in page
    )


def test_another_account_cannot_accept_an_email_invite(client):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "newbie@example.com")
    bob = make_user()
    sign_in_as(client, bob)

    response = post_form(client, f"/invites/{invite.code}", {})

    assert response.status_code == 403
    assert "sent to someone else" in response.get_data(as_text=True)
    assert "newbie" not in response.get_data(as_text=True)
    assert not teams.is_member(team, bob) and invite.used_at is None


def test_the_invited_address_in_another_case_accepts(client):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "Newbie@Example.com")
    newbie = make_user(email="nEWBIE@example.COM")
    sign_in_as(client, newbie)

    page = client.get(f"/invites/{invite.code}").get_data(as_text=True)
    joined = post_form(client, f"/invites/{invite.code}", {})

    assert "Join team" in page
    assert joined.status_code == 303 and joined.headers["Location"] == f"/teams/{team.id}"
    assert teams.is_member(team, newbie)


def test_an_unconfirmed_account_with_the_address_must_confirm_first(client):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "newbie@example.com")
    newbie = make_user(email="newbie@example.com", verified=False)
    sign_in_as(client, newbie)

    page = client.get(f"/invites/{invite.code}")
    refused = post_form(client, f"/invites/{invite.code}", {})

    assert page.status_code == refused.status_code == 403
    assert "Confirm your email first" in refused.get_data(as_text=True)
    assert f'action="/invites/{invite.code}/switch-account"' in refused.get_data(as_text=True)
    assert not teams.is_member(team, newbie) and invite.used_at is None


def test_an_unconfirmed_account_is_not_told_whether_the_invite_is_its_own(client):
    """Or anyone holding the link could test guessed addresses by signing up with them."""
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "newbie@example.com")
    sign_in_as(client, make_user(email="guess@example.com", verified=False))

    page = client.get(f"/invites/{invite.code}").get_data(as_text=True)

    assert "Confirm your email first" in page and "someone else" not in page


def test_a_logged_out_visitor_cannot_accept_an_email_invite(client):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "newbie@example.com")

    response = post_form(client, f"/invites/{invite.code}", {})

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert invite.used_at is None and team.member_count == 1


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_a_dead_invite_refuses_even_its_own_address_and_hides_it(client, state):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "newbie@example.com")
    if state == "revoked":
        team_invites.revoke(team, invite.id)
    else:
        invite.expires_at = utcnow() - timedelta(minutes=1)
    newbie = make_user(email="newbie@example.com")
    sign_in_as(client, newbie)

    page = client.get(f"/invites/{invite.code}")
    refused = post_form(client, f"/invites/{invite.code}", {})

    assert page.status_code == refused.status_code == 410
    assert state in page.get_data(as_text=True)
    assert "newbie" not in page.get_data(as_text=True)
    assert not teams.is_member(team, newbie)


def test_switching_account_logs_out_and_comes_back_to_the_invite(client):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "newbie@example.com")
    sign_in_as(client, make_user())

    switched = post_form(client, f"/invites/{invite.code}/switch-account", {})
    page = client.get(switched.headers["Location"]).get_data(as_text=True)

    assert switched.status_code == 303 and switched.headers["Location"] == f"/invites/{invite.code}"
    assert "Log in with the email address this invite was sent to" in page
    assert f"/login?next=/invites/{invite.code}" in page


def test_plain_sign_up_says_nothing_about_invites(client):
    assert "your invite was sent to" not in client.get("/signup").get_data(as_text=True)
