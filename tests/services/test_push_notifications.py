"""Web push: one message per notification and device, sent once, decrypted by a push service.

The push service is tests/push_service.py: a real HTTP server that checks the VAPID signature
and decrypts each message with the device's private key, as FCM or autopush would.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.lib import web_push
from milequest.lib.public_urls import public_urls
from milequest.models import Notification, PushMessage, PushSubscription
from milequest.models.notification import Channel, NotificationKind
from milequest.services.notifications import (
    delivery,
    inbox,
    preferences,
    push_delivery,
    push_subscriptions,
)
from tests.factories import make_team, make_user
from tests.services.test_counters_concurrency import run_together

Kind = NotificationKind


def subscribed(user, push_service, devices: int = 1) -> list:
    made = [push_service.new_device() for _ in range(devices)]
    for device in made:
        keys = device.info["keys"]
        push_subscriptions.subscribe(
            user.id, device.endpoint, keys["p256dh"], keys["auth"], "Mozilla/5.0 (Android) Chrome/1"
        )
    return made


def walker_without_quiet_hours(**fields):
    walker = make_user(**fields)
    wants = preferences.choices_of(walker.id).wants
    preferences.save(walker.id, wants, None, None, 3)
    return walker


def team_news(walker, title: str = "Loch Walkers reached Perth") -> int:
    team = make_team(walker, name="Loch Walkers")
    draft = inbox.Draft(Kind.MILESTONE, f"event:{team.id}", title, f"/teams/{team.id}", "12 km")
    return inbox.create(walker, draft)


def messages_of(notification_id: int) -> list[PushMessage]:
    query = select(PushMessage).where(PushMessage.notification_id == notification_id)
    return list(db.session.scalars(query.order_by(PushMessage.id)))


def send_all(notification_id: int) -> list[bool]:
    with public_urls():
        return [push_delivery.send(m.id) for m in messages_of(notification_id)]


def test_push_is_on_by_default_for_milestones_journeys_streaks_and_invites_only():
    choices = preferences.choices_of(make_user().id)
    pushed = {kind for kind in Kind if choices.wanted(kind, Channel.PUSH)}
    assert pushed == {
        Kind.MILESTONE,
        Kind.JOURNEY_COMPLETED,
        Kind.STREAK_AT_RISK,
        Kind.TEAM_INVITE,
    }


def test_a_rerun_delivery_queues_again_the_pushes_a_kill_lost(push_service, monkeypatch):
    walker = walker_without_quiet_hours()
    subscribed(walker, push_service, devices=2)
    queued = []
    monkeypatch.setattr(push_delivery, "enqueue", queued.append)
    note_id = team_news(walker)
    assert delivery.deliver(note_id) is True
    db.session.commit()
    handed_over = sorted(m.id for m in messages_of(note_id))
    assert sorted(queued) == handed_over

    queued.clear()  # the worker died after the commit, before queueing: its task runs again
    assert delivery.deliver(note_id) is False
    db.session.commit()
    assert sorted(queued) == handed_over

    queued.clear()
    assert send_all(note_id) == [True, True]
    delivery.deliver(note_id)  # sent: nothing more to queue, however often re-run
    db.session.commit()
    assert queued == []


def test_each_device_gets_the_notification_once_signed_and_encrypted(push_service):
    walker = walker_without_quiet_hours()
    phone, laptop = subscribed(walker, push_service, devices=2)
    note_id = team_news(walker)

    assert delivery.deliver(note_id) is True
    assert delivery.deliver(note_id) is False  # handed over already
    assert send_all(note_id) == [True, True]
    assert send_all(note_id) == [False, False]  # sent already

    note = db.session.get(Notification, note_id)
    for device in (phone, laptop):
        [message] = push_service.received(device.endpoint)
        assert message.payload == {
            "title": "Loch Walkers reached Perth",
            "body": "12 km",
            "url": note.link,
            "tag": f"notification-{note_id}",
            "icon": message.payload["icon"],
        }
        assert message.payload["icon"].startswith("/static/icons/icon-192")
        assert message.topic == f"n{note_id}" and message.ttl == 12 * 3600
        assert message.claims["sub"] == "mailto:dev@milequest.localhost"
    assert push_service.refused == []
    assert all(m.sent_at is not None and m.attempts == 1 for m in messages_of(note_id))
    assert note.push_due_at is None


def test_a_walker_without_devices_has_no_push_due(push_service):
    walker = walker_without_quiet_hours()

    note_id = team_news(walker)

    assert db.session.get(Notification, note_id).push_due_at is None


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_no_longer_knows_is_dropped(push_service, status):
    walker = walker_without_quiet_hours()
    gone, kept = subscribed(walker, push_service, devices=2)
    push_service.answer(gone.endpoint, status)
    note_id = team_news(walker)
    delivery.deliver(note_id)

    assert sorted(send_all(note_id)) == [False, True]

    devices = push_subscriptions.devices(walker.id)
    assert [d.endpoint for d in devices] == [kept.endpoint]
    assert [m.subscription_id for m in messages_of(note_id)] == [devices[0].id]
    assert len(push_service.received(kept.endpoint)) == 1


def test_a_failing_push_service_is_tried_again_later(push_service):
    walker = walker_without_quiet_hours()
    [device] = subscribed(walker, push_service)
    push_service.answer(device.endpoint, 503)
    note_id = team_news(walker)
    delivery.deliver(note_id)
    [message] = messages_of(note_id)

    with public_urls(), pytest.raises(web_push.PushFailed):
        push_delivery.send(message.id)

    assert message.sent_at is None and message.attempts == 1
    assert "503" in message.last_error
    assert message.id in push_delivery.unsent_ids(older_than=timedelta(0))
    push_service.answers.clear()
    assert send_all(note_id) == [True]
    assert message.id not in push_delivery.unsent_ids(older_than=timedelta(0))


def test_quiet_hours_hold_push_like_email(push_service):
    walker = make_user(timezone="Europe/London")  # default quiet hours: 22:00 to 07:00
    subscribed(walker, push_service)
    night, morning = (datetime(2026, 12, 1, h, 0, tzinfo=UTC) for h in (3, 7))
    draft = inbox.Draft(Kind.MILESTONE, "test:quiet", "A milestone", "/")

    note_id = inbox.create(walker, draft, now=night)

    note = db.session.get(Notification, note_id)
    assert note.push_due_at == morning == note.email_due_at
    assert delivery.deliver(note_id, now=night) is False
    assert messages_of(note_id) == [] and note_id not in delivery.due_ids(now=night)
    assert note_id in delivery.due_ids(now=morning)
    assert delivery.deliver(note_id, now=morning) is True
    assert len(messages_of(note_id)) == 1 and note.push_due_at is None


def test_push_turned_off_sends_nothing(push_service):
    walker = walker_without_quiet_hours()
    subscribed(walker, push_service)
    earlier = team_news(walker, "Made while push was on")
    preferences.turn_off(walker.id, Kind.MILESTONE, Channel.PUSH)

    later = team_news(walker, "Made after")
    delivery.deliver(earlier)
    delivery.deliver(later)

    assert db.session.get(Notification, later).push_due_at is None
    assert db.session.get(Notification, earlier).push_due_at is None
    assert messages_of(earlier) == messages_of(later) == []
    assert db.session.get(Notification, later).email_id is not None  # email still wanted


@pytest.mark.committing
def test_racing_deliveries_and_sends_push_once(app, push_service):
    walker = walker_without_quiet_hours()
    [device] = subscribed(walker, push_service)
    note_id = team_news(walker)
    db.session.commit()

    def deliver() -> None:
        with public_urls():
            delivery.deliver(note_id)

    assert run_together(app, [deliver] * 4) == []
    [message_id] = db.session.scalars(select(PushMessage.id)).all()

    def send() -> None:
        with public_urls():
            push_delivery.send(message_id)

    assert run_together(app, [send] * 4) == []
    assert len(push_service.received(device.endpoint)) == 1
    db.session.rollback()
    assert db.session.get(PushMessage, message_id).attempts == 1


def test_a_device_subscribes_once_and_a_second_walker_on_it_takes_it_over(push_service):
    first, second = make_user(), make_user()
    [device] = subscribed(first, push_service)
    keys = device.info["keys"]

    push_subscriptions.subscribe(first.id, device.endpoint, keys["p256dh"], keys["auth"], "")
    push_subscriptions.subscribe(second.id, device.endpoint, keys["p256dh"], keys["auth"], "")

    assert push_subscriptions.devices(first.id) == []
    [taken] = push_subscriptions.devices(second.id)
    assert taken.endpoint == device.endpoint
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 1


@pytest.mark.parametrize(
    ("endpoint", "p256dh", "auth"),
    [
        ("https://evil.example/push/1", None, None),  # not a push service
        ("http://169.254.169.254/latest", None, None),
        ("{origin}@evil.example/x", None, None),
        ("{origin}/push/\x00", None, None),
        ("{origin}/push/1", "BAAA", None),  # too short
        ("{origin}/push/1", "B" + "A" * 86, None),  # 65 bytes, not on the curve
        ("{origin}/push/1", "{p256dh}\x00", None),
        ("{origin}/push/1", None, "not base64!"),
        ("{origin}/push/1", None, "AAAA"),
    ],
)
def test_a_subscription_that_is_not_a_push_services_is_refused(
    push_service, endpoint, p256dh, auth
):
    walker = make_user()
    keys = push_service.new_device().info["keys"]
    endpoint = endpoint.format(origin=push_service.origin)
    p256dh = (p256dh or keys["p256dh"]).format(p256dh=keys["p256dh"])

    with pytest.raises(push_subscriptions.BadSubscription):
        push_subscriptions.subscribe(walker.id, endpoint, p256dh, auth or keys["auth"], "")

    assert push_subscriptions.devices(walker.id) == []


def test_a_walker_removes_their_own_devices_only(push_service):
    owner, other = make_user(), make_user()
    subscribed(owner, push_service)
    [device] = push_subscriptions.devices(owner.id)

    assert push_subscriptions.remove(other.id, device.id) is False
    assert push_subscriptions.unsubscribe(other.id, device.endpoint) is False
    assert push_subscriptions.remove(owner.id, device.id) is True
    assert push_subscriptions.devices(owner.id) == []


def test_the_push_service_refuses_a_message_signed_with_another_key(push_service):
    walker = walker_without_quiet_hours()
    [device] = subscribed(walker, push_service)
    private, public = web_push.generate_keys()
    strangers = web_push.VapidKeys(private, public, "mailto:someone@example.com")

    with pytest.raises(web_push.PushFailed, match="401"):
        web_push.send(device.info, {"title": "x"}, strangers, topic="t", ttl_s=60)

    assert push_service.received() == []
    assert push_service.refused == ["InvalidSignature: not the application server key"]
