"""One JSON line per request and per task, tied together by the request id."""

import json

from milequest.extensions import db
from milequest.observability import task_tracking
from tests.factories import make_user
from tests.helpers import post_form, sign_in_as


def json_lines(capfd, logger: str) -> list[dict]:
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    return [entry for entry in map(json.loads, lines) if entry["logger"] == logger]


def test_each_request_writes_one_json_line_with_a_new_id_it_also_answers(client, capfd):
    walker = make_user()
    sign_in_as(client, walker)
    capfd.readouterr()

    response = client.get(f"/teams/{walker.id + 1000}")

    [line] = json_lines(capfd, "milequest.request")
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["route"] == "/teams/<int:team_id>"
    assert line["status"] == response.status_code
    assert line["walker_id"] == walker.id
    assert line["method"] == "GET" and line["duration_ms"] >= 0
    assert str(walker.id + 1000) not in json.dumps(line)  # the rule, never the path


def test_a_client_cannot_choose_its_request_id(client, capfd):
    response = client.get("/healthz", headers={"X-Request-ID": "forged-by-a-client"})

    assert response.headers["X-Request-ID"] != "forged-by-a-client"
    [line] = json_lines(capfd, "milequest.request")
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["walker_id"] is None


def test_a_trusted_proxys_request_id_is_kept_and_a_malformed_one_replaced(
    app, client, capfd, monkeypatch
):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", ["127.0.0.0/8"])

    kept = client.get("/healthz", headers={"X-Request-ID": "edge-1234.abcd"})
    replaced = client.get("/healthz", headers={"X-Request-ID": 'x" {"forged":1}'})

    assert kept.headers["X-Request-ID"] == "edge-1234.abcd"
    assert replaced.headers["X-Request-ID"] != 'x" {"forged":1}'
    ids = [line["request_id"] for line in json_lines(capfd, "milequest.request")]
    assert ids == ["edge-1234.abcd", replaced.headers["X-Request-ID"]]


def test_the_request_id_and_walker_travel_in_the_headers_of_the_tasks_it_enqueues(app, client):
    data = {"email": "new@example.com", "display_name": "New", "password": "long enough pw"}
    response = post_form(client, "/signup", data)
    assert response.status_code == 303

    [raw] = app.extensions["redis"].lrange("email", 0, -1)  # the delivery task, waiting
    headers = json.loads(raw)["headers"]
    assert headers["task"] == "workers.email.deliver_email"
    assert headers[task_tracking.REQUEST_ID_HEADER] == response.headers["X-Request-ID"]


def test_a_task_run_writes_one_json_line_with_the_request_id_it_was_sent_with(app, capfd):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()
    task = celery.tasks["workers.email.sweep_unsent_email"]
    headers = {task_tracking.REQUEST_ID_HEADER: "abc123", task_tracking.WALKER_ID_HEADER: 7}

    task.apply(headers=headers)

    [line] = json_lines(capfd, "milequest.task")
    assert line["request_id"] == "abc123" and line["walker_id"] == 7
    assert line["task"] == "workers.email.sweep_unsent_email"
    assert line["outcome"] == "succeeded"
    db.session.rollback()
