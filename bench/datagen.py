"""Bulk-load a realistic data set with COPY: walkers, teams, journeys, a year of activities.

Rows go in through psycopg2's `copy_expert` (never ORM inserts); journeys are planned in Python
so that each team completes route after route and its last journey is still under way; the
counters are then computed in SQL from the loaded activities with the app's own counting rule
(services/counters.py), so `find_drift()` finds nothing.
"""

import io
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

from milequest.lib import passwords
from milequest.services.core import counters

PASSWORD = "bench-walker-password"
EMAIL_DOMAIN = "bench.example.com"
TEAM_PREFIX = "Bench Team "
COPY_CHUNK_ROWS = 100_000
NULL = "\\N"  # COPY's text format
KINDS = (("walk", 1.4), ("run", 2.8), ("hike", 1.2), ("wheelchair", 1.6), ("other", 2.0))
KIND_WEIGHTS = (70, 15, 8, 2, 5)  # walk, run, hike, wheelchair, other (per cent)


@dataclass(frozen=True)
class Scale:
    walkers: int
    teams: int
    activities: int
    days: int = 365


FULL = Scale(walkers=10_000, teams=1_000, activities=2_000_000)
LARGE = Scale(walkers=10_000, teams=1_000, activities=10_000_000)


@dataclass(frozen=True)
class Journey:
    team_index: int
    route_id: int
    start_day: int
    end_day: int | None  # the day it was completed (None: still active)


def email(n: int) -> str:
    return f"walker{n}@{EMAIL_DOMAIN}"


def loaded_scale(cursor) -> Scale:
    """What the database holds of a generated data set (zeros when nothing was generated)."""
    cursor.execute("SELECT count(*) FROM users WHERE email LIKE %s", (f"%@{EMAIL_DOMAIN}",))
    walkers = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM teams WHERE name LIKE %s", (TEAM_PREFIX + "%",))
    teams = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM activities")
    return Scale(walkers, teams, cursor.fetchone()[0])


def generate(cursor, scale: Scale, today: date, seed: int = 10, log=print) -> dict[str, int]:
    """Load `scale` into the (empty) database of `cursor` in its transaction; row counts."""
    if scale.walkers < 2 * scale.teams:
        raise ValueError("every team needs two walkers: walkers >= 2 x teams")
    rng = random.Random(seed)
    first_day = today - timedelta(days=scale.days)  # up to yesterday: every stamp is past
    started = time.monotonic()
    walker_ids = _load_walkers(cursor, scale.walkers, first_day)
    teams = _plan_teams(rng, walker_ids, scale.teams)
    team_ids, joined = _load_teams(cursor, rng, teams, first_day, scale.days)
    daily_m = _load_activities(cursor, rng, walker_ids, scale, first_day)
    log(f"walkers, teams, activities copied in {time.monotonic() - started:.0f} s")
    planned = _plan_journeys(rng, teams, joined, daily_m, _ready_routes(cursor), scale.days)
    _load_journeys(cursor, planned, team_ids, teams, first_day)
    cursor.execute("ANALYZE")  # fresh statistics, or the counters' join plans for empty tables
    log(f"journeys planned and copied, analyzed at {time.monotonic() - started:.0f} s")
    fill_counters(cursor)
    _record_events(cursor)
    log(f"counters and team events computed at {time.monotonic() - started:.0f} s")
    return {
        table: _count(cursor, table)
        for table in ("users", "teams", "memberships", "journeys", "activities", "team_events")
    }


def _copy(cursor, table: str, columns: str, rows) -> None:
    """COPY an iterable of tab-separated lines in chunks (bounded memory)."""
    buffer = io.StringIO()
    for n, line in enumerate(rows, 1):
        buffer.write(line)
        if n % COPY_CHUNK_ROWS == 0:
            _flush(cursor, table, columns, buffer)
            buffer = io.StringIO()
    _flush(cursor, table, columns, buffer)


def _flush(cursor, table: str, columns: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]


def _load_walkers(cursor, n: int, first_day: date) -> list[int]:
    password_hash = passwords.hash_password(PASSWORD)  # one hash for all: log-in stays possible
    created = f"{first_day - timedelta(days=30)} 09:00:00+00"
    rows = (
        f"{email(i)}\tWalker {i}\t{password_hash}\t{created}\t{'mi' if i % 3 == 0 else 'km'}"
        f"\tUTC\t{created}\n"
        for i in range(1, n + 1)
    )
    columns = "email, display_name, password_hash, email_verified_at, units, timezone, created_at"
    _copy(cursor, "users", columns, rows)
    cursor.execute("SELECT id FROM users WHERE email LIKE %s ORDER BY id", (f"%@{EMAIL_DOMAIN}",))
    return [row[0] for row in cursor.fetchall()]


def _plan_teams(rng: random.Random, walker_ids: list[int], n_teams: int) -> list[list[int]]:
    """Member ids per team, captain first: two each, the rest by a heavy-tailed popularity."""
    shuffled = rng.sample(walker_ids, len(walker_ids))
    teams = [shuffled[2 * t : 2 * t + 2] for t in range(n_teams)]
    weights = [min(rng.paretovariate(1.3), 25.0) for _ in range(n_teams)]
    rest = shuffled[2 * n_teams :]
    for walker, t in zip(rest, rng.choices(range(n_teams), weights, k=len(rest)), strict=True):
        teams[t].append(walker)
    for walker in rng.sample(walker_ids, len(walker_ids) * 3 // 10):  # 30% walk in two teams
        t = rng.choices(range(n_teams), weights)[0]
        if walker not in teams[t]:
            teams[t].append(walker)
    return teams


def _load_teams(cursor, rng, teams: list[list[int]], first_day: date, days: int):
    """Teams and memberships; returns the team ids and each membership's first day index."""
    created = f"{first_day - timedelta(days=1)} 08:00:00+00"
    rows = (
        f"{TEAM_PREFIX}{t + 1:04d}\t\t{'t' if t % 5 == 0 else 'f'}\t{max(50, len(members))}"
        f"\t{len(members)}\t{members[0]}\t{created}\n"
        for t, members in enumerate(teams)
    )
    columns = "name, description, is_public, member_limit, member_count, created_by_id, created_at"
    _copy(cursor, "teams", columns, rows)
    cursor.execute("SELECT id FROM teams WHERE name LIKE %s ORDER BY id", (TEAM_PREFIX + "%",))
    team_ids = [row[0] for row in cursor.fetchall()]
    joined = [
        [0 if i < 2 or rng.random() < 0.8 else rng.randrange(days // 2) for i in range(len(m))]
        for m in teams
    ]
    rows = (
        f"{team_ids[t]}\t{user_id}\t{'captain' if i == 0 else 'member'}"
        f"\t{first_day + timedelta(days=joined[t][i])} 08:00:00+00"
        f"\t{first_day + timedelta(days=joined[t][i])}\n"
        for t, members in enumerate(teams)
        for i, user_id in enumerate(members)
    )
    _copy(cursor, "memberships", "team_id, user_id, role, joined_at, joined_on", rows)
    return team_ids, joined


def _load_activities(cursor, rng, walker_ids: list[int], scale: Scale, first_day: date):
    """Activities spread over the days; returns each walker's distance per day (metres)."""
    levels = [rng.lognormvariate(0, 0.8) for _ in walker_ids]
    per_level = scale.activities / sum(levels)
    counts = [int(level * per_level) for level in levels]
    for i in rng.sample(range(len(counts)), scale.activities - sum(counts)):
        counts[i] += 1
    daily_m = {walker: [0.0] * scale.days for walker in walker_ids}
    days = [(first_day + timedelta(days=d)).isoformat() for d in range(scale.days)]
    kinds = rng.choices(KINDS, KIND_WEIGHTS, k=4096)

    def rows():
        for walker, n in zip(walker_ids, counts, strict=True):
            mine = daily_m[walker]
            for _ in range(n):
                d = rng.randrange(scale.days)
                metres = int(min(max(rng.lognormvariate(8.2, 0.6), 200), 40_000))
                mine[d] += metres
                kind, speed_mps = kinds[rng.getrandbits(12)]
                duration = int(metres / speed_mps) if rng.random() < 0.7 else NULL
                stamp = f"{days[d]} 18:00:00+00"
                yield (
                    f"{walker}\t{rng.getrandbits(128):032x}\t{kind}\t{metres}\t{days[d]}"
                    f"\t{duration}\t{stamp}\t{stamp}\n"
                )

    columns = "user_id, client_id, kind, distance_m, activity_date, duration_s, created_at"
    _copy(cursor, "activities", columns + ", updated_at", rows())
    return daily_m


def _ready_routes(cursor) -> list[tuple[int, float]]:
    cursor.execute("SELECT id, length_m FROM routes WHERE status = 'ready' AND slug IS NOT NULL")
    routes = cursor.fetchall()
    if not routes:
        raise RuntimeError("no catalog routes are built: run `flask catalog` first")
    return sorted(routes)


def _plan_journeys(rng, teams, joined, daily_m, routes, days: int) -> list[Journey]:
    """Each team walks route after route (a short pause between); the last one is under way."""
    planned = []
    for t, members in enumerate(teams):
        team_m = [0.0] * days
        for walker, first in zip(members, joined[t], strict=True):
            mine = daily_m[walker]
            for d in range(first, days):
                team_m[d] += mine[d]
        day = rng.randrange(30)
        while True:
            route_id, length_m = rng.choice(routes)
            walked_m, end = 0.0, day
            while end < days and walked_m + team_m[end] < length_m:
                walked_m += team_m[end]
                end += 1
            if end >= days:
                planned.append(Journey(t, route_id, day, None))
                break
            planned.append(Journey(t, route_id, day, end))
            day = end + 1 + rng.randrange(8)
            if day >= days:  # finished lately: the captain has not started the next one yet
                break
    return planned


def _load_journeys(cursor, planned: list[Journey], team_ids, teams, first_day: date) -> None:
    def on(day: int) -> date:
        return first_day + timedelta(days=day)

    rows = (
        f"{team_ids[j.team_index]}\t{j.route_id}\t{'active' if j.end_day is None else 'completed'}"
        f"\t{on(j.start_day)}\t{teams[j.team_index][0]}\t{on(j.start_day)} 07:00:00+00"
        f"\t{NULL if j.end_day is None else f'{on(j.end_day)} 20:00:00+00'}\n"
        for j in planned
    )
    columns = "team_id, route_id, status, started_on, started_by_id, created_at, ended_at"
    _copy(cursor, "journeys", columns, rows)


# The counters, computed from the raw activities by the same rule the app logs with.
_COUNTERS = (
    "INSERT INTO journey_member_days (journey_id, user_id, day, distance_m)"
    f" SELECT journey_id, user_id, day, distance_m FROM ({counters._EXPECTED_DAYS}) e",
    """INSERT INTO journey_contributions (journey_id, user_id, distance_m, active_days)
       SELECT journey_id, user_id, SUM(distance_m), COUNT(*) FILTER (WHERE distance_m > 0)
       FROM journey_member_days GROUP BY 1, 2""",
    """UPDATE journeys j SET distance_m = c.distance_m
       FROM (SELECT journey_id, SUM(distance_m) AS distance_m FROM journey_contributions
             GROUP BY 1) c
       WHERE c.journey_id = j.id""",
    """UPDATE journeys j SET milestones_reached = (
           SELECT count(*) FROM route_waypoints w
           WHERE w.route_id = j.route_id AND w.distance_m <= j.distance_m)""",
    """INSERT INTO walker_days (user_id, day, distance_m)
       SELECT user_id, activity_date, SUM(distance_m) FROM activities
       WHERE review_status = 'ok' GROUP BY 1, 2""",
)


def fill_counters(cursor) -> None:
    for statement in _COUNTERS:
        cursor.execute(statement)


# The team log as the app would have written it: creation, joins, journeys started and ended.
_EVENTS = """
INSERT INTO team_events (team_id, kind, actor_id, subject_id, data, created_at)
SELECT team_id, kind, actor_id, subject_id, data, created_at FROM (
    SELECT t.id AS team_id, 'team_created' AS kind, t.created_by_id AS actor_id,
           NULL::integer AS subject_id, '{}'::jsonb AS data, t.created_at
    FROM teams t
    UNION ALL
    SELECT m.team_id, 'member_joined', m.user_id, m.user_id, '{}'::jsonb, m.joined_at
    FROM memberships m
    UNION ALL
    SELECT j.team_id, 'journey_started', j.started_by_id, NULL,
           jsonb_build_object('journey_id', j.id, 'route', r.name), j.created_at
    FROM journeys j JOIN routes r ON r.id = j.route_id
    UNION ALL
    SELECT j.team_id, 'journey_completed', NULL, NULL,
           jsonb_build_object('journey_id', j.id, 'route', r.name), j.ended_at
    FROM journeys j JOIN routes r ON r.id = j.route_id WHERE j.ended_at IS NOT NULL
) e ORDER BY created_at
"""


def _record_events(cursor) -> None:
    cursor.execute(_EVENTS)
