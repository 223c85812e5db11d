"""Jobs queued while the broker is unreachable are held by the process and sent, in order,
once it answers (the sweeps send what a process that stopped held)."""

import base64
import json
import logging

import redis
from celery import Celery

from milequest.lib import task_queue
from tests.helpers import wait_for
from tests.services_control import temporary_redis


def queued(server, queue: str) -> list[tuple[str, list]]:
    """(task name, args) of each message waiting on `queue` in that Redis, oldest first."""
    messages = [json.loads(raw) for raw in redis.Redis.from_url(server.url).lrange(queue, 0, -1)]
    return [
        (m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0])
        for m in reversed(messages)  # kombu pushes on the left
    ]


def test_jobs_sent_while_the_broker_is_away_are_sent_in_order_once_it_answers(
    app, monkeypatch, caplog
):
    caplog.set_level(logging.INFO, logger=task_queue.__name__)
    monkeypatch.setattr(task_queue, "RETRY_EVERY_S", 0.1)
    with temporary_redis() as server:
        monkeypatch.setitem(app.extensions, "celery", Celery(broker=server.url))
        server.stop()
        task_queue.send("workers.imports.import_file", 41, "imports")
        task_queue.send("workers.imports.import_file", 42, "imports")
        task_queue.send("workers.email.deliver_email", 7, "email")
        assert task_queue.held_count() == 3

        server.start()
        assert wait_for(lambda: task_queue.held_count() == 0, 15)
        imports, emails = queued(server, "imports"), queued(server, "email")

    assert imports == [("workers.imports.import_file", [41]), ("workers.imports.import_file", [42])]
    assert emails == [("workers.email.deliver_email", [7])]
    lines = [r.getMessage() for r in caplog.records if r.name == task_queue.__name__]
    assert lines[0].startswith("Could not queue workers.imports.import_file(41), holding it: ")
    assert "Queued workers.email.deliver_email(7), held while the broker was unreachable" in lines
