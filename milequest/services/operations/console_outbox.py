"""The console's email outbox: what waits, what was given up on, and a retry.

The backlog's counts are `system_state.outbox_backlog` (the same numbers /metrics shows).
"""

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import OutboundEmail, User
from milequest.services.core import emails
from milequest.services.core.commit_hooks import after_commit
from milequest.services.operations import audit_log

LIST_LIMIT = 50


def unsent(*, given_up: bool, limit: int = LIST_LIMIT) -> list[OutboundEmail]:
    """Emails not sent yet, oldest first: still being tried, or given up on (`given_up`)."""
    tried_out = OutboundEmail.attempts >= emails.MAX_ATTEMPTS
    return list(
        db.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.sent_at.is_(None), tried_out if given_up else ~tried_out)
            .order_by(OutboundEmail.id)
            .limit(limit)
        )
    )


def retry_email(operator: User, email_id: int) -> bool:
    """Hand an unsent email to the `email` queue again (after commit); False if it was sent.

    Its attempts are kept: a given-up email stays out of the sweep, and the task's own retries
    (up to MAX_ATTEMPTS more) take it from there.
    """
    row = db.session.get(OutboundEmail, email_id)
    if row is None or row.sent_at is not None:
        return False
    after_commit(emails.enqueue_delivery, row.id)
    audit_log.record(operator, "email_retried", "email", row.id, attempts=row.attempts)
    return True
