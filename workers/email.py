"""Email delivery tasks on the `email` queue: thin wrappers over services.emails."""

from celery import shared_task

from milequest.extensions import db
from milequest.services.core import emails


@shared_task(name="workers.email.deliver_email", bind=True, max_retries=emails.MAX_ATTEMPTS)
def deliver_email(self, email_id: int) -> None:
    try:
        emails.deliver_email(email_id)
    except Exception as exc:
        db.session.commit()  # keep the recorded attempt and error
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
    db.session.commit()


@shared_task(name="workers.email.sweep_unsent_email")
def sweep_unsent_email() -> int:
    """Re-enqueue emails whose delivery never ran (broker outage, lost task)."""
    ids = emails.unsent_email_ids()
    for email_id in ids:
        emails.enqueue_delivery(email_id)
    return len(ids)
