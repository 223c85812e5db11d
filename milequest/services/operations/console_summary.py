"""The console's first page: who walks, what waits, and what went wrong, read at the moment."""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from milequest.extensions import db, redis_client
from milequest.lib import metrics
from milequest.models import Activity, WalkerSession
from milequest.models.base import utcnow
from milequest.services.operations import system_state


@dataclass(frozen=True)
class Queues:
    depths: dict[str, int]
    outbox_waiting: int
    outbox_oldest_s: float
    outbox_given_up: int


@dataclass(frozen=True)
class Summary:
    active_today: int  # walkers seen since midnight UTC
    active_week: int  # walkers seen in the last 7 days
    walks_today: int  # activities logged since midnight UTC
    queues: Queues
    beat_seen_s_ago: float | None
    reconcile: dict | None  # {"ran_at": datetime, "drift": {table: rows}}
    processes: dict[str, float]  # metrics.process_totals()


def _walkers_seen_since(moment: datetime) -> int:
    return db.session.execute(
        select(func.count(func.distinct(WalkerSession.user_id))).where(
            WalkerSession.last_seen_at >= moment
        )
    ).scalar_one()


def last_reconcile() -> dict | None:
    """The last reconcile's time (a datetime) and drift per table, or None if it never ran."""
    found = system_state.last_reconcile()
    if found is None:
        return None
    ran_at = datetime.fromtimestamp(found["ran_at"], tz=utcnow().tzinfo)
    return {"ran_at": ran_at, "drift": found["drift"]}


def queues() -> Queues:
    """What waits on each Celery queue and in the email outbox (the readings /metrics shows)."""
    waiting, oldest_s, given_up = system_state.outbox_backlog()
    return Queues(system_state.queue_depths(), waiting, oldest_s, given_up)


def summary() -> Summary:
    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    heartbeat = redis_client.get(system_state.BEAT_HEARTBEAT_KEY)
    return Summary(
        active_today=_walkers_seen_since(midnight),
        active_week=_walkers_seen_since(now - timedelta(days=7)),
        walks_today=db.session.execute(
            select(func.count()).where(Activity.created_at >= midnight)
        ).scalar_one(),
        queues=queues(),
        beat_seen_s_ago=time.time() - float(heartbeat) if heartbeat else None,
        reconcile=last_reconcile(),
        processes=metrics.process_totals(),
    )
