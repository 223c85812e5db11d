"""The transaction around a job task: one commit when the job is done, or its failure recorded.

Tasks stay thin (CONVENTIONS.md): they name the service call and the failure to record; this
owns the order, so no task commits half a job or forgets to re-raise.
"""

from collections.abc import Callable

from milequest.extensions import db


def run_or_record_failure(run: Callable[[], object], record_failure: Callable[[], object]) -> None:
    """Run the job and commit. On an error, roll the job back, record the failure in a
    transaction of its own, and re-raise, so Celery logs and counts it."""
    try:
        run()
    except Exception:
        db.session.rollback()
        record_failure()
        db.session.commit()
        raise
    db.session.commit()
