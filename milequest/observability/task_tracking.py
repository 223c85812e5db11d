"""Each Celery task: one JSON log line, its count, outcome and duration per queue, and the
request id (and walker id) of whoever enqueued it, carried in the message's headers.
"""

import time
from contextvars import ContextVar, Token

from celery import signals
from flask import has_request_context

from milequest.lib import json_logs, metrics
from milequest.observability.web_tracking import walker_id

REQUEST_ID_HEADER = "milequest_request_id"
WALKER_ID_HEADER = "milequest_walker_id"
OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}
log = json_logs.json_logger("milequest.task")
_current_walker: ContextVar[int | None] = ContextVar("milequest_walker_id", default=None)
_running: dict[
    str, tuple[float, Token[str | None]]
] = {}  # task id -> (start, request id context token)


def connect() -> None:
    signals.before_task_publish.connect(_add_headers, dispatch_uid="milequest-task-headers")
    signals.task_prerun.connect(_started, dispatch_uid="milequest-task-started")
    signals.task_postrun.connect(_finished, dispatch_uid="milequest-task-finished")


def _add_headers(headers=None, **_) -> None:
    if headers is None:
        return
    if rid := json_logs.current_request_id.get():
        headers[REQUEST_ID_HEADER] = rid
    if (walker := _walker_id()) is not None:
        headers[WALKER_ID_HEADER] = walker


def _walker_id() -> int | None:
    if has_request_context():
        return walker_id()
    return _current_walker.get()


def _started(task_id=None, task=None, **_) -> None:
    rid = _header(task, REQUEST_ID_HEADER)
    if not json_logs.acceptable_request_id(rid):
        rid = json_logs.new_request_id()
    token = json_logs.current_request_id.set(rid)
    _current_walker.set(_header(task, WALKER_ID_HEADER))
    _running[task_id] = (time.perf_counter(), token)


def _header(task, name: str):
    # A worker merges a message's headers into the task's request; `apply()` keeps them apart.
    return task.request.get(name) or (task.request.headers or {}).get(name)


def _finished(task_id=None, task=None, state=None, **_) -> None:
    running = _running.pop(task_id, None)
    if running is None:
        return
    started, token = running
    duration_s = time.perf_counter() - started
    queue = (task.request.delivery_info or {}).get("routing_key") or "direct"
    outcome = OUTCOMES.get(state, str(state).lower())
    metrics.TASKS.labels(queue, task.name, outcome).inc()
    metrics.TASK_SECONDS.labels(queue, task.name).observe(duration_s)
    fields = {
        "request_id": json_logs.current_request_id.get(),
        "task": task.name,
        "task_id": task_id,
        "queue": queue,
        "outcome": outcome,
        "duration_ms": round(duration_s * 1000, 1),
        "walker_id": _header(task, WALKER_ID_HEADER),
    }
    log.info("task", extra={"fields": fields})
    json_logs.current_request_id.reset(token)
