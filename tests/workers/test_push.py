"""Push on real workers and the real Redis broker, including a worker killed mid-batch.

The push service is tests/push_service.py (VAPID checked, payload decrypted), on a free port.
"""

import signal
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.lib.public_urls import public_urls
from milequest.lib.web_push import PushFailed
from milequest.models import Notification, PushMessage, PushSubscription
from milequest.models.notification import NotificationKind
from milequest.services.notifications import (
    delivery,
    inbox,
    preferences,
    push_delivery,
    push_subscriptions,
)
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import wait_for
from tests.workers.test_notifications import kill_a_worker_mid_hand_over
from tests.workers.test_photos import RESTORE_AT_ONCE, start_worker, stop


def a_team_with_devices_past_a_milestone(push_service, members: int):
    """`members` + 1 walkers, no quiet hours, a device each; the milestone is committed."""
    team = make_team()
    make_journey(team)
    walkers = [team.created_by] + [add_member(team).user for _ in range(members)]
    devices = {}
    for walker in walkers:
        preferences.save(walker.id, preferences.choices_of(walker.id).wants, None, None, 3)
        device = push_service.new_device()
        keys = device.info["keys"]
        push_subscriptions.subscribe(walker.id, device.endpoint, keys["p256dh"], keys["auth"], "")
        devices[walker.id] = device.endpoint
    log(walkers[1], 6)
    db.session.commit()  # queues the event's notifications on the broker
    return team, devices


def a_walker_with_a_push_handed_over(push_service, devices: int = 1):
    """A captain with devices, whose notification is handed over (flushed, not committed)."""
    walker = make_user()
    preferences.save(walker.id, preferences.choices_of(walker.id).wants, None, None, 3)
    endpoints = []
    for _ in range(devices):
        device = push_service.new_device()
        keys = device.info["keys"]
        push_subscriptions.subscribe(walker.id, device.endpoint, keys["p256dh"], keys["auth"], "")
        endpoints.append(device.endpoint)
    team = make_team(walker)
    draft = inbox.Draft(NotificationKind.MILESTONE, "t", "Reached Perth", f"/teams/{team.id}")
    with public_urls():
        delivery.deliver(inbox.create(walker, draft))
    return team, endpoints


def pushed_per_device(push_service) -> Counter:
    return Counter(message.endpoint for message in push_service.received())


def handed_over() -> int:
    db.session.rollback()  # see what the workers committed
    return db.session.scalar(select(func.count(func.distinct(PushMessage.notification_id))))


def vapid_settings(app) -> dict[str, str]:
    return {
        key: app.config[key] for key in ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT")
    }


@pytest.mark.committing
def test_a_milestone_reaches_every_members_device_through_a_real_worker(
    app, celery_worker, push_service
):
    _team, devices = a_team_with_devices_past_a_milestone(push_service, members=2)

    everyone = set(devices.values())
    assert wait_for(lambda: set(pushed_per_device(push_service)) == everyone, timeout_s=60)
    assert set(pushed_per_device(push_service).values()) == {1}
    assert {m.payload["title"] for m in push_service.received()} == {
        db.session.scalar(
            select(Notification.title).where(Notification.kind == "milestone").limit(1)
        )
    }


@pytest.mark.slow  # real `celery worker` processes
@pytest.mark.committing
def test_a_worker_killed_mid_batch_leaves_each_push_delivered_exactly_once(
    app, tmp_path, push_service
):
    _team, devices = a_team_with_devices_past_a_milestone(push_service, members=5)
    keys = vapid_settings(app)

    # Killed with some push hand-overs committed and one written but not committed.
    done_before = kill_a_worker_mid_hand_over(app, tmp_path, handed_over, **keys)
    assert 2 <= done_before < len(devices)
    assert push_service.received() == []  # nothing served the push queue yet
    # As beat's sweeps would: what is due, and what was handed over but never sent.
    for notification_id in delivery.due_ids():
        delivery.enqueue(notification_id)
    for message_id in push_delivery.unsent_ids(older_than=timedelta(0)):
        push_delivery.enqueue(message_id)

    rescuer_log = tmp_path / "rescuer.log"
    rescuer = start_worker(
        app,
        rescuer_log,
        queues="notifications,push",
        CELERY__broker_transport_options=RESTORE_AT_ONCE,
        **keys,
    )
    try:
        everyone = set(devices.values())
        finished = wait_for(lambda: set(pushed_per_device(push_service)) == everyone, timeout_s=90)
        assert finished, (pushed_per_device(push_service), rescuer_log.read_text())
        wait_for(lambda: False, timeout_s=3)  # time for any duplicate push to show
    finally:
        stop(rescuer)

    assert pushed_per_device(push_service) == Counter({endpoint: 1 for endpoint in everyone})
    assert push_service.refused == []
    db.session.rollback()
    sent = select(func.count()).select_from(PushMessage).where(PushMessage.sent_at.is_not(None))
    assert db.session.scalar(sent) == len(devices)
    assert db.session.scalar(select(func.count()).select_from(PushMessage)) == len(devices)


def test_a_push_service_failure_keeps_the_attempt_for_the_retry(app, push_service):
    from workers.push import send_push

    _team, [endpoint] = a_walker_with_a_push_handed_over(push_service)
    push_service.answer(endpoint, 500)
    [message_id] = db.session.scalars(select(PushMessage.id)).all()

    with pytest.raises(PushFailed):
        send_push(message_id)  # called directly, the retry raises the failure itself

    db.session.expire_all()
    message = db.session.get(PushMessage, message_id)
    assert message.attempts == 1 and message.sent_at is None and "500" in message.last_error
    push_service.answers.clear()
    assert send_push(message_id) is True
    assert len(push_service.received(endpoint)) == 1


@pytest.mark.slow  # real `celery worker` processes
@pytest.mark.committing
def test_a_worker_killed_while_the_push_service_takes_a_message_sends_it_again_alike(
    app, tmp_path, push_service
):
    """The one window where push is at least once, not exactly once: the push service has
    taken the message and the worker dies before it commits `sent_at`. The copy sent again
    carries the same Topic and tag, so the push service and the browser replace, not add."""
    _team, _devices = a_walker_with_a_push_handed_over(push_service, devices=3)
    db.session.commit()  # queues one send per device, in message id order
    first, second, third = [
        db.session.get(PushSubscription, m.subscription_id).endpoint
        for m in db.session.scalars(select(PushMessage).order_by(PushMessage.id))
    ]
    push_service.holding = second
    keys = vapid_settings(app)

    doomed_log = tmp_path / "doomed.log"
    doomed = start_worker(app, doomed_log, queues="push", **keys)
    try:
        assert push_service.held.wait(timeout=90), doomed_log.read_text()
    finally:
        stop(doomed, signal.SIGKILL)
    push_service.release.set()  # the push service took the message as the worker died
    assert doomed.returncode == -signal.SIGKILL

    rescuer_log = tmp_path / "rescuer.log"
    rescuer = start_worker(
        app, rescuer_log, queues="push", CELERY__broker_transport_options=RESTORE_AT_ONCE, **keys
    )
    try:
        finished = wait_for(lambda: unsent() == 0, timeout_s=90)
        assert finished, rescuer_log.read_text()
        wait_for(lambda: False, timeout_s=3)  # time for any further push to show
    finally:
        stop(rescuer)

    assert pushed_per_device(push_service) == Counter({first: 1, second: 2, third: 1})
    copies = push_service.received(second)
    assert copies[0].topic == copies[1].topic and copies[0].payload == copies[1].payload
    assert push_service.refused == []


def unsent() -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(PushMessage).where(PushMessage.sent_at.is_(None))
    )
