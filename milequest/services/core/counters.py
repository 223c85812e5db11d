"""The counting rule and the counters it keeps, changed atomically in the caller's transaction.

An activity counts for a journey when it is "ok", its date lies in the journey's window (from
the start; for an ended journey, only if logged before it ended) and inside one of the walker's
memberships of the journey's team (from the walker's local date of joining to that of leaving;
for a walker a captain removed, only what was logged before the removal). The same SQL
predicate serves logging, `resync` and the reconcile, so all three always agree.

Every change to what a walker has counted (log, edit, delete, review, join, a journey's start)
first takes the walker's lock: two of them never compute from each other's half-done work.

History (`counts_for_journeys` false: an import dated before the import window) counts for no
journey at all; like every "ok" activity it counts in the walker's own days (walker_days).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, text

from milequest.extensions import db
from milequest.models import Activity, Journey
from milequest.models.activity import COUNTED_SQL, ReviewStatus, counted

CREDIT_RULE = """
    a.review_status = 'ok'
    AND a.counts_for_journeys
    AND a.activity_date >= j.started_on
    AND (j.ended_at IS NULL OR a.created_at <= j.ended_at)
    AND EXISTS (
        SELECT 1 FROM memberships m
        WHERE m.team_id = j.team_id AND m.user_id = a.user_id
          AND a.activity_date >= m.joined_on
          AND (m.left_on IS NULL OR a.activity_date <= m.left_on)
          AND (NOT m.removed OR a.created_at <= m.left_at)
    )
"""

_CREDITED_JOURNEYS = text(f"""
    SELECT j.id FROM journeys j,
        (SELECT CAST(:user_id AS integer) AS user_id, CAST(:day AS date) AS activity_date,
                CAST(:created_at AS timestamptz) AS created_at,
                CAST(:review_status AS text) AS review_status,
                CAST(:counts_for_journeys AS boolean) AS counts_for_journeys) a
    WHERE j.team_id IN (SELECT team_id FROM memberships WHERE user_id = :user_id)
      AND {CREDIT_RULE}
    ORDER BY j.id
""")

_ADD_TO_JOURNEY = text("""
    UPDATE journeys SET distance_m = distance_m + :delta WHERE id = :journey_id
    RETURNING distance_m - :delta AS before, distance_m AS after, team_id
""")

# The same, re-checking the journey's end under the row lock: a journey that another walk
# completed while this one was being logged takes no credit logged after that end.
_CREDIT_JOURNEY = text("""
    UPDATE journeys SET distance_m = distance_m + :delta
    WHERE id = :journey_id AND (ended_at IS NULL OR CAST(:created_at AS timestamptz) <= ended_at)
    RETURNING distance_m - :delta AS before, distance_m AS after, team_id
""")

_ADD_TO_MEMBER_DAY = text("""
    INSERT INTO journey_member_days (journey_id, user_id, day, distance_m)
    VALUES (:journey_id, :user_id, :day, :delta)
    ON CONFLICT (journey_id, user_id, day)
    DO UPDATE SET distance_m = journey_member_days.distance_m + EXCLUDED.distance_m
    RETURNING distance_m - :delta AS before, distance_m AS after
""")

_ADD_TO_CONTRIBUTION = text("""
    INSERT INTO journey_contributions (journey_id, user_id, distance_m, active_days)
    VALUES (:journey_id, :user_id, :delta, :days)
    ON CONFLICT (journey_id, user_id)
    DO UPDATE SET distance_m = journey_contributions.distance_m + EXCLUDED.distance_m,
                  active_days = journey_contributions.active_days + EXCLUDED.active_days
""")

_ADD_TO_WALKER_DAY = text("""
    INSERT INTO walker_days (user_id, day, distance_m) VALUES (:user_id, :day, :delta)
    ON CONFLICT (user_id, day)
    DO UPDATE SET distance_m = walker_days.distance_m + EXCLUDED.distance_m
""")


_WALKER_LOCK = 0xC0DE  # first key of pg_advisory_xact_lock(key, user_id)


def lock_walker(user_id: int) -> None:
    """Hold the walker's counting lock until the transaction ends.

    Take it before reading anything the counting depends on, and before any team event's
    append lock (team_events.record), so that locks are always taken in the same order.
    """
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(:key, :user_id)"),
        {"key": _WALKER_LOCK, "user_id": user_id},
    )


def lock_journeys(journey_ids: set[int]) -> None:
    """Lock these journeys' rows in id order, for a change that moves several of them in turn.

    One `apply` moves its journeys in id order; an edit applies twice (the old facts, then the
    new), which without this could lock them in another order than a parallel log and deadlock.
    """
    db.session.execute(
        text("SELECT id FROM journeys WHERE id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE"),
        {"ids": sorted(journey_ids)},
    )


@dataclass(frozen=True)
class Credit:
    """What one change did to one journey: the distance before and after, for milestones."""

    journey_id: int
    team_id: int
    before_m: Decimal
    after_m: Decimal


def credited_journeys(
    user_id: int,
    day: date,
    created_at: datetime,
    review_status: str = ReviewStatus.OK,
    counts_for_journeys: bool = True,
) -> list[int]:
    params = {
        "user_id": user_id,
        "day": day,
        "created_at": created_at,
        "review_status": review_status,
        "counts_for_journeys": counts_for_journeys,
    }
    return list(db.session.scalars(_CREDITED_JOURNEYS, params))


def journeys_of(
    activity: Activity, *, day: date | None = None, review_status: str | None = None
) -> list[int]:
    """The journeys `activity` counts for (as if dated `day`, or in `review_status`, if given)."""
    return credited_journeys(
        activity.user_id,
        day or activity.activity_date,
        activity.created_at,
        review_status or activity.review_status,
        activity.counts_for_journeys,
    )


def teams_of(activity: Activity, *, review_status: str | None = None) -> set[int]:
    """The teams whose journeys `activity` counts for (or would, in `review_status`)."""
    journey_ids = journeys_of(activity, review_status=review_status)
    if not journey_ids:
        return set()
    return set(db.session.scalars(select(Journey.team_id).where(Journey.id.in_(journey_ids))))


def apply_activity(activity: Activity, sign: int) -> list[Credit]:
    """`apply` with the activity's own facts and counted distance: +1 counts it, -1 takes it
    back (logging, editing, reviewing, deleting)."""
    return apply(
        activity.user_id,
        activity.activity_date,
        activity.created_at,
        sign * counted(activity.distance_m, activity.count_factor),
        activity.review_status,
        activity.counts_for_journeys,
    )


def apply(
    user_id: int,
    day: date,
    created_at: datetime,
    delta_m: Decimal,
    review_status: str = ReviewStatus.OK,
    counts_for_journeys: bool = True,
) -> list[Credit]:
    """Add `delta_m` (negative to take away) wherever an activity with these facts counts.

    The walker's own day counts every "ok" activity, history too. Returns one Credit per
    journey changed. Atomic increments: exact under concurrency.
    """
    if review_status == ReviewStatus.OK:
        db.session.execute(_ADD_TO_WALKER_DAY, {"user_id": user_id, "day": day, "delta": delta_m})
    credits = []
    journey_ids = credited_journeys(user_id, day, created_at, review_status, counts_for_journeys)
    for journey_id in journey_ids:
        keys = {"journey_id": journey_id, "user_id": user_id, "day": day, "delta": delta_m}
        credited = db.session.execute(_CREDIT_JOURNEY, {**keys, "created_at": created_at}).first()
        if credited is None:
            continue
        before, after, team_id = credited
        _add_to_member(keys)
        credits.append(Credit(journey_id, team_id, before, after))
    return credits


def _add_to_member(keys: dict) -> None:
    day_before, day_after = db.session.execute(_ADD_TO_MEMBER_DAY, keys).one()
    days = (day_after > 0) - (day_before > 0)  # a day became active (+1) or empty (-1)
    db.session.execute(_ADD_TO_CONTRIBUTION, {**keys, "days": days})


_WALKER_DRIFT = text(f"""
    WITH e AS (
        SELECT j.id AS journey_id, a.activity_date AS day, SUM({COUNTED_SQL}) AS distance_m
        FROM activities a JOIN journeys j ON j.id = ANY(:journey_ids)
        WHERE a.user_id = :user_id AND {CREDIT_RULE}
        GROUP BY 1, 2
    ), s AS (
        SELECT journey_id, day, distance_m FROM journey_member_days
        WHERE user_id = :user_id AND journey_id = ANY(:journey_ids)
    )
    SELECT journey_id, day, COALESCE(e.distance_m, 0) - COALESCE(s.distance_m, 0) AS delta
    FROM e FULL JOIN s USING (journey_id, day)
    WHERE COALESCE(e.distance_m, 0) <> COALESCE(s.distance_m, 0)
    ORDER BY journey_id, day
""")


def resync(user_id: int, journey_ids: Sequence[int]) -> list[Credit]:
    """Bring one walker's counters on these journeys to what the counting rule says.

    For a change of the rule's inputs other than an activity: a walker joining (today's earlier
    walks now count), a journey starting. The caller holds the walker's lock.
    """
    credits: dict[int, Credit] = {}
    drift = db.session.execute(_WALKER_DRIFT, {"user_id": user_id, "journey_ids": journey_ids})
    for journey_id, day, delta in drift.all():
        keys = {"journey_id": journey_id, "user_id": user_id, "day": day, "delta": delta}
        before, after, team_id = db.session.execute(_ADD_TO_JOURNEY, keys).one()
        _add_to_member(keys)
        before = credits[journey_id].before_m if journey_id in credits else before
        credits[journey_id] = Credit(journey_id, team_id, before, after)
    return list(credits.values())


# Every counter as the raw activities say it should be, compared with what is stored.
_EXPECTED_DAYS = f"""
    SELECT j.id AS journey_id, a.user_id, a.activity_date AS day, SUM({COUNTED_SQL}) AS distance_m
    FROM activities a
    -- A join, not `j.team_id IN (SELECT ... WHERE user_id = a.user_id)`: that correlated
    -- subquery cannot become a join, and over 2 M activities the plan never finished.
    JOIN (SELECT DISTINCT user_id, team_id FROM memberships) t ON t.user_id = a.user_id
    JOIN journeys j ON j.team_id = t.team_id
    WHERE {CREDIT_RULE}
    GROUP BY 1, 2, 3
"""
_DRIFT = {
    "journey_member_days": f"""
        WITH e AS ({_EXPECTED_DAYS})
        SELECT journey_id, user_id, day,
               COALESCE(e.distance_m, 0) - COALESCE(s.distance_m, 0) AS delta
        FROM e FULL JOIN journey_member_days s USING (journey_id, user_id, day)
        WHERE COALESCE(e.distance_m, 0) <> COALESCE(s.distance_m, 0)
    """,
    "journey_contributions": f"""
        WITH e AS (
            SELECT journey_id, user_id, SUM(distance_m) AS distance_m,
                   COUNT(*) FILTER (WHERE distance_m > 0) AS active_days
            FROM ({_EXPECTED_DAYS}) d GROUP BY 1, 2
        )
        SELECT journey_id, user_id,
               COALESCE(e.distance_m, 0) - COALESCE(s.distance_m, 0) AS delta,
               COALESCE(e.active_days, 0) - COALESCE(s.active_days, 0) AS days
        FROM e FULL JOIN journey_contributions s USING (journey_id, user_id)
        WHERE COALESCE(e.distance_m, 0) <> COALESCE(s.distance_m, 0)
           OR COALESCE(e.active_days, 0) <> COALESCE(s.active_days, 0)
    """,
    "journeys": f"""
        WITH e AS (SELECT journey_id, SUM(distance_m) AS distance_m FROM ({_EXPECTED_DAYS}) d
                   GROUP BY 1)
        SELECT j.id AS journey_id, COALESCE(e.distance_m, 0) - j.distance_m AS delta
        FROM journeys j LEFT JOIN e ON e.journey_id = j.id
        WHERE COALESCE(e.distance_m, 0) <> j.distance_m
    """,
    "walker_days": f"""
        WITH e AS (SELECT user_id, activity_date AS day, SUM({COUNTED_SQL}) AS distance_m
                   FROM activities a WHERE review_status = 'ok' GROUP BY 1, 2)
        SELECT user_id, day, COALESCE(e.distance_m, 0) - COALESCE(s.distance_m, 0) AS delta
        FROM e FULL JOIN walker_days s USING (user_id, day)
        WHERE COALESCE(e.distance_m, 0) <> COALESCE(s.distance_m, 0)
    """,
}
_REPAIR = {
    "journey_member_days": _ADD_TO_MEMBER_DAY,
    "journey_contributions": _ADD_TO_CONTRIBUTION,
    "journeys": _ADD_TO_JOURNEY,
    "walker_days": _ADD_TO_WALKER_DAY,
}


def find_drift() -> dict[str, list[dict]]:
    """Each counter table's rows that differ from the raw activities, as corrections (deltas).

    Run it in a REPEATABLE READ transaction so the activities and the counters are read from
    one snapshot; the deltas then stay right even while walkers keep logging.
    """
    return {
        table: [dict(row._mapping) for row in db.session.execute(text(query))]
        for table, query in _DRIFT.items()
    }


def repair(drift: dict[str, list[dict]]) -> None:
    """Apply the corrections as atomic increments (concurrent logs are not overwritten)."""
    for table, rows in drift.items():
        for row in rows:
            db.session.execute(_REPAIR[table], {"days": 0, **row})
