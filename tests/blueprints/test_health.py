import json
import os
import subprocess
import sys

import redis

from milequest.config import ROOT
from tests.services_control import temporary_redis


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_is_ready_with_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "problems": {}}


def test_readyz_turns_503_when_redis_is_stopped(app, client, monkeypatch):
    with temporary_redis() as server:
        monkeypatch.setitem(app.extensions, "redis", redis.Redis.from_url(server.url))
        assert client.get("/readyz").status_code == 200
        server.stop()
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert set(response.json["problems"]) == {"redis"}


def test_readyz_turns_503_when_the_database_is_unreachable():
    # Its own process: an app with another database must not rebind this suite's extensions.
    script = (
        "import json; from milequest import create_app; "
        "r = create_app().test_client().get('/readyz'); "
        "print(json.dumps([r.status_code, r.json]))"
    )
    env = {**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}
    output = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    status, body = json.loads(output.strip().splitlines()[-1])
    assert status == 503
    assert "database" in body["problems"]
