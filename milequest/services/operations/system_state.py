"""What an operator needs to know that no single process counts: read at the moment of asking.

Queue depths (Redis), the email outbox's backlog (PostgreSQL), beat's last heartbeat and the last
reconcile's drift (Redis keys written by beat and by the reconcile task), and the free disk of
the local photo store. `/metrics` exposes these beside the counters the processes keep.
"""

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from milequest.config import QUEUES
from milequest.extensions import db, redis_client
from milequest.models import OutboundEmail
from milequest.models.base import utcnow
from milequest.services.core.emails import MAX_ATTEMPTS

BEAT_HEARTBEAT_KEY = "ops:beat:heartbeat"
RECONCILE_KEY = "ops:reconcile:last"
# Kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>".
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


@dataclass(frozen=True)
class Reading:
    name: str
    help: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)


def record_beat_heartbeat(client, now_s: float | None = None) -> None:
    """Beat's "I am scheduling" mark; `client` is a redis-py client (beat has no app context)."""
    client.set(BEAT_HEARTBEAT_KEY, now_s if now_s is not None else time.time())


def record_reconcile(drift_rows: dict[str, int], now_s: float | None = None) -> None:
    """Keep the last reconcile's time and the drifted rows it repaired, per table."""
    ran_at = now_s if now_s is not None else time.time()
    redis_client.set(RECONCILE_KEY, json.dumps({"ran_at": ran_at, "drift": drift_rows}))


def last_reconcile() -> dict | None:
    """{"ran_at": unix seconds, "drift": {table: rows}} of the last run, or None."""
    raw = redis_client.get(RECONCILE_KEY)
    return json.loads(raw) if raw else None


def queue_depths() -> dict[str, int]:
    """Messages waiting (not yet taken by a worker) on each queue."""
    pipe = redis_client.pipeline(transaction=False)
    for queue in QUEUES:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    counts = iter(pipe.execute())
    return {queue: sum(next(counts) for _ in _PRIORITY_SUFFIXES) for queue in QUEUES}


def outbox_backlog() -> tuple[int, float, int]:
    """(emails waiting to be sent, age in seconds of the oldest, emails given up on)."""
    unsent = OutboundEmail.sent_at.is_(None)
    waiting, oldest = db.session.execute(
        select(func.count(), func.min(OutboundEmail.created_at)).where(
            unsent, OutboundEmail.attempts < MAX_ATTEMPTS
        )
    ).one()
    given_up = db.session.execute(
        select(func.count()).where(unsent, OutboundEmail.attempts >= MAX_ATTEMPTS)
    ).scalar_one()
    age_s = (utcnow() - oldest).total_seconds() if oldest else 0.0
    return waiting, age_s, given_up


def photo_disk() -> tuple[int, int] | None:
    """(free bytes, total bytes) of the local photo store's disk; None for S3."""
    if current_app.config["PHOTO_STORAGE"] != "local":
        return None
    path = Path(current_app.config["PHOTO_STORAGE_DIR"])
    while not path.exists() and path != path.parent:  # not created until the first photo
        path = path.parent
    usage = shutil.disk_usage(path)
    return usage.free, usage.total


def readings() -> list[Reading]:
    found = [
        Reading("milequest_queue_depth", "Tasks waiting on a Celery queue.", depth, {"queue": q})
        for q, depth in queue_depths().items()
    ]
    waiting, age_s, given_up = outbox_backlog()
    found += [
        Reading("milequest_outbox_backlog", "Emails in the outbox not sent yet.", waiting),
        Reading(
            "milequest_outbox_oldest_age_seconds", "Age of the oldest email not sent yet.", age_s
        ),
        Reading("milequest_outbox_failed", "Emails given up on after every attempt.", given_up),
    ]
    if heartbeat := redis_client.get(BEAT_HEARTBEAT_KEY):
        found.append(
            Reading(
                "milequest_beat_heartbeat_timestamp_seconds",
                "When beat last ran its scheduler loop (unix time).",
                float(heartbeat),
            )
        )
    if reconcile := last_reconcile():
        found.append(
            Reading(
                "milequest_reconcile_last_run_timestamp_seconds",
                "When the counters were last reconciled (unix time).",
                reconcile["ran_at"],
            )
        )
        found += [
            Reading(
                "milequest_reconcile_drift_rows",
                "Counter rows the last reconcile found wrong and repaired.",
                rows,
                {"table": table},
            )
            for table, rows in reconcile["drift"].items()
        ]
    if disk := photo_disk():
        found += [
            Reading("milequest_photo_disk_free_bytes", "Free bytes on the photo disk.", disk[0]),
            Reading("milequest_photo_disk_size_bytes", "Size of the photo disk.", disk[1]),
        ]
    return found
