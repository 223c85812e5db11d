"""What one request costs, beside the floor's, in measures a busy machine does not move.

`python -m bench.costs` (make bench runs it too): for each endpoint, one walker of the largest
team with an active journey sends warm-up requests, then `--requests` measured ones through
Flask's test client, in this one process. For each: database statements per request (a
`before_cursor_execute` listener), this process's CPU time per request and, run under
`valgrind --tool=callgrind --instr-atstart=no` (it re-runs itself so, if installed), the
instructions per request, counted only between bench/callgrind_marks.c's marks. The floor
(bench/floor.py) is measured the same way in the same process; `vs floor` is its cost divided
by the endpoint's (like a throughput ratio: higher is cheaper). No HTTP server is in the loop,
and PostgreSQL's own work is not counted (see the statements column).
"""

import argparse
import ctypes
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, text

from bench.loadgen import hidden_fields

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "callgrind"
LIBRARY = OUT / "libmarks.so"
_UNDER_CALLGRIND = "BENCH_COSTS_UNDER_CALLGRIND"
ENDPOINTS = (
    "floor",
    "team_page",
    "team_page_captain",  # the same page as its captain sees it: tools, held walks, share link
    "dashboard",
    "leaderboard",
    "log_activity",
    "team_page_cold",  # the first view at a new team version: every shared part rendered
    "leaderboard_cold",
)
# The walker: the first member of the largest team with an active journey (the heaviest page),
# and that team's captain.
_WALKERS = text("""
SELECT m.role = 'captain' AS is_captain, u.email, m.team_id FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.left_at IS NULL AND u.email LIKE :pattern AND m.team_id = (
    SELECT t.id FROM teams t JOIN journeys j ON j.team_id = t.id AND j.status = 'active'
    WHERE t.archived_at IS NULL ORDER BY t.member_count DESC, t.id LIMIT 1)
ORDER BY m.role = 'captain', m.user_id
""")


@dataclass
class Cost:
    name: str
    requests: int
    statements: float  # per request
    cpu_ms: float  # per request, this process
    wall_ms: float  # the median request's, database included: moves with the machine's load
    instructions: float | None = None  # per request, under callgrind only

    def ratio(self, floor: "Cost", measure: str) -> float | None:
        mine, base = getattr(self, measure), getattr(floor, measure)
        return base / mine if mine and base is not None else None


class Marks:
    """bench/callgrind_marks.c's marks in the run `with_instructions` starts; no-ops elsewhere."""

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(str(LIBRARY)) if os.environ.get(_UNDER_CALLGRIND) else None

    def start(self) -> None:
        if self._lib:
            self._lib.mark_start()

    def stop(self, label: str) -> None:
        if self._lib:
            self._lib.mark_stop(label.encode())


def _build_marks() -> bool:
    """Build the marks library (needs cc and valgrind's headers); False if it cannot be."""
    OUT.mkdir(parents=True, exist_ok=True)
    source = Path(__file__).with_name("callgrind_marks.c")
    command = ["cc", "-O1", "-shared", "-fPIC", "-o", str(LIBRARY), str(source)]
    try:
        return subprocess.run(command, capture_output=True).returncode == 0
    except OSError:
        return False


class Statements:
    """Counts what reaches the database through the engines it listens on."""

    def __init__(self, *engines) -> None:
        self.count = 0
        for engine in engines:
            event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1


def _clients(app, password: str):
    """Logged-in test clients of the member and the captain, and their team's id."""
    from bench import datagen
    from milequest.extensions import db

    with app.app_context():
        rows = db.session.execute(_WALKERS, {"pattern": f"%@{datagen.EMAIL_DOMAIN}"}).all()
        db.session.remove()
    member = next(row for row in rows if not row.is_captain)
    captain = next(row for row in rows if row.is_captain)
    return (
        _logged_in(app, member.email, password),
        _logged_in(app, captain.email, password),
        member.team_id,
    )


def _logged_in(app, email: str, password: str):
    client = app.test_client()
    token = hidden_fields(client.get("/login").get_data(as_text=True))["csrf_token"]
    answer = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password, "next": ""}
    )
    if answer.status_code != 303:
        raise SystemExit(f"log-in of {email} answered {answer.status_code}")
    return client


def _senders(client, captain, team_id: int) -> dict[str, Callable[[int], int]]:
    import uuid
    from datetime import date

    from bench import floor

    floor_client = floor.app.test_client()
    form = client.get(f"/activities/new?team={team_id}").get_data(as_text=True)
    token = hidden_fields(form)["csrf_token"]
    units = re.search(r'<input checked[^>]*name="unit"[^>]*value="(\w+)"', form)[1]

    def log(i: int) -> int:
        data = {
            "csrf_token": token,
            "client_id": str(uuid.uuid4()),
            "team_id": str(team_id),
            "distance": f"0.{1 + i % 9}",  # short: rarely a milestone, a steadier measure
            "unit": units,
            "activity_date": date.today().isoformat(),
            "kind": "walk",
            "duration_minutes": "",
            "note": "",
        }
        return client.post("/activities/", data=data).status_code

    def cold(path: str) -> Callable[[int], int]:
        def send(i: int) -> int:
            _forget_renders()
            return client.get(path).status_code

        return send

    return {
        "floor": lambda i: floor_client.get("/floor").status_code,
        "team_page_cold": cold(f"/teams/{team_id}"),
        "leaderboard_cold": cold(f"/teams/{team_id}/leaderboard"),
        "team_page": lambda i: client.get(f"/teams/{team_id}").status_code,
        "team_page_captain": lambda i: captain.get(f"/teams/{team_id}").status_code,
        "dashboard": lambda i: client.get("/dashboard").status_code,
        "leaderboard": lambda i: client.get(f"/teams/{team_id}/leaderboard").status_code,
        "log_activity": log,
    }


def _forget_renders() -> None:
    from milequest.services.live import team_page_parts

    for name in ("RENDERS", "SHOWN_JOURNEYS", "ALL_POSTCARDS_SEEN"):
        if (cache := getattr(team_page_parts, name, None)) is not None:
            cache.clear()


_OK = {"log_activity": 303}
LIMITS = {"RATELIMIT_LOGIN": "100000 per minute", "RATELIMIT_LOGIN_ACCOUNT": "100000 per minute"}


def measure(names, requests: int, warmup: int, password: str) -> list[Cost]:
    from bench import floor
    from milequest import create_app
    from milequest.extensions import db

    app = create_app(dict(LIMITS))
    _quiet_request_log()
    with app.app_context():
        statements = Statements(db.engine, floor.engine)
    send = _senders(*_clients(app, password))
    marks = Marks()
    costs = []
    for name in names:
        expected = _OK.get(name, 200)
        for i in range(warmup):
            if (status := send[name](i)) != expected:
                raise SystemExit(f"{name} answered {status}")
        statements.count, walls = 0, []
        marks.start()
        started = time.process_time()
        for i in range(warmup, warmup + requests):
            began = time.perf_counter()
            send[name](i)
            walls.append(time.perf_counter() - began)
        cpu_s = time.process_time() - started
        marks.stop(name)
        per_request = (statements.count / requests, cpu_s * 1000 / requests)
        costs.append(Cost(name, requests, *per_request, statistics.median(walls) * 1000))
    return costs


def _quiet_request_log() -> None:
    """Each request still formats its JSON line (a server's cost too), into nothing."""
    for handler in logging.getLogger("milequest.request").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (for the process's life)


def with_instructions(argv: list[str], requests: int) -> dict[str, float]:
    """Run this module under callgrind; instructions per request by endpoint."""
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("callgrind.out*"):
        old.unlink()
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={OUT}/callgrind.out",
        sys.executable,
        "-m",
        "bench.costs",
        *argv,
    ]
    env = {**os.environ, _UNDER_CALLGRIND: "1"}
    subprocess.run(command, cwd=ROOT, env=env, check=True, stderr=subprocess.DEVNULL)
    found = {}
    for dump in OUT.glob("callgrind.out.*"):
        body = dump.read_text()
        label = re.search(r"^desc: Trigger: Client Request: (\S+)", body, re.M)
        total = re.search(r"^(?:summary|totals): (\d+)", body, re.M)
        if label and total:
            found[label[1]] = int(total[1]) / requests
    return found


def cost_table(costs: list[Cost]) -> list[str]:
    floor = next(c for c in costs if c.name == "floor")
    lines = [
        "| endpoint | statements / request | CPU ms / request | vs floor (CPU) |"
        " instructions / request | vs floor (instructions) | median ms (wall) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in costs:
        cpu_ratio = c.ratio(floor, "cpu_ms")
        ir_ratio = c.ratio(floor, "instructions")
        lines.append(
            f"| {c.name} | {c.statements:.1f} | {c.cpu_ms:.2f} | {_fmt(cpu_ratio)} |"
            f" {_millions(c.instructions)} | {_fmt(ir_ratio)} | {c.wall_ms:.1f} |"
        )
    return lines


def _fmt(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def _millions(instructions: float | None) -> str:
    return "-" if instructions is None else f"{instructions / 1e6:.1f} M"


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.costs", description=__doc__)
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--no-instructions",
        dest="instructions",
        action="store_false",
        help="skip counting instructions under callgrind (about a minute and a half)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but the table rows")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> list[Cost]:
    from bench import datagen

    names = ["floor", *(n for n in args.endpoints.split(",") if n and n != "floor")]
    costs = measure(names, args.requests, args.warmup, datagen.PASSWORD)
    if args.instructions and shutil.which("valgrind") and _build_marks():
        inner = ["--endpoints", ",".join(names), "--requests", str(args.requests)]
        inner += ["--warmup", str(args.warmup), "--quiet", "--no-instructions"]
        counted = with_instructions(inner, args.requests)
        for cost in costs:
            cost.instructions = counted.get(cost.name)
    return costs


def main(argv=None) -> None:
    args = parse(argv)
    os.environ.setdefault("MILEQUEST_DB_NAME", "milequest_bench")
    costs = run(args)
    if not args.quiet:
        print("\n".join(cost_table(costs)))


if __name__ == "__main__":
    main()
