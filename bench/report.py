"""BENCHMARKS.md: the machine, the data, and one table per kind of measurement."""

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import LoadResult
from bench.timed import TIMED, Rows
from bench.weight import Weight

KINDS = ("HTML", "CSS", "JS", "other")


@dataclass
class Report:
    command: str
    machine: dict[str, str] = field(default_factory=dict)
    data: dict[str, int] = field(default_factory=dict)
    generation: str = ""
    loads: list[LoadResult] = field(default_factory=list)
    goals: dict[str, str] = field(default_factory=dict)  # scenario -> goal
    weights: list[Weight] = field(default_factory=list)
    timed: dict[str, Rows] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def machine(postgres_version: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _lines("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0
    )
    return {
        "CPU": cpu,
        "cores (nproc)": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "PostgreSQL": postgres_version,
    }


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.1f}"  # NaN: nothing succeeded


def load_table(loads: list[LoadResult], goals: dict[str, str]) -> list[str]:
    lines = [
        "| scenario | offered req/s | served req/s | p50 ms | p95 ms | p99 ms | errors | goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in loads:
        errors = ", ".join(f"{n} {kind}" for kind, n in r.errors.most_common()) or "0"
        lines.append(
            f"| {r.scenario} | {r.offered_rps:.0f} | {r.served_rps:.0f} | {_ms(r.latency_ms(50))}"
            f" | {_ms(r.latency_ms(95))} | {_ms(r.latency_ms(99))} | {errors}"
            f" | {goals.get(r.scenario, '')} |"
        )
    return lines


def weight_table(weights: list[Weight]) -> list[str]:
    kb = lambda n: f"{n / 1024:.1f}"  # noqa: E731
    lines = [
        "| page | requests | "
        + " | ".join(f"{k} gzip KB" for k in KINDS)
        + " | total gzip KB | total brotli KB | total raw KB |",
        "| --- | ---: | " + " | ".join("---:" for _ in KINDS) + " | ---: | ---: | ---: |",
    ]
    for w in weights:
        cells = " | ".join(kb(w.gzip.get(k, 0)) for k in KINDS)
        lines.append(
            f"| {w.page} | {w.requests} | {cells} | {kb(sum(w.gzip.values()))}"
            f" | {kb(sum(w.brotli.values()))} | {kb(sum(w.raw.values()))} |"
        )
    return lines


def timed_table(timed: dict[str, Rows]) -> list[str]:
    lines = ["| item | measure | value |", "| --- | --- | --- |"]
    for name, item in TIMED.items():
        for n, (measure, value) in enumerate(timed.get(name, [("-", "not run")])):
            lines.append(f"| {item.title if n == 0 else ''} | {measure} | {value} |")
    return lines


def targets_table(report: Report) -> list[str]:
    """Each target of issue 10 beside what this run measured (goals, not assertions)."""
    loads = {r.scenario: r for r in report.loads}  # the last run of each: at the goal's rate
    pages = {w.page.split("/")[1] or "landing": w for w in report.weights}

    def load(name: str) -> str:
        r = loads.get(name)
        if r is None:
            return "not run"
        return (
            f"{r.served_rps:.0f} of {r.offered_rps:.0f} req/s served, p95"
            f" {_ms(r.latency_ms(95))} ms, {r.error_count} errors"
        )

    live = "; ".join(
        f"{m} {v}"
        for m, v in report.timed.get("live", [])
        if m.split(": ")[-1].startswith(("opened", "broadcast"))
    )
    leaderboard = report.timed.get("leaderboard", [])
    ratios = [f"{m.split(':')[0]} {v}" for m, v in leaderboard if "ratio" in m]
    team = pages.get("teams")
    weight = (
        f"{sum(team.gzip.values()) / 1024:.1f} KB gzip, JS {team.gzip.get('JS', 0) / 1024:.1f}"
        f" KB, {team.requests} requests"
        if team
        else "not run"
    )
    rows = [
        ("Mixed >= 500 req/s at p95 <= 150 ms, no errors", load("mixed")),
        ("Team page p95 <= 50 ms at 200 req/s", load("team_page")),
        ("Log activity p95 <= 50 ms at 200 req/s", load("log_activity")),
        (
            "Leaderboard fragment p95 <= 10 ms at 10 M activities",
            load("leaderboard") + f" (at {report.data.get('activities', 0):,} activities)",
        ),
        (">= 100x faster than SUM()", ", ".join(ratios) or "not run"),
        (">= 5,000 open sockets, broadcast p95 <= 250 ms", live or "not run"),
        ("Team page first visit <= 60 KB compressed, JS <= 30 KB", weight),
    ]
    return ["| target | measured |", "| --- | --- |", *[f"| {t} | {m} |" for t, m in rows]]


def markdown(report: Report) -> str:
    out = [
        "# Mile Quest benchmarks",
        "",
        f"Written by `{report.command}` (see `bench/`); rerun it to reproduce. Targets are goals,",
        "not assertions. The load comes from a separate process at a fixed arrival rate (open",
        "model); latency is timed from each request's scheduled start.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in report.machine.items()],
        "",
        "## Data",
        "",
        *[f"- {table}: {n:,}" for table, n in report.data.items()],
        f"- {report.generation}",
        "",
        "## Targets (issue 10)",
        "",
        *targets_table(report),
        "",
        "## Load (gunicorn `web` + Celery `worker` from the Procfile)",
        "",
        *load_table(report.loads, report.goals),
        "",
        "## Page weight of a first visit (empty cache, no map tiles)",
        "",
        *weight_table(report.weights),
        "",
        "## Timed",
        "",
        *timed_table(report.timed),
        "",
        "## Notes",
        "",
        *[f"- {note}" for note in report.notes],
        "",
        "## What limits the misses (py-spy profiles taken while building the bench)",
        "",
        *[f"- {limit}" for limit in LIMITS],
        "",
    ]
    return "\n".join(out)


def standard_notes(args) -> list[str]:
    return [
        f"Each scenario runs twice, on freshly started `web` and `worker` processes each time"
        f" (an overloaded run leaves a queue behind): {args.warmup:g} s warm-up at up to 50"
        f" req/s (not counted), then {args.duration:g} s at {args.light_scale:g} x its rate"
        f" (below saturation: what one request costs), or at its goal's rate; {args.walkers}"
        " walkers logged in through the form, requests spread over them round-robin. A request not"
        " answered within 10 s counts as a timeout error.",
        "The load client runs on the same machine (one asyncio process); it competes with"
        " gunicorn, PostgreSQL and Redis for the same cores. `served` counts successful answers"
        " per second from the first scheduled request to the last answer.",
        "`log_activity` posts the real form (CSRF token from the page, a fresh client id) and"
        " expects the 303; every run adds its activities to the bench data set.",
        "The app does not compress responses: a reverse proxy or CDN does in production. Page"
        " weight is gzip -6 / brotli -11 of exactly what gunicorn served.",
        "Open sockets: scripts/bench_live.py opens 5,000 sockets on one team from one gevent"
        " process against the Procfile's `ws` (two gevent workers), then commits 10 events and"
        " times commit-to-arrival at every socket; twice: client and server sharing both cores,"
        " then pinned apart with taskset (client on core 1, server on core 0; PostgreSQL and"
        " Redis unpinned).",
        "The machine is shared: the load averages above (1 / 5 / 15 min) show how busy it was.",
    ]


# From `py-spy record -r 50 -f raw` on the gunicorn workers under the team-page load, and
# per-query timings of one team page; rerun py-spy the same way to check they still hold.
LIMITS = (
    "CPU, not waiting: one team page costs about 20-30 ms of CPU, split between PostgreSQL"
    " (15 queries, about 11 ms) and Python (Jinja rendering with the SVG map and the log form,"
    " about 10-15 ms). Two shared cores then serve some 40-80 team pages a second at best;"
    " 200 a second needs about five free cores or a cheaper page.",
    "Cheaper page, not done yet: the SVG map now reuses the page's position (it computed it"
    " again: two queries); still to try: cache the SVG map per"
    " route and distance step, read the team's members once (the access check and the member"
    " list query them separately), and drop `pool_pre_ping` (a round trip on every checkout:"
    " about 2% of the samples).",
    "Fixed here: the reconcile's expected-days query joined journeys through a correlated"
    " `IN (SELECT ... WHERE user_id = a.user_id)`, which PostgreSQL cannot turn into a join;"
    " at 2 M activities its plan never finished (est. cost 6e11). As a join it takes about a"
    " minute on this machine.",
    "Fixed here: a log committed while a concurrent log completed the same journey was"
    " credited to it although its created_at was after ended_at (counters drifted from the"
    " rule until the hourly reconcile); the credit now re-checks the end under the journey's"
    " row lock (services/counters.py).",
    "Log-in (argon2) costs about 50 ms of CPU each: the bench logs its walkers in before the"
    " measured runs so that it does not distort them.",
)
