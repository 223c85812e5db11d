"""Account jobs: due deletions and old sessions (`aggregation`), data exports (`imports`)."""

from celery import shared_task

from milequest.extensions import db
from milequest.lib import task_queue
from milequest.services.walkers import account_deletion, data_exports, walker_sessions
from workers.job_runs import run_or_record_failure

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


@shared_task(name="workers.accounts.build_data_export")
def build_data_export(export_id: int) -> None:
    # The claim is committed first: the build's progress is written beside its transaction.
    if not data_exports.start_building(export_id):
        db.session.rollback()
        return
    db.session.commit()
    run_or_record_failure(
        lambda: data_exports.build_export(export_id),
        lambda: data_exports.fail(
            export_id, "Something went wrong while building it. Please ask again."
        ),
    )


@shared_task(name="workers.accounts.sweep_data_exports")
def sweep_data_exports() -> int:
    """Remove expired exports (and their zips); re-queue ones stuck on the way."""
    for export_id in data_exports.expired_export_ids():
        data_exports.remove_export(export_id)
    stuck = data_exports.stuck_export_ids()
    db.session.commit()
    for export_id in stuck:
        data_exports.enqueue(export_id)
    return len(stuck)
