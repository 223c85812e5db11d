#!/usr/bin/env python3
"""Measure the live stream: how many team sockets one machine holds, and broadcast latency.

    scripts/bench_live.py [--sockets 5000] [--events 20] [--workers 1] [--server-cpus 0]
    taskset -c 1 scripts/bench_live.py --server-cpus 0     # client and server on their own cores

Starts gunicorn exactly as the Procfile's `ws` does on a throwaway database next to
DATABASE_URL's (under `taskset -c <cpus>` when --server-cpus is given), opens the sockets for
one team from this process (gevent clients, on the same machine: unless pinned apart they
compete with the server for its cores; PostgreSQL and Redis are never pinned), then commits
events and reports, per event and socket, the time from commit to the message arriving.
`make bench` runs it both ways (bench/timed.py).
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent.pool import Pool  # noqa: E402
from psycogreen.gevent import patch_psycopg  # noqa: E402

patch_psycopg()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from milequest import config, create_app  # noqa: E402
from milequest.extensions import db  # noqa: E402
from milequest.services.core import team_events  # noqa: E402
from tests import databases  # noqa: E402
from tests.factories import make_team, make_user  # noqa: E402
from tests.live_servers import (  # noqa: E402
    connect,
    free_port,
    procfile_command,
    wait_until_up,
)

EVENT_ID = re.compile(r'data-after="(\d+)"')


def main() -> None:
    options = parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    base = config.sqlalchemy_url(os.environ.get("DATABASE_URL", config.LOCAL_DATABASE_URL))
    database_url = base.rsplit("/", 1)[0] + "/milequest_bench"
    redis_url = os.environ.get("REDIS_URL", config.LOCAL_REDIS_URL).rsplit("/", 1)[0] + "/2"
    databases.recreate(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url})
    with app.app_context():
        databases.upgrade()
        team, cookie = one_team(app)
        port = free_port()
        server = start_server(options, database_url, redis_url, port)
        try:
            run(options, app, team, cookie, f"http://127.0.0.1:{port}", server)
        finally:
            server.terminate()
            server.wait(timeout=30)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="the ws process's workers")
    parser.add_argument("--server-cpus", default="", help="taskset's CPU list for the server")
    return parser.parse_args()


def one_team(app):
    team = make_team(make_user(), name="Bench Team")
    db.session.commit()
    session = {"_user_id": team.created_by.get_id(), "_fresh": True}
    signed = app.session_interface.get_signing_serializer(app).dumps(session)
    return team, f"{app.config['SESSION_COOKIE_NAME']}={signed}"


def start_server(options, database_url: str, redis_url: str, port: int):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WS_CONCURRENCY": str(options.workers),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "GUNICORN_CMD_ARGS": "--access-logfile /dev/null",
    }
    pinned = f"taskset -c {options.server_cpus} " if options.server_cpus else ""
    process = subprocess.Popen(
        ["bash", "-c", f"exec {pinned}{procfile_command('ws')}"], cwd=ROOT, env=env
    )
    wait_until_up(process, f"http://127.0.0.1:{port}")
    return process


def run(options, app, team, cookie: str, url: str, server) -> None:
    path = f"/teams/{team.id}/live?after={team_events.last_id(team.id)}"
    sockets, failures = [], []

    def open_one(_):
        try:
            sockets.append(connect(url, path, cookie))
        except Exception as error:
            failures.append(repr(error))

    started = time.monotonic()
    Pool(200).map(open_one, range(options.sockets))
    print(
        f"opened {len(sockets)} of {options.sockets} sockets in "
        f"{time.monotonic() - started:.1f} s ({len(failures)} refused or failed)"
    )
    if failures:
        print("  first failure:", failures[0])

    arrivals: dict[int, list[float]] = {}

    def read(ws):
        while (message := ws.receive()) is not None:
            if match := EVENT_ID.search(message):
                arrivals.setdefault(int(match.group(1)), []).append(time.perf_counter())

    readers = [gevent.spawn(read, ws) for ws in sockets]
    gevent.sleep(2)
    committed: dict[int, float] = {}
    for _ in range(options.events):
        event_id = team_events.record(team.id, "team_archived").id
        db.session.commit()
        committed[event_id] = time.perf_counter()
        gevent.sleep(0.5)
    gevent.sleep(3)
    report(committed, arrivals, sockets, server)
    for ws in sockets:
        ws.close()
    gevent.killall(readers, block=False)


def report(committed, arrivals, sockets, server) -> None:
    latencies = [
        (arrived - committed[event_id]) * 1000
        for event_id, times in arrivals.items()
        if event_id in committed
        for arrived in times
    ]
    expected = len(committed) * len(sockets)
    still_open = sum(1 for ws in sockets if ws.connected)
    print(f"sockets still open after the broadcasts: {still_open}")
    print(f"messages received: {len(latencies)} of {expected}")
    if latencies:
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"broadcast latency, commit to arrival: p50 {cuts[49]:.0f} ms, "
            f"p95 {cuts[94]:.0f} ms, max {max(latencies):.0f} ms"
        )
    rss = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    print(f"ws worker memory (RSS): {', '.join(f'{int(k) // 1024} MB' for k in rss)}")
    client, server = os.sched_getaffinity(0), _affinity(server.pid)
    print(f"cores: client {_cores(client)}, server {_cores(server)}")


def _affinity(pid: int) -> set[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    workers = [int(p) for p in children.stdout.split()] or [pid]
    return set().union(*(os.sched_getaffinity(p) for p in workers))


def _cores(cpus: set[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


if __name__ == "__main__":
    main()
