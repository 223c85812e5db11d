"""Account upkeep on the `aggregation` queue: due deletions, old sessions."""

from celery import shared_task

from milequest.extensions import db
from milequest.lib import task_queue
from milequest.services.walkers import account_deletion, walker_sessions

DELETE_TASK = "workers.accounts.delete_account"


@shared_task(name="workers.accounts.delete_account")
def delete_account(user_id: int) -> bool:
    deleted = account_deletion.delete_account(user_id)
    db.session.commit()
    return deleted


@shared_task(name="workers.accounts.delete_due_accounts")
def delete_due_accounts() -> int:
    """Queue the deletion of every account whose grace period is over (each in its own job)."""
    due = account_deletion.due_account_ids()
    db.session.rollback()
    for user_id in due:
        task_queue.send(DELETE_TASK, user_id, "aggregation")
    return len(due)


@shared_task(name="workers.accounts.forget_finished_sessions")
def forget_finished_sessions() -> int:
    gone = walker_sessions.delete_finished_sessions()
    db.session.commit()
    return gone
