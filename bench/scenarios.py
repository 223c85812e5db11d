"""The load scenarios, in a registry: a new feature adds one decorated function.

Each scenario sends one request for a logged-in walker and returns the HTTP status; the
runner offers it at the scenario's fixed rate. Live updates (issue 6) add their socket
scenarios here the same way.
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bench.loadgen import Send, Walker, hidden_fields


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    rate_rps: float
    send: Send
    ok_statuses: tuple[int, ...] = (200,)
    goal: str = ""
    prepare: Callable | None = None  # async (walker) -> None, once per walker before the run
    open_loop: bool = True  # False: only measured for capacity (closed loop), as the floor is


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, title: str, rate_rps: float, **options):
    """Register `send` as a scenario (`ok_statuses`, `goal`, `prepare` as in Scenario)."""

    def register(send: Send) -> Send:
        SCENARIOS[name] = Scenario(name, title, rate_rps, send, **options)
        return send

    return register


async def _get(walker: Walker, path: str) -> int:
    async with walker.http.get(path, allow_redirects=False) as answer:
        await answer.read()
        return answer.status


@scenario("floor", "Floor: TechEmpower fortunes (bench/floor.py)", 200, open_loop=False)
async def floor(walker: Walker, i: int) -> int:
    return await _get(walker, walker.extra.get("floor_url", "/floor"))  # its own port


@scenario("healthz", "GET /healthz (no database)", 200, open_loop=False)
async def healthz(walker: Walker, i: int) -> int:
    return await _get(walker, "/healthz")


@scenario("team_page", "Team page (GET /teams/<id>)", 200, goal="p95 <= 50 ms at 200/s")
async def team_page(walker: Walker, i: int) -> int:
    return await _get(walker, f"/teams/{walker.team_id}")


@scenario("dashboard", "Dashboard (GET /dashboard)", 200)
async def dashboard(walker: Walker, i: int) -> int:
    return await _get(walker, "/dashboard")


@scenario(
    "leaderboard",
    "Leaderboard fragment (GET /teams/<id>/leaderboard)",
    200,
    goal="p95 <= 10 ms (at 10 M activities)",
)
async def leaderboard(walker: Walker, i: int) -> int:
    return await _get(walker, f"/teams/{walker.team_id}/leaderboard")


async def _fetch_log_form(walker: Walker) -> None:
    """Read the CSRF token from the log form's hidden fields, as a browser would have it."""
    async with walker.http.get(f"/activities/new?team={walker.team_id}") as page:
        walker.csrf_token = hidden_fields(await page.text())["csrf_token"]


@scenario(
    "log_activity",
    "Log activity (POST /activities/, fresh client id)",
    200,
    ok_statuses=(303,),
    goal="p95 <= 50 ms at 200/s",
    prepare=_fetch_log_form,
)
async def log_activity(walker: Walker, i: int) -> int:
    form = {
        "csrf_token": walker.csrf_token,
        "client_id": str(uuid.uuid4()),
        "team_id": str(walker.team_id),
        "distance": f"{1 + i % 7}.{i % 10}",
        "unit": walker.units,
        "activity_date": date.today().isoformat(),
        "kind": "walk",
        "duration_minutes": "",
        "note": "",
    }
    async with walker.http.post("/activities/", data=form, allow_redirects=False) as answer:
        await answer.read()
        return answer.status


# What a day of traffic looks like: mostly reading the team page and the leaderboard.
MIX = (("team_page", 40), ("dashboard", 25), ("leaderboard", 25), ("log_activity", 10))
_mix_rng = random.Random(6)
_mix_choices = _mix_rng.choices([n for n, _ in MIX], [w for _, w in MIX], k=100_000)


@scenario(
    "mixed",
    "Mixed (" + ", ".join(f"{w}% {n}" for n, w in MIX) + ")",
    500,
    ok_statuses=(200, 303),
    goal="p95 <= 150 ms at 500/s, no errors",
    prepare=_fetch_log_form,
)
async def mixed(walker: Walker, i: int) -> int:
    return await SCENARIOS[_mix_choices[i % len(_mix_choices)]].send(walker, i)


OPEN_LOOP = tuple(name for name, s in SCENARIOS.items() if s.open_loop)
# Capacity (closed loop), each as a ratio to the floor: measured first and last in the run.
CAPACITY = ("healthz", "team_page", "dashboard", "leaderboard", "log_activity", "mixed")
