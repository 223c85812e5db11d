"""BENCHMARKS.md: the machine, the data, and one table per kind of measurement."""

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from bench.costs import Cost, cost_table
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
    capacities: list[LoadResult] = field(default_factory=list)  # closed loop; floor first, last
    connections: int = 32
    half_capacity_mixed: LoadResult | None = None  # open loop at half the mixed capacity
    mixed_at_300: LoadResult | None = None  # open loop at 300 req/s, whatever the capacity
    profiles: dict[str, list[str]] = field(default_factory=dict)  # scenario -> summary lines
    goals: dict[str, str] = field(default_factory=dict)  # scenario -> goal
    weights: list[Weight] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)
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


def floor_around(capacities: list[LoadResult], index: int) -> float:
    """The floor's capacity around run `index`: the mean of the nearest floor run before it and
    the nearest after it (0 when there is none)."""
    before = [r for r in capacities[:index] if r.scenario == "floor"][-1:]
    after = [r for r in capacities[index + 1 :] if r.scenario == "floor"][:1]
    floors = [r.served_rps for r in before + after]
    return sum(floors) / len(floors) if floors else 0.0


def ratios(capacities: list[LoadResult]) -> dict[str, tuple[float, float]]:
    """Scenario -> (its capacity, the floor's around it), floors left out."""
    return {
        r.scenario: (r.served_rps, floor_around(capacities, i))
        for i, r in enumerate(capacities)
        if r.scenario != "floor"
    }


def capacity_table(capacities: list[LoadResult], connections: int) -> list[str]:
    lines = [
        f"| endpoint | req/s ({connections} connections) | floor around it, req/s | vs floor"
        " | p50 ms | p95 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for i, r in enumerate(capacities):
        if r.scenario == "floor":
            continue
        floor = floor_around(capacities, i)
        errors = ", ".join(f"{n} {kind}" for kind, n in r.errors.most_common()) or "0"
        ratio = f"{r.served_rps / floor:.2f}" if floor else "-"
        lines.append(
            f"| {r.scenario} | {r.served_rps:.0f} | {floor:.0f} | {ratio} | {_ms(r.latency_ms(50))}"
            f" | {_ms(r.latency_ms(95))} | {errors} |"
        )
    floors = [f"{r.served_rps:.0f}" for r in capacities if r.scenario == "floor"]
    return [*lines, "", f"Floor runs, in order: {', '.join(floors) or 'none'} req/s."]


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


def floor_targets_table(report: Report) -> list[str]:
    """Each target of issue 16 beside what this run measured (goals, not assertions)."""
    measured = ratios(report.capacities)

    def ratio(name: str, goal: float) -> str:
        served, floor = measured.get(name, (0.0, 0.0))
        if not floor:
            return "not run"
        verdict = "met" if served / floor >= goal else "missed"
        return f"{served / floor:.2f}x ({served:.0f} vs {floor:.0f} req/s): {verdict}"

    half = report.half_capacity_mixed
    mixed = (
        f"p95 {_ms(half.latency_ms(95))} ms at {half.offered_rps:.0f} req/s,"
        f" {half.error_count} errors"
        if half
        else "not run"
    )
    at_300 = report.mixed_at_300
    mixed_300 = (
        f"{at_300.error_count} errors of {at_300.sent} requests"
        f" (served {at_300.served_rps:.0f} req/s, p95 {_ms(at_300.latency_ms(95))} ms)"
        if at_300
        else "not run"
    )
    rows = [
        ("Team page >= 0.5x the floor", ratio("team_page", 0.5)),
        ("Dashboard >= 0.5x the floor", ratio("dashboard", 0.5)),
        ("Leaderboard fragment >= 0.5x the floor", ratio("leaderboard", 0.5)),
        ("Log activity (POST + redirect) >= 0.25x the floor", ratio("log_activity", 0.25)),
        ("Mixed p95 <= 100 ms at 50 % of its measured capacity", mixed),
        ("Mixed: no errors at 300 req/s (open loop)", mixed_300),
    ]
    return ["| target | measured |", "| --- | --- |", *[f"| {t} | {m} |" for t, m in rows]]


def profile_lines(profiles: dict[str, list[str]]) -> list[str]:
    out = []
    for name, lines in profiles.items():
        out += [f"### {name}", "", "```", *lines, "```", ""]
    return out or ["Not recorded in this run (`--no-profile`).", ""]


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
        "## Capacity against the floor (issue 16)",
        "",
        "Closed loop: each connection sends its next request when the last is answered (as",
        "TechEmpower measures). The floor is TechEmpower's fortunes page (bench/floor.py: one",
        "query, one small template) on the same gunicorn settings and database, served by its",
        "own gunicorn next to `web` and measured before and after each scenario; `vs floor`",
        "divides by the mean of those two runs.",
        "",
        *capacity_table(report.capacities, report.connections),
        "",
        *floor_targets_table(report),
        "",
        "## Cost per request against the floor (noise-immune)",
        "",
        "What one request costs, whatever else the machine is doing (`python -m bench.costs`):",
        "one walker of the largest team with an active journey sends warm-up requests, then",
        "the measured ones, through Flask's test client in one process (no HTTP server; each",
        "endpoint after the floor in the same process). Statements are what reached PostgreSQL;",
        "CPU is this process's; instructions are counted by valgrind's callgrind between marks",
        "around the measured requests only. `vs floor` is the floor's cost over the endpoint's",
        "(higher is cheaper, like a throughput ratio). gunicorn's and gevent's own cost per",
        "request, the same for both, is not in it, so these ratios run below capacity ratios.",
        "",
        *(cost_table(report.costs) if report.costs else ["Not run."]),
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
        "## Where the time goes (py-spy, during the capacity runs)",
        "",
        "`py-spy record -f raw` on every gunicorn worker during an extra closed-loop run of each",
        "scenario (not the counted one: sampling slows the workers); raw stacks in var/bench/.",
        "",
        *profile_lines(report.profiles),
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
        f" req/s and never above the run's rate (not counted), then {args.duration:g} s at"
        f" {args.light_scale:g} x its rate"
        f" (below saturation: what one request costs), or at its goal's rate; {args.walkers}"
        " walkers logged in through the form, requests spread over them round-robin. A request not"
        " answered within 10 s counts as a timeout error.",
        "The load client runs on the same machine (one asyncio process); it competes with"
        " gunicorn, PostgreSQL and Redis for the same cores. `served` counts successful answers"
        " per second from the first scheduled request to the last answer.",
        "`log_activity` posts the real form (CSRF token from the page, a fresh client id) and"
        " expects the 303; every run adds its activities to the bench data set.",
        "The app compresses pages and fragments itself (brotli 5, else zstd or gzip; static"
        " files are pre-compressed at set-up). Page weight is gzip -6 / brotli -11 of the"
        " uncompressed bodies gunicorn served.",
        "Open sockets: scripts/bench_live.py opens 5,000 sockets on one team from one gevent"
        " process against the Procfile's `ws` (two gevent workers), then commits 10 events and"
        " times commit-to-arrival at every socket; twice: client and server sharing both cores,"
        " then pinned apart with taskset (client on core 1, server on core 0; PostgreSQL and"
        " Redis unpinned).",
        "The machine is shared: the load averages above (1 / 5 / 15 min) show how busy it was.",
        f"Capacity: {args.connections} connections in a closed loop for"
        f" {args.capacity_duration:g} s per run after {args.warmup:g} s of warm-up; an answer"
        " may take up to 60 s there (a slow page behind 32 connections is measured, not timed"
        " out). The mixed profile's p95 target runs open-loop at half the mixed capacity just"
        " measured.",
    ]


# What the profiles of issues 10 and 16 showed (see "Where the time goes" for this run's).
LIMITS = (
    "Before issue 16 (py-spy, capacity runs on this machine): a team page rendered everything"
    " per request: the SVG map about 15% of the request samples, the journey's position and"
    " next milestone (two PostGIS queries), the member list (up to 105 members), the"
    " leaderboard and the feed; the dashboard computed each team's map position it never"
    " shows (about a quarter of its samples); `pool_pre_ping` was a round trip on every"
    " checkout (about 2%); logging a walk loaded the route's whole line to look for"
    " milestones. Those are gone: see services/live/team_page_parts.py, lib/idle_ping.py.",
    "Round trips (issue 16, second pass): the walker, their session, a team URL's access row"
    " (team, membership, version) and a page's unread count are one query"
    " (blueprints/read_along.py); the shown journey and a member's seen postcards are kept"
    " per team version, the blank log form per unit system and day (blueprints/log_forms.py):"
    " a warm team page and the leaderboard fragment are one query, as the floor is, and the"
    " dashboard three. What a page still costs is Python: Flask, Flask-Login, the session"
    " cookie, SQLAlchemy's row processing, Jinja (base.html and the assembled page), the"
    " request log line. The first view at a new team version renders every shared part"
    " (about 15 statements with the map and position). A log is a transaction of about 18"
    " statements under the walker's and the team's locks.",
    "Two full-table reads found at stop 26 by sampling the bench's own walkers (one in ten of"
    " them is a captain): a captain's team page looked for held walks through every activity"
    " (150 ms at 2 M activities, so three captains among 30 walkers cut the team page's"
    " capacity by two thirds), and the counting rule's check of past memberships read all"
    " memberships on every walk logged. Both are indexes now (migration 0024), and a captain's"
    " member list (a form per member) is rendered once per team version"
    " (blueprints/captain_members.py). bench/costs.py measures the captain's page beside the"
    " member's so that this path is watched too.",
    "The machine: other work shared the two cores while this ran (see the load averages);"
    " absolute figures are a fraction of a quiet machine's (issue 16 measured a floor of"
    " about 1,470 req/s here), which is why each one is given against the floor measured"
    " right around it.",
    "Fixed in issue 10: the reconcile's expected-days query joined journeys through a correlated"
    " `IN (SELECT ... WHERE user_id = a.user_id)`, which PostgreSQL cannot turn into a join;"
    " at 2 M activities its plan never finished (est. cost 6e11). As a join it takes about a"
    " minute on this machine.",
    "Fixed in issue 10: a log committed while a concurrent log completed the same journey was"
    " credited to it although its created_at was after ended_at (counters drifted from the"
    " rule until the hourly reconcile); the credit now re-checks the end under the journey's"
    " row lock (services/counters.py).",
    "Log-in (argon2) costs about 50 ms of CPU each: the bench logs its walkers in before the"
    " measured runs so that it does not distort them.",
)
