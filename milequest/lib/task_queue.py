"""Hand work to the Celery broker by task name, so that services never import workers.

A broker outage never fails the request that committed the work: the job's row is in the
database already. This process holds the send and tries it again every few seconds until the
broker answers; each kind's beat sweep sends what a process that stopped meanwhile held.
Every task is idempotent, so a job sent both ways runs as once.
"""

import logging
import threading
import time
from collections import deque

from celery import Celery
from flask import current_app
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)
RETRY_EVERY_S = 2.0
MAX_HELD = 10_000  # past this, the oldest are left to the sweeps

_Job = tuple[Celery, str, int, str]
_held: deque[_Job] = deque(maxlen=MAX_HELD)
_lock = threading.Lock()
_resender: threading.Thread | None = None


def send(task: str, object_id: int, queue: str) -> None:
    """Queue `task(object_id)` on `queue`; if the broker is unreachable, hold it and retry."""
    job = (current_app.extensions["celery"], task, object_id, queue)
    try:
        _publish(job)
    except OperationalError as unreachable:  # an outage, expected: one line, no traceback
        log.warning("Could not queue %s(%s), holding it: %s", task, object_id, unreachable)
        _hold(job)
    except Exception:
        log.exception("Could not queue %s(%s); its sweep will retry", task, object_id)


def held_count() -> int:
    with _lock:
        return len(_held)


def _publish(job: _Job) -> None:
    celery, task, object_id, queue = job
    celery.send_task(task, args=[object_id], queue=queue)


def _hold(job: _Job) -> None:
    global _resender
    with _lock:
        _held.append(job)
        if _resender is None:
            _resender = threading.Thread(target=_resend_held, name="task-resender", daemon=True)
            _resender.start()


def _resend_held() -> None:
    """Send the held jobs in order, once the broker answers again; then end."""
    global _resender
    while True:
        time.sleep(RETRY_EVERY_S)
        while True:
            with _lock:
                if not _held:
                    _resender = None
                    return
                job = _held[0]
            try:
                _publish(job)
                log.info("Queued %s(%s), held while the broker was unreachable", job[1], job[2])
            except OperationalError:
                break  # still away: wait and try again
            except Exception:
                log.exception("Could not queue %s(%s); its sweep will retry", job[1], job[2])
            with _lock:
                if _held and _held[0] is job:
                    _held.popleft()
