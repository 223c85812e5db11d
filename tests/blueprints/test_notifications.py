"""The notification centre, the header's count, the profile's choices and one-click unsubscribe."""

import email
from email import policy
from pathlib import Path

from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Notification
from milequest.models.notification import Channel, NotificationKind
from milequest.services.core import emails
from milequest.services.notifications import delivery, inbox, preferences, unsubscribe
from tests.factories import make_user
from tests.helpers import log_in, post_form

Kind = NotificationKind


def note(user, cause: str = "a", title: str = "Team reached Perth", link: str = "/dashboard"):
    return inbox.create(user, inbox.Draft(Kind.MILESTONE, cause, title, link, "Well walked."))


def test_the_header_counts_unread_and_the_centre_lists_them(client):
    walker = make_user()
    note(walker, "a", "Team reached Perth")
    note(walker, "b", "Team reached Inverness")
    log_in(client, walker)

    page = client.get("/dashboard").get_data(as_text=True)
    assert 'aria-label="Notifications, 2 unread"' in page
    assert '<span class="notify-count">2</span>' in page

    centre = client.get("/notifications/").get_data(as_text=True)
    assert centre.index("Team reached Inverness") < centre.index("Team reached Perth")
    assert centre.count("notify-item--unread") == 2
    assert "Well walked." in centre


def test_the_badge_fragment_polls_the_count(client):
    walker = make_user()
    log_in(client, walker)
    assert "notify-count" not in client.get("/notifications/badge").get_data(as_text=True)

    note(walker)

    badge = client.get("/notifications/badge", headers={"HX-Request": "true"})
    assert '<span class="notify-count">1</span>' in badge.get_data(as_text=True)


def test_the_badge_of_a_visitor_changes_nothing(client):
    assert client.get("/notifications/badge").status_code == 204


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client):
    walker = make_user()
    note_id = note(walker, link="/teams/")
    log_in(client, walker)

    response = post_form(client, f"/notifications/{note_id}/open", {}, token_page="/notifications/")

    assert response.status_code == 303 and response.location == "/teams/"
    assert db.session.get(Notification, note_id).read_at is not None
    assert inbox.unread_count(walker.id) == 0


def test_nobody_opens_another_walkers_notification(client):
    owner, other = make_user(), make_user()
    note_id = note(owner)
    log_in(client, other)

    response = post_form(client, f"/notifications/{note_id}/open", {}, token_page="/notifications/")

    assert response.status_code == 404
    assert db.session.get(Notification, note_id).read_at is None


def test_mark_all_as_read(client):
    walker = make_user()
    note(walker, "a")
    note(walker, "b")
    log_in(client, walker)

    response = post_form(client, "/notifications/read", {}, token_page="/notifications/")

    assert response.status_code == 303
    assert inbox.unread_count(walker.id) == 0


def test_the_profile_saves_choices_per_kind_and_channel_and_quiet_hours(client):
    walker = make_user()
    log_in(client, walker)
    profile = client.get("/profile").get_data(as_text=True)
    assert 'id="notifications"' in profile and 'name="weekly_digest__email"' in profile

    boxes = {"milestone__in_app": "y", "weekly_digest__in_app": "y", "weekly_digest__email": "y"}
    response = post_form(
        client,
        "/notifications/settings",
        {**boxes, "quiet_from": "21:00", "quiet_until": "08:00", "nudge_after_days": "5"},
        token_page="/profile",
    )

    assert response.status_code == 303
    saved = preferences.choices_of(walker.id)
    assert saved.wanted(Kind.MILESTONE, Channel.IN_APP)
    assert not saved.wanted(Kind.MILESTONE, Channel.EMAIL)
    assert saved.wanted(Kind.WEEKLY_DIGEST, Channel.EMAIL)
    assert not saved.wanted(Kind.WALK_NUDGE, Channel.IN_APP)
    assert (f"{saved.quiet_from}", f"{saved.quiet_until}") == ("21:00:00", "08:00:00")
    assert saved.nudge_after_days == 5
    assert 'checked id="weekly_digest__email"' in client.get("/profile").get_data(as_text=True)


def test_a_bad_nudge_delay_is_refused_and_nothing_is_lost(client):
    walker = make_user()
    log_in(client, walker)

    response = post_form(
        client,
        "/notifications/settings",
        {"milestone__email": "y", "nudge_after_days": "0", "quiet_from": "", "quiet_until": ""},
        token_page="/profile",
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a number of days from 1 to 30." in page
    assert 'checked id="milestone__email"' in page  # what was ticked is still ticked
    assert preferences.choices_of(walker.id).nudge_after_days == 3


def delivered_email(app, walker, kind: Kind = Kind.MILESTONE):
    """Create and deliver one notification email through the outbox and the file backend."""
    preferences.save(walker.id, preferences.choices_of(walker.id).wants, None, None, 3)
    note_id = inbox.create(walker, inbox.Draft(kind, f"c-{kind}", "Team reached Perth", "/teams/"))
    delivery.deliver(note_id)
    row = db.session.get(Notification, note_id)
    emails.deliver_email(row.email_id)
    [eml] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    return email.message_from_bytes(eml.read_bytes(), policy=policy.default)


def test_a_notification_email_has_a_plain_text_part_and_one_click_unsubscribe(app, client):
    walker = make_user()
    message = delivered_email(app, walker)

    assert message["To"] == walker.email and message["Subject"] == "Team reached Perth"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert "http://" in body and "/teams/" in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip("<>")
    assert link in body

    # The mail provider's one-click POST: no session, no CSRF token.
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    choices = preferences.choices_of(walker.id)
    assert not choices.wanted(Kind.MILESTONE, Channel.EMAIL)
    assert choices.wanted(Kind.MILESTONE, Channel.IN_APP)
    assert all(choices.wanted(k, Channel.EMAIL) for k in (Kind.WEEKLY_DIGEST, Kind.WALK_NUDGE))


def test_opening_the_unsubscribe_link_asks_first_and_changes_nothing(client):
    walker = make_user()
    token = unsubscribe.make_token(walker.id, Kind.WEEKLY_DIGEST)

    page = client.get(f"/notifications/unsubscribe/{token}")

    assert page.status_code == 200
    assert "Stop “Weekly digest” emails?" in page.get_data(as_text=True)
    assert preferences.choices_of(walker.id).wanted(Kind.WEEKLY_DIGEST, Channel.EMAIL)


def test_a_tampered_unsubscribe_link_changes_nothing(client):
    walker = make_user()
    token = unsubscribe.make_token(walker.id, Kind.WEEKLY_DIGEST)
    forged = URLSafeSerializer("not our secret", salt="notification-unsubscribe").dumps(
        {"u": walker.id, "k": "weekly_digest"}
    )

    for bad in (forged, token[:-3] + "abc", "nonsense"):
        assert client.post(f"/notifications/unsubscribe/{bad}").status_code == 400
    assert preferences.choices_of(walker.id).wanted(Kind.WEEKLY_DIGEST, Channel.EMAIL)


def test_the_centre_needs_a_log_in(client):
    assert client.get("/notifications/").status_code in (302, 303)
    assert db.session.scalars(select(Notification)).all() == []
