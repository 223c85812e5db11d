"""The web process recovers by itself when PostgreSQL restarts under it, without a ping on
every checkout (lib/idle_ping.py pings only connections that sat idle); while it is down,
requests are refused with a 503 and a Retry-After, and nothing is half-stored."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from milequest.config import ROOT
from tests.live_servers import Browser, web_processes
from tests.services_control import temporary_postgres

IDLE_S = 0.05  # the web's idle limit here: a restart always takes longer than this


def _readyz(url: str) -> int:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        json.loads(refused.read())  # the app itself answered (a 503 naming the database)
        return refused.code


def _in_parallel(url: str, count: int = 32) -> list[int]:
    with ThreadPoolExecutor(8) as pool:  # several pooled connections at once
        return list(pool.map(lambda _: _readyz(url), range(count)))


@pytest.mark.slow
def test_the_web_survives_a_database_restart_without_a_failed_request(app, tmp_path, monkeypatch):
    monkeypatch.setenv("MILEQUEST_DB_PING_IDLE_S", str(IDLE_S))
    with temporary_postgres() as (server, database_url):
        own_database = SimpleNamespace(
            config={**app.config, "SQLALCHEMY_DATABASE_URI": database_url}
        )
        with web_processes(own_database, 1, tmp_path, start_timeout_s=60) as (url,):
            assert _in_parallel(url) == [200] * 32

            started = time.monotonic()
            server.stop()
            server.start()
            assert time.monotonic() - started > IDLE_S  # so every pooled connection sat idle

            # Each pooled connection died with the old server: pinged and replaced unseen.
            assert _in_parallel(url) == [200] * 32

            server.stop()
            assert _readyz(url) == 503  # while it is down: said plainly, the process lives on
            server.start()
            assert _in_parallel(url) == [200] * 32


def _in_database(database_url: str, code: str) -> dict:
    """Run `code` in an app context on that database (its own process: this suite's app is
    bound to the suite's database) and give back the JSON it prints last."""
    script = (
        "import json\n"
        "from milequest import create_app\n"
        "from milequest.extensions import db\n"
        "with create_app().app_context():\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
    )
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


SEED = """
from flask_migrate import upgrade
upgrade()
from tests.factories import make_journey, make_team
team = make_team(name="Restart Rovers")
make_journey(team)
db.session.commit()
print(json.dumps({"team": team.id, "email": team.created_by.email}))
"""

CHECK = """
from sqlalchemy import func, select
from milequest.models import Activity
from milequest.services.core import counters
rows = db.session.execute(select(Activity.client_id, func.count()).group_by(Activity.client_id))
drift = {table: len(found) for table, found in counters.find_drift().items() if found}
print(json.dumps({"stored": {str(c): n for c, n in rows}, "drift": drift}))
"""


@pytest.mark.slow
def test_a_walk_sent_while_the_database_restarts_is_refused_cleanly_then_stored_once(
    app, tmp_path, monkeypatch
):
    monkeypatch.setenv("MILEQUEST_DB_PING_IDLE_S", str(IDLE_S))
    with temporary_postgres() as (server, database_url):
        seeded = _in_database(database_url, SEED)
        own_database = SimpleNamespace(
            config={**app.config, "SQLALCHEMY_DATABASE_URI": database_url}
        )
        with web_processes(own_database, 1, tmp_path, start_timeout_s=60) as (url,):
            walker = Browser(url)
            walker.log_in(seeded["email"])
            team_page = f"/teams/{seeded['team']}"
            token = walker.csrf_token(f"/activities/new?team={seeded['team']}")
            walk = {
                "client_id": str(uuid.uuid4()),
                "distance": "4",
                "unit": "km",
                "activity_date": datetime.now(UTC).date().isoformat(),
                "kind": "walk",
                "team_id": str(seeded["team"]),
            }

            server.stop()
            during = {
                "team page": _answer(url + team_page, walker),
                "log a walk": _answer(url + "/activities/", walker, walk, token),
                "API": _answer(url + "/api/v1/me/activities", walker),
            }
            server.start()
            after = {
                "team page": _answer(url + team_page, walker)[0],
                "log a walk": walker.submit("/activities/", walk, token),  # the page re-sends
            }
        web_log = (tmp_path / "web-0.log").read_text()
        checked = _in_database(database_url, CHECK)

    for status, retry_after, body in during.values():
        assert status == 503 and int(retry_after) > 0
        assert "Traceback" not in body
    assert during["team page"][1] == during["log a walk"][1] == during["API"][1] == "5"
    assert "try again" in during["team page"][2]
    assert json.loads(during["API"][2])["status"] == 503
    assert after == {"team page": 200, "log a walk": 303}
    assert "Traceback" not in web_log  # each refusal is one warning line
    assert web_log.count("Database unavailable") == 3
    assert checked == {"stored": {walk["client_id"]: 1}, "drift": {}}  # once, whole


def _answer(address: str, browser: Browser, form: dict | None = None, token: str = ""):
    """(status, Retry-After, body) of a GET, or of a form POST with `token`."""
    data = urllib.parse.urlencode({"csrf_token": token, **form}).encode() if form else None
    request = urllib.request.Request(
        address, data=data, headers={"Cookie": browser.cookie_header()}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers.get("Retry-After"), answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers.get("Retry-After"), refused.read().decode()
