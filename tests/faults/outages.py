"""What the fault-injection tests share: a Redis of their own under real processes, and the
invariants checked from the database after each fault."""

import uuid
from contextlib import contextmanager
from types import SimpleNamespace

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity
from milequest.services.core import counters
from milequest.services.walks import activities
from tests.services_control import temporary_redis


@contextmanager
def own_redis(app):
    """A throwaway Redis, and a config like the suite's but on it: processes started with it
    use that Redis for everything (broker, pub/sub, rate limits), so a test may stop it."""
    with temporary_redis() as server:
        yield server, SimpleNamespace(config={**app.config, "REDIS_URL": server.url})


def a_walk(walker, team, km: float = 2.5) -> dict[str, str]:
    return {
        "client_id": str(uuid.uuid4()),
        "distance": str(km),
        "unit": "km",
        "activity_date": activities.today_for(walker).isoformat(),
        "kind": "walk",
        "team_id": str(team.id),
    }


def stored_once(client_ids: list[str]) -> dict[str, int]:
    """How many rows each client id has (each accepted walk must have exactly one)."""
    db.session.expire_all()
    ids = [uuid.UUID(c) for c in client_ids]
    rows = db.session.execute(
        select(Activity.client_id, func.count())
        .where(Activity.client_id.in_(ids))
        .group_by(Activity.client_id)
    )
    found = {str(client_id): count for client_id, count in rows}
    return {client_id: found.get(client_id, 0) for client_id in client_ids}


def counter_drift() -> dict[str, list[dict]]:
    """Every counter that differs from the counting rule's sums (empty lists: none)."""
    db.session.expire_all()
    return {kind: rows for kind, rows in counters.find_drift().items() if rows}
