"""`python -m bench` (run by `make bench`): data at scale, load, timed items, BENCHMARKS.md."""

import argparse
import asyncio
import shutil
import sys
import time
from datetime import date
from pathlib import Path
from random import Random

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import costs, datagen, processes, profiles, report
from bench.loadgen import Walker, closed_loop, log_in, new_http, open_loop
from bench.scenarios import CAPACITY, OPEN_LOOP, SCENARIOS
from bench.timed import TIMED
from bench.weight import weigh
from milequest import create_app
from milequest.extensions import db

TABLES = (
    "users",
    "teams",
    "memberships",
    "journeys",
    "activities",
    "journey_member_days",
    "journey_contributions",
    "walker_days",
    "team_events",
)
_WALKERS = text("""
SELECT DISTINCT ON (u.id) u.id, u.email, m.team_id, u.units
FROM users u
JOIN memberships m ON m.user_id = u.id AND m.left_at IS NULL
JOIN journeys j ON j.team_id = m.team_id AND j.status = 'active'
WHERE u.email LIKE :pattern
ORDER BY u.id, m.team_id
""")


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scale",
        choices=("full", "large"),
        default="full",
        help="full: 2,000,000 activities; large: 10,000,000",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up, not counted")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="multiply every rate")
    parser.add_argument(
        "--light-scale",
        type=float,
        default=0.1,
        help="each scenario first runs at this share of its rate (below saturation)",
    )
    parser.add_argument("--walkers", type=int, default=200, help="walkers logged in")
    parser.add_argument(
        "--scenarios", default=",".join(OPEN_LOOP), help="open-loop runs ('' for none)"
    )
    parser.add_argument(
        "--capacity",
        default=",".join(CAPACITY),
        help="closed-loop capacity runs, each beside the floor's ('' for none)",
    )
    parser.add_argument("--connections", type=int, default=32, help="closed-loop clients")
    parser.add_argument(
        "--capacity-duration", type=float, default=15.0, help="seconds per capacity run"
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy runs (an extra, uncounted capacity run per profiled scenario)",
    )
    parser.add_argument(
        "--no-costs", dest="costs", action="store_false", help="skip bench/costs.py's table"
    )
    parser.add_argument(
        "--no-instructions",
        dest="instructions",
        action="store_false",
        help="costs without callgrind's instruction counts (about a minute and a half)",
    )
    parser.add_argument("--skip-timed", action="store_true")
    parser.add_argument("--port", type=int, default=5590)
    parser.add_argument("--output", type=Path, default=Path("BENCHMARKS.md"))
    return parser.parse_args(argv)


def ensure_data(scale: datagen.Scale, log=print) -> str:
    """Generate unless the bench database already holds the data set; say which."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        loaded = datagen.loaded_scale(cursor)
        if loaded.walkers >= scale.walkers and loaded.activities >= scale.activities:
            return (
                f"data generation skipped: the database already held {loaded.walkers:,}"
                f" walkers and {loaded.activities:,} activities"
            )
        if loaded.walkers or loaded.activities:
            raise SystemExit("the bench database holds another data set: `dropdb` it first")
        started = time.monotonic()
        datagen.generate(cursor, scale, date.today(), log=log)
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return f"generated (COPY) and counters computed in {time.monotonic() - started:.0f} s"


async def drive(args, out: report.Report, walker_rows) -> None:
    base_url = f"http://127.0.0.1:{args.port}"
    # Idle connections close before gunicorn's 2 s keep-alive ends: no reuse of a closing one.
    connector = aiohttp.TCPConnector(limit=512, keepalive_timeout=1.0)
    walkers = [
        Walker(uid, email, team, units, new_http(base_url, connector))
        for uid, email, team, units in walker_rows
    ]
    anonymous = Walker(0, "", 0, "km", new_http(base_url, connector))
    try:
        with processes.running(args.port):  # sessions are signed cookies: they outlive it
            # argon2 holds a gevent worker's loop: one log-in per worker at a time.
            await _each(walkers, lambda w: log_in(w, datagen.PASSWORD), concurrency=2)
        await _capacities(walkers, args, out)
        for name in _names(args.scenarios):
            for scale in (args.light_scale, args.rate_scale):  # below saturation, then the goal
                # Fresh processes for each run: an overloaded run leaves thousands of queued
                # requests behind in gevent's loop, which would slow the next run down.
                with processes.running(args.port):
                    out.loads.append(await _measure(name, walkers, args, scale))
            out.goals[name] = SCENARIOS[name].goal
        with processes.running(args.port):
            out.weights.append(await weigh(anonymous, "/"))
            out.weights.append(await weigh(walkers[0], "/dashboard"))
            out.weights.append(await weigh(walkers[0], f"/teams/{walkers[0].team_id}"))
    finally:
        for w in [*walkers, anonymous]:
            await w.http.close()
        await connector.close()


PROFILED = ("team_page", "dashboard", "leaderboard", "log_activity")


def _names(option: str) -> list[str]:
    return [name for name in option.split(",") if name]


async def _capacities(walkers: list[Walker], args, out: report.Report) -> None:
    """Each scenario between two runs of the floor (both processes up all along): its ratio
    is to the floor measured right around it, so a machine that gets busier or quieter during
    the run moves both sides alike."""
    names = _names(args.capacity)
    if not names:
        return
    for walker in walkers:
        walker.extra["floor_url"] = f"http://127.0.0.1:{args.port + 1}/floor"
    with processes.running(args.port) as web, processes.floor_running(args.port + 1):
        for name in names:
            out.capacities.append(await _capacity("floor", walkers, args))
            out.capacities.append(await _capacity(name, walkers, args, web.pid, out.profiles))
        out.capacities.append(await _capacity("floor", walkers, args))
    mixed = next((r for r in out.capacities if r.scenario == "mixed"), None)
    if mixed and mixed.served_rps:
        with processes.running(args.port):
            out.half_capacity_mixed = await _measure(
                "mixed", walkers, args, rate=mixed.served_rps / 2
            )
        with processes.running(args.port):
            out.mixed_at_300 = await _measure("mixed", walkers, args, rate=300)


async def _capacity(name: str, walkers: list[Walker], args, web_pid=0, summaries=None):
    s = SCENARIOS[name]
    if s.prepare:
        await _each(walkers, s.prepare)
    ok = lambda status: status in s.ok_statuses  # noqa: E731
    await closed_loop(name, walkers, s.send, args.connections, args.warmup, ok)
    seconds = args.capacity_duration
    result = await closed_loop(name, walkers, s.send, args.connections, seconds, ok)
    if args.profile and summaries is not None and name in PROFILED:  # apart: py-spy slows it
        with profiles.recording(name, web_pid, seconds, summaries):
            await closed_loop(name, walkers, s.send, args.connections, seconds, ok)
    print(f"{name}: capacity {result.served_rps:.0f}/s, {result.error_count} errors", flush=True)
    return result


async def _measure(name: str, walkers: list[Walker], args, scale: float = 1.0, rate=None):
    """Warm up, then offer `rate` (or the scenario's rate times `scale`) for the duration."""
    s = SCENARIOS[name]
    if s.prepare:
        await _each(walkers, s.prepare)
    ok = lambda status: status in s.ok_statuses  # noqa: E731
    rate = rate or s.rate_rps * scale
    await open_loop(name, walkers, s.send, min(s.rate_rps, rate, 50), args.warmup, ok)
    result = await open_loop(name, walkers, s.send, rate, args.duration, ok)
    print(
        f"{name}: {result.served_rps:.0f}/s served of {rate:.0f}, p95"
        f" {result.latency_ms(95):.1f} ms, {result.error_count} errors",
        flush=True,
    )
    return result


async def settle(walker: Walker, timeout_s: float = 60.0) -> None:
    """Wait until the server answers /readyz in under 200 ms again (its backlog is gone).

    /readyz needs a database connection from the pool, so it waits behind queued requests
    (under gevent /healthz would answer at once while hundreds of them still wait).
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            async with walker.http.get("/readyz") as answer:
                await answer.read()
            if time.monotonic() - started < 0.2:
                return
        except (TimeoutError, aiohttp.ClientError):
            pass
        await asyncio.sleep(1)


async def _each(walkers: list[Walker], call, concurrency: int = 8) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def one(walker):
        async with limit:
            try:
                await call(walker)
            except (aiohttp.ClientError, TimeoutError):  # set-up, not measured: retry once
                await settle(walker)
                await call(walker)

    await asyncio.gather(*(one(w) for w in walkers))


def main(argv=None) -> None:
    args = parse(argv)
    app = create_app()
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    if "bench" not in database:
        raise SystemExit(f"refusing to generate into {database!r}: use the bench database")
    scale = datagen.LARGE if args.scale == "large" else datagen.FULL
    given = " ".join(sys.argv[1:] if argv is None else argv)
    out = report.Report(command="make bench" + (f" BENCH_ARGS='{given}'" if given else ""))
    out.connections = args.connections
    with app.app_context():
        out.generation = ensure_data(scale)
        print(out.generation, flush=True)
        version = db.session.scalar(text("SHOW server_version"))
        out.machine = {**report.machine(version), "load average at start": report.load_average()}
        out.data = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
        rows = list(db.session.execute(_WALKERS, {"pattern": f"%@{datagen.EMAIL_DOMAIN}"}))
        db.session.remove()
    walker_rows = Random(7).sample(rows, min(args.walkers, len(rows)))
    asyncio.run(drive(args, out, walker_rows))
    if args.costs:
        options = [] if args.instructions and shutil.which("valgrind") else ["--no-instructions"]
        out.costs = costs.run(costs.parse(options))
    if not args.skip_timed:
        with app.app_context():
            for name, item in TIMED.items():
                started = time.monotonic()
                out.timed[name] = item.run()
                print(f"{name}: {time.monotonic() - started:.1f} s", flush=True)
                db.session.remove()
    out.machine["load average at end"] = report.load_average()
    out.notes = report.standard_notes(args)
    args.output.write_text(report.markdown(out))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
