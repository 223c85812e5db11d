"""Push tasks on the `push` queue: thin wrappers over services/notifications/push_delivery."""

from celery import shared_task

from milequest.extensions import db
from milequest.lib.public_urls import public_urls
from milequest.lib.web_push import PushFailed
from milequest.services.notifications import push_delivery


@shared_task(name="workers.push.send_push", bind=True, max_retries=push_delivery.MAX_ATTEMPTS)
def send_push(self, message_id: int) -> bool:
    try:
        with public_urls():
            sent = push_delivery.send(message_id)
    except PushFailed as exc:
        db.session.commit()  # keep the recorded attempt and error
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
    db.session.commit()
    return sent


@shared_task(name="workers.push.sweep_unsent_push")
def sweep_unsent_push() -> int:
    """Re-enqueue messages whose sending never ran or never finished (lost task, crash)."""
    ids = push_delivery.unsent_ids()
    for message_id in ids:
        push_delivery.enqueue(message_id)
    return len(ids)
