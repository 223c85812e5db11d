"""The operators' audit log: every console action and operator grant writes one row.

Rows are only ever added (the table's trigger refuses UPDATE and DELETE); they are written in
the same transaction as the action, so an action that rolls back leaves no row and no action
goes unrecorded.
"""

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import OperatorAction, User

PAGE_SIZE = 100
COMMAND_LINE = "command line"  # who, for `flask operator grant/revoke`
# What each action is called on /ops/audit.
ACTIONS = {
    "operator_granted": "made an operator",
    "operator_revoked": "no longer an operator",
    "user_confirmed": "confirmed the address of",
    "user_disabled": "disabled",
    "user_enabled": "enabled again",
    "confirmation_resent": "resent the confirmation email to",
    "sessions_ended": "ended the sessions of",
    "job_retried": "retried",
    "email_retried": "retried the email",
    "team_archived": "archived",
}


def record(
    operator: User | None, action: str, target_kind: str, target_id: int | None, **detail
) -> OperatorAction:
    """Add one row (flushed) for `action` on `target_kind` `target_id`; None is the command line."""
    if action not in ACTIONS:
        raise ValueError(f"unknown operator action {action!r}")
    row = OperatorAction(
        operator_id=operator.id if operator else None,
        operator_email=operator.email if operator else COMMAND_LINE,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        detail=detail,
    )
    db.session.add(row)
    db.session.flush()
    return row


def recent(limit: int = PAGE_SIZE, before_id: int | None = None) -> list[OperatorAction]:
    """The newest rows first; `before_id` pages back through older ones."""
    query = select(OperatorAction).order_by(OperatorAction.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(OperatorAction.id < before_id)
    return list(db.session.scalars(query))
