"""The web process recovers by itself when PostgreSQL restarts under it, without a ping on
every checkout (lib/idle_ping.py pings only connections that sat idle)."""

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from tests.live_servers import web_processes
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
