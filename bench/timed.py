"""Timed items run in-process against the bench database, in a registry like the scenarios.

An item returns rows of (measure, value).
"""

import io
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

from flask import current_app
from PIL import Image
from sqlalchemy import func, select, text

from bench.stats import percentile
from milequest.extensions import db
from milequest.lib import image_cleaning, photo_classifier
from milequest.models import Journey, Membership, Route, User
from milequest.models.activity import COUNTED_SQL
from milequest.services.atlas import route_positions, routes
from milequest.services.core import counters
from milequest.services.gps_imports import imports
from milequest.services.teamwork import leaderboards
from tests import gps_builders
from workers.aggregation import reconcile_counters

Rows = list[tuple[str, str]]


@dataclass(frozen=True)
class Timed:
    name: str
    title: str
    run: Callable[[], Rows]


TIMED: dict[str, Timed] = {}


def timed(name: str, title: str):
    def register(run: Callable[[], Rows]) -> Callable[[], Rows]:
        TIMED[name] = Timed(name, title, run)
        return run

    return register


def repeat_ms(call: Callable[[], object], times: int) -> list[float]:
    """Wall-clock milliseconds of each of `times` calls."""
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _ms(samples: list[float]) -> str:
    return f"p50 {percentile(samples, 50):.2f} ms, p95 {percentile(samples, 95):.2f} ms"


BENCH_ROUTE_NAME = "Bench route, 5,000 vertices"
VERTICES = 5_000


def bench_route() -> Route:
    """A walker's route through the longest catalog route's waypoints, cut into ~5,000 vertices."""
    route = db.session.scalar(select(Route).where(Route.name == BENCH_ROUTE_NAME))
    if route is not None:
        return route
    longest = db.session.scalar(
        select(Route).where(Route.slug.is_not(None)).order_by(Route.length_m.desc()).limit(1)
    )
    owner = db.session.scalar(select(User).order_by(User.id).limit(1))
    route = routes.create_draft(owner, BENCH_ROUTE_NAME)
    for lon, lat in routes.waypoint_points(longest):
        routes.add_point(route, lon, lat)
    routes.submit_route(route)
    config = current_app.config
    saved, config["ROUTE_SEGMENT_MAX_M"] = (
        config["ROUTE_SEGMENT_MAX_M"],
        longest.length_m / VERTICES,
    )
    try:
        routes.build_route(route.id)
    finally:
        config["ROUTE_SEGMENT_MAX_M"] = saved
    db.session.commit()
    return route


@timed("position", "Position along a 5,000-vertex route (services/route_positions.position_at)")
def position() -> Rows:
    route = bench_route()
    vertices = db.session.scalar(select(func.ST_NPoints(Route.path)).where(Route.id == route.id))
    rng = Random(5)
    samples = repeat_ms(
        lambda: route_positions.position_at(route.id, rng.uniform(0, route.length_m)), 300
    )
    return [
        ("vertices", f"{vertices:,}"),
        ("route length", f"{route.length_m / 1000:,.0f} km"),
        ("300 random positions", _ms(samples)),
    ]


@timed("reconcile", "Reconcile over the whole data set (workers/aggregation.reconcile_counters)")
def reconcile() -> Rows:
    db.session.remove()
    started = time.perf_counter()
    found = reconcile_counters()
    elapsed_s = time.perf_counter() - started
    fixed = ", ".join(f"{table} {n}" for table, n in found.items())
    return [("one run", f"{elapsed_s:.1f} s"), ("rows repaired (drift)", fixed)]


# The leaderboard as it would be without counters: SUM over the raw activities, same rule.
_SUM_LEADERBOARD = text(f"""
SELECT u.id, u.display_name, COALESCE(SUM({COUNTED_SQL}), 0) AS distance_m,
       COUNT(DISTINCT a.activity_date) AS active_days
FROM journeys j
JOIN memberships cur ON cur.team_id = j.team_id AND cur.left_at IS NULL
JOIN users u ON u.id = cur.user_id
LEFT JOIN activities a ON a.user_id = cur.user_id AND {counters.CREDIT_RULE}
WHERE j.id = :journey_id
GROUP BY u.id, u.display_name
ORDER BY distance_m DESC, u.display_name
""")


def _team_sizes() -> list[tuple[int, int]]:
    """(active journey id, current members) of every team, smallest team first."""
    members = (
        select(Membership.team_id, func.count().label("n"))
        .where(Membership.left_at.is_(None))
        .group_by(Membership.team_id)
        .subquery()
    )
    return list(
        db.session.execute(
            select(Journey.id, members.c.n)
            .join(members, members.c.team_id == Journey.team_id)
            .where(Journey.status == "active")
            .order_by(members.c.n, Journey.id)
        )
    )


@timed("leaderboard", "Leaderboard: counters (services/leaderboards) vs SUM() over raw activities")
def leaderboard_ratio() -> Rows:
    sizes = _team_sizes()
    rows = []
    for label, (journey_id, n) in (("median", sizes[len(sizes) // 2]), ("largest", sizes[-1])):
        journey = db.session.get(Journey, journey_id)
        counted = repeat_ms(lambda j=journey: leaderboards.leaderboard(j), 50)
        summed = repeat_ms(
            lambda j=journey: db.session.execute(_SUM_LEADERBOARD, {"journey_id": j.id}).all(), 5
        )
        ratio = percentile(summed, 50) / percentile(counted, 50)
        rows += [
            (f"{label} team ({n} members): counters", _ms(counted)),
            (f"{label} team ({n} members): SUM()", _ms(summed)),
            (f"{label} team: ratio (p50)", f"{ratio:,.0f}x"),
        ]
    return rows


@timed("gpx_import", "Import of a 10,000-point GPX file (services/imports.run_import)")
def gpx_import() -> Rows:
    walker = db.session.scalar(select(User).order_by(User.id).limit(1))
    # 10,000 points about 11 m apart, one every 8 s (a brisk walk of ~110 km over a day).
    points = [(-3.0 + (i % 1000) * 0.00016, 55.0 + (i // 1000) * 0.001) for i in range(10_000)]
    started = datetime.now(UTC) - timedelta(days=1)
    data = gps_builders.gpx(points, start=started, step_s=8)

    def import_once() -> None:
        [job_id] = imports.queued_ids(imports.accept_upload(walker, [("walk.gpx", data)]))
        imports.run_import(job_id)
        db.session.rollback()  # measured, not kept

    samples = repeat_ms(import_once, 3)
    return [
        ("file", f"{len(data) / 1024:,.0f} KB"),
        ("parse, measure in PostGIS, store", _ms(samples)),
    ]


@timed("photo_moderation", "Moderation of a 12-megapixel photo (clean-up, then NudeNet)")
def photo_moderation() -> Rows:
    original = _twelve_megapixel_jpeg()
    cleaned = image_cleaning.clean(original)
    classify = photo_classifier.classifier().classify
    classify(cleaned.display)  # load the model once, as a running worker has
    cleaning = repeat_ms(lambda: image_cleaning.clean(original), 3)
    classifying = repeat_ms(lambda: classify(cleaned.display), 5)
    return [
        ("photo", f"4000 x 3000 JPEG, {len(original) / 1e6:.1f} MB"),
        ("decode, orient, strip, resize, hash", _ms(cleaning)),
        ("NudeNet on the 1600 px display image", _ms(classifying)),
    ]


# The 5,000-socket client shares the machine's cores with the server unless pinned apart
# (taskset: the client on core 1, the `ws` server's two workers on core 0; PostgreSQL and
# Redis unpinned).
LIVE_RUNS = {
    "shared cores": [],
    "pinned apart": ["taskset", "-c", "1"],
}


@timed("live", "Open sockets on one machine and broadcast latency (scripts/bench_live.py)")
def live_sockets() -> Rows:
    rows = []
    for mode, pin in LIVE_RUNS.items():
        script = ["scripts/bench_live.py", "--sockets", "5000", "--events", "10", "--workers", "2"]
        pinned = ["--server-cpus", "0"] if pin else []
        done = subprocess.run(
            [*pin, sys.executable, *script, *pinned],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        found = [
            (line.split(":")[0], line.split(":", 1)[1].strip()) if ":" in line else (line, "")
            for line in lines
        ] or [("failed", done.stderr.strip().splitlines()[-1][:200])]
        rows += [(f"{mode}: {measure}", value) for measure, value in found]
    return rows


def _twelve_megapixel_jpeg() -> bytes:
    """A 4000 x 3000 photo-like JPEG (gradients and noise, so it compresses like a photo)."""
    rng = Random(12)
    image = Image.radial_gradient("L").resize((4000, 3000)).convert("RGB")
    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    image = Image.blend(image, noise, 0.35)
    image.putpixel((rng.randrange(4000), rng.randrange(3000)), (255, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
