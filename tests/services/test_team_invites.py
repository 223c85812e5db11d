from datetime import timedelta

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Notification, OutboundEmail
from milequest.models.base import utcnow
from milequest.models.notification import Channel, NotificationKind
from milequest.services.notifications import delivery, preferences
from milequest.services.teamwork import team_invites, teams
from tests.factories import add_member, make_journey, make_team, make_user
from tests.helpers import outbox


def test_share_codes_avoid_look_alike_characters():
    codes = {team_invites.new_share_code() for _ in range(200)}
    assert len(codes) == 200
    assert not set("".join(codes)) & set("0O1IL2Z5S8B")


def test_typed_codes_are_forgiving_about_case_spaces_and_dashes():
    team = make_team()
    code = team_invites.share_link(team).code
    typed = f" {code[:4].lower()} - {code[4:]} "
    assert team_invites.usable_invite(typed, "link").team_id == team.id


def test_rotating_the_code_cuts_old_links_off():
    team = make_team()
    old = team_invites.share_link(team).code

    new = team_invites.rotate_share_link(team, team.created_by).code

    with pytest.raises(team_invites.InviteUnusable) as refused:
        team_invites.usable_invite(old, "link")
    assert refused.value.reason == "revoked"
    assert team_invites.usable_invite(new, "link").team_id == team.id


def _emails_to(address: str) -> list[OutboundEmail]:
    return list(
        db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address))
    )


def test_an_invite_for_a_walker_comes_through_their_notifications():
    team = make_team(name="Dawn Patrol")
    ann = make_user(email="ann@example.com")
    preferences.save(ann.id, preferences.choices_of(ann.id).wants, None, None, 3)  # no quiet hours

    invite = team_invites.invite_by_email(team, team.created_by, "Ann@Example.com")

    [note] = db.session.scalars(select(Notification).where(Notification.user_id == ann.id))
    assert note.kind == NotificationKind.TEAM_INVITE and note.in_app
    assert note.link == f"/invites/{invite.code}"
    assert "Dawn Patrol" in note.title
    assert _emails_to("ann@example.com") == []  # not the plain invite email as well
    assert delivery.deliver(note.id) is True
    [email] = _emails_to("ann@example.com")
    assert f"/invites/{invite.code}" in email.body_text
    assert "/notifications/unsubscribe/" in email.headers["List-Unsubscribe"]
    teams.join_with_invite(invite.code, "email", ann)
    assert teams.is_member(team, ann)


def test_a_walker_who_turned_invite_emails_off_sees_the_invite_in_the_app_only():
    team = make_team()
    ann = make_user(email="ann@example.com")
    preferences.turn_off(ann.id, NotificationKind.TEAM_INVITE, Channel.EMAIL)

    team_invites.invite_by_email(team, team.created_by, "ann@example.com")

    [note] = db.session.scalars(select(Notification).where(Notification.user_id == ann.id))
    assert note.in_app and note.email_due_at is None
    assert _emails_to("ann@example.com") == []


@pytest.mark.parametrize("verified", [False, None])
def test_an_address_without_a_confirmed_walker_gets_the_invite_email(verified):
    team = make_team()
    if verified is not None:
        make_user(email="ann@example.com", verified=verified)

    team_invites.invite_by_email(team, team.created_by, "ann@example.com")

    [email] = _emails_to("ann@example.com")
    assert "If you don't have an account yet" in email.body_text
    assert db.session.scalars(select(Notification)).all() == []


def test_email_invite_is_single_use():
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "ann@example.com")
    ann = make_user(email="ann@example.com")
    teams.join_with_invite(invite.code, "email", ann)
    teams.leave_team(team, ann)

    with pytest.raises(team_invites.InviteUnusable) as refused:
        teams.join_with_invite(invite.code, "email", ann)
    assert refused.value.reason == "used"


def test_email_invite_is_accepted_by_its_address_in_any_case():
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "Ann.Walker@Example.com")

    teams.join_with_invite(invite.code, "email", make_user(email="ANN.walker@example.COM"))

    assert invite.used_at is not None


@pytest.mark.parametrize(
    ("email", "verified", "reason"),
    [
        ("bob@example.com", True, "someone_else"),
        ("ann@example.com", False, "unconfirmed"),
        ("bob@example.com", False, "unconfirmed"),
    ],
)
def test_email_invite_refuses_other_and_unconfirmed_accounts(email, verified, reason):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "ann@example.com")
    user = make_user(email=email, verified=verified)

    with pytest.raises(team_invites.InviteNotYours) as refused:
        teams.join_with_invite(invite.code, "email", user)

    assert refused.value.reason == reason
    assert invite.used_at is None and not teams.is_member(team, user)


def test_share_link_takes_any_account():
    team = make_team()
    link = team_invites.share_link(team)
    assert team_invites.refusal(link, make_user(verified=False)) is None


def test_preview_shows_the_inviter_and_the_journey_so_far():
    captain = make_user(display_name="Cap Ann")
    team = make_team(captain)
    invite = team_invites.invite_by_email(team, captain, "bob@example.com")
    journey = make_journey(team, distance_m=2500)

    preview = team_invites.preview(invite)

    assert preview.inviter_name == "Cap Ann"
    assert preview.progress.journey == journey and preview.progress.distance_m == 2500


def test_preview_of_a_share_link_names_the_captain_who_made_it():
    team = make_team()
    other = add_member(team, make_user(display_name="Rotating Rita"), role="captain").user
    link = team_invites.rotate_share_link(team, other)

    preview = team_invites.preview(link)

    assert preview.inviter_name == "Rotating Rita" and preview.progress is None


def test_member_opening_an_invite_again_does_not_use_it_up():
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "ann@example.com")

    teams.join_with_invite(invite.code, "email", team.created_by)

    assert invite.used_at is None


@pytest.mark.parametrize("reason", ["expired", "revoked"])
def test_expired_and_revoked_invites_are_refused(reason):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "ann@example.com")
    if reason == "expired":
        invite.expires_at = utcnow() - timedelta(seconds=1)
    else:
        team_invites.revoke(team, invite.id)

    with pytest.raises(team_invites.InviteUnusable) as refused:
        teams.join_with_invite(invite.code, "email", make_user(email="ann@example.com"))
    assert refused.value.reason == reason


def test_email_invite_is_sent_through_the_outbox():
    team = make_team(name="Dawn Patrol")
    team_invites.invite_by_email(team, team.created_by, "Ann@Example.com")

    [email] = outbox("ann@example.com")
    assert "Dawn Patrol" in email.subject
    assert "/invites/" in email.body_text


def test_pending_invites_exclude_used_revoked_and_expired_ones():
    team = make_team()
    captain = team.created_by
    keep = team_invites.invite_by_email(team, captain, "keep@example.com")
    used = team_invites.invite_by_email(team, captain, "used@example.com")
    revoked = team_invites.invite_by_email(team, captain, "revoked@example.com")
    expired = team_invites.invite_by_email(team, captain, "expired@example.com")
    teams.join_with_invite(used.code, "email", make_user(email="used@example.com"))
    team_invites.revoke(team, revoked.id)
    expired.expires_at = utcnow() - timedelta(days=1)

    assert team_invites.pending_email_invites(team) == [keep]
