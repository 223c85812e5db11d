"""/metrics adds up what every process counted: two gunicorn workers, a Celery worker, beat."""

import json
import re
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from milequest.extensions import db
from tests.factories import add_member, make_journey, make_team, make_user
from tests.helpers import wait_for
from tests.live_servers import Browser, connect
from tests.ops.processes import METRICS_TOKEN, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.committing]


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    request = urllib.request.Request(
        f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(samples: dict, name: str, **labels) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


def request_lines(logs: str) -> list[dict]:
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith('{"ts"')]
    return [line for line in lines if line["logger"] == "milequest.request"]


def open_sockets(url: str) -> float:
    return scrape(url).get(("milequest_live_sockets_open", ()), -1)


def assert_a_live_socket_is_counted_and_its_fanout_timed(url: str, team) -> None:
    watcher = Browser(url)
    watcher.log_in(team.created_by.email)
    ws = connect(url, f"/teams/{team.id}/live", watcher.cookie_header())
    try:
        assert wait_for(lambda: open_sockets(url) == 1, 30)
        add_member(team, make_user())  # an event for the socket
        db.session.commit()
        assert ws.receive(timeout=30) is not None
        fanned_out = ("milequest_live_fanout_seconds_count", ())
        assert wait_for(lambda: scrape(url).get(fanned_out, 0) == 1, 30)
    finally:
        ws.close()
    assert wait_for(lambda: open_sockets(url) == 0, 30)


def test_metrics_add_up_both_gunicorn_workers_the_celery_worker_and_beat(app, tmp_path):
    team = make_team(public=True)
    make_journey(team)
    db.session.commit()
    with running_stack(app, tmp_path, beat=True) as stack:
        served = 0

        def both_workers_served() -> bool:
            nonlocal served
            # /readyz: the start-up wait asks /healthz, and a slow start answers late
            with urllib.request.urlopen(f"{stack.url}/readyz", timeout=30):
                served += 1
            lines = request_lines(stack.logs())
            pids = {line["pid"] for line in lines if line["route"] == "/readyz"}
            return len(pids) == 2

        assert wait_for(both_workers_served, timeout_s=60)
        email = {"queue": "email", "task": "workers.email.sweep_unsent_email"}
        routes = {"queue": "routes", "task": "workers.routes.build_route"}
        celery = app.extensions["celery"]
        celery.send_task("workers.email.sweep_unsent_email", queue="email")
        celery.send_task("workers.routes.build_route", args=["not-an-id"], queue="routes")

        def tasks_counted() -> bool:  # these two tasks: beat may send others on these queues
            samples = scrape(stack.url)
            return total(
                samples, "milequest_tasks_total", outcome="failed", **routes
            ) >= 1 and total(samples, "milequest_tasks_total", **email)

        assert wait_for(tasks_counted, timeout_s=60)
        assert wait_for(
            lambda: ("milequest_beat_heartbeat_timestamp_seconds", ()) in scrape(stack.url), 30
        )
        samples = scrape(stack.url)
        assert_a_live_socket_is_counted_and_its_fanout_timed(stack.url, team)

    readyz = total(samples, "milequest_http_requests_total", route="/readyz", status="200")
    assert readyz == served  # every request, whichever of the two workers answered it
    timed = total(samples, "milequest_http_request_duration_seconds_count", route="/readyz")
    assert timed == served
    assert total(samples, "milequest_tasks_total", outcome="succeeded", **email) == 1
    assert total(samples, "milequest_tasks_total", outcome="failed", **routes) == 1
    assert total(samples, "milequest_task_duration_seconds_count", **email) == 1
    assert samples[("milequest_queue_depth", (("queue", "email"),))] == 0
    task_lines = [
        json.loads(line)
        for line in stack.logs().splitlines()
        if line.startswith('{"ts"') and '"milequest.task"' in line
    ]
    assert {line["outcome"] for line in task_lines} >= {"succeeded", "failed"}
    assert not re.search(r"\d+\.\d+\.\d+\.\d+ - - \[", stack.logs())  # no raw access log
