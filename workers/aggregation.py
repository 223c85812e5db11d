"""Counter upkeep on the `aggregation` queue."""

import logging

from celery import shared_task

from milequest.extensions import db
from milequest.services.achievements import badges
from milequest.services.core import counters
from milequest.services.operations import system_state

log = logging.getLogger(__name__)


@shared_task(name="workers.aggregation.reconcile_counters")
def reconcile_counters() -> dict[str, int]:
    """Recompute every counter from the raw activities; repair and log any drift."""
    db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    drift = counters.find_drift()
    db.session.rollback()  # end the snapshot; the corrections are deltas
    counters.repair(drift)
    for user_id in sorted({row["user_id"] for row in drift["walker_days"]}):
        counters.lock_walker(user_id)  # as a walk's change would: badges follow the days
        badges.recompute(user_id)  # what drift earned is not news for the feed
    db.session.commit()
    found = {table: len(rows) for table, rows in drift.items()}
    system_state.record_reconcile(found)
    if any(found.values()):
        log.warning("Counter drift repaired: %s", found)
    return found
