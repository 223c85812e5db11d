"""Notification tasks on the `notifications` queue: create from events and sweeps, deliver.

Each task is idempotent (one notification per walker and cause, one outbox email per
notification) and commits once; with acks late, a crashed worker's task is run again.
"""

from celery import shared_task

from milequest.extensions import db
from milequest.lib.public_urls import public_urls
from milequest.services.notifications import (
    delivery,
    digests,
    nudges,
    reviews,
    streak_alerts,
    team_news,
)

RETRY = {"autoretry_for": (Exception,), "retry_backoff": 30, "max_retries": 8}


def _enqueue_each(task, ids: list[int]) -> int:
    for object_id in ids:
        task.apply_async(args=[object_id], queue=delivery.QUEUE)
    return len(ids)


@shared_task(name="workers.notifications.notify_team_event", **RETRY)
def notify_team_event(event_id: int) -> int:
    with public_urls():
        created = team_news.notify_event(event_id)
    db.session.commit()
    return created


@shared_task(name="workers.notifications.deliver_notification", **RETRY)
def deliver_notification(notification_id: int) -> bool:
    with public_urls():
        handed_over = delivery.deliver(notification_id)
    db.session.commit()
    return handed_over


@shared_task(name="workers.notifications.send_weekly_digest", **RETRY)
def send_weekly_digest(membership_id: int) -> bool:
    with public_urls():
        created = digests.send_digest(membership_id) is not None
    db.session.commit()
    return created


@shared_task(name="workers.notifications.nudge_walker", **RETRY)
def nudge_walker(user_id: int) -> bool:
    with public_urls():
        created = nudges.nudge(user_id) is not None
    db.session.commit()
    return created


@shared_task(name="workers.notifications.warn_streak_at_risk", **RETRY)
def warn_streak_at_risk(user_id: int) -> bool:
    with public_urls():
        created = streak_alerts.warn(user_id) is not None
    db.session.commit()
    return created


@shared_task(name="workers.notifications.notify_review_waiting")
def notify_review_waiting() -> int:
    with public_urls():
        created = reviews.notify_captains()
    db.session.commit()
    return created


@shared_task(name="workers.notifications.sweep_weekly_digests")
def sweep_weekly_digests() -> int:
    return _enqueue_each(send_weekly_digest, digests.due_membership_ids())


@shared_task(name="workers.notifications.sweep_walk_nudges")
def sweep_walk_nudges() -> int:
    return _enqueue_each(nudge_walker, nudges.due_walker_ids())


@shared_task(name="workers.notifications.sweep_streaks_at_risk")
def sweep_streaks_at_risk() -> int:
    return _enqueue_each(warn_streak_at_risk, streak_alerts.due_walker_ids())


@shared_task(name="workers.notifications.sweep_due_email")
def sweep_due_email() -> int:
    """Deliver email and push that quiet hours held back, or that a lost task never delivered."""
    return _enqueue_each(deliver_notification, delivery.due_ids())


@shared_task(name="workers.notifications.sweep_team_events")
def sweep_team_events() -> int:
    """Re-run the last hour's notifying events: a lost task or a crash loses no notification."""
    return _enqueue_each(notify_team_event, team_news.recent_event_ids())
