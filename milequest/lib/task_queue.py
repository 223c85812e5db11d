"""Hand work to the Celery broker by task name, so that services never import workers."""

import logging

from flask import current_app
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def send(task: str, object_id: int, queue: str) -> None:
    """Queue `task(object_id)` on `queue`.

    A broker outage is logged, not raised: the request that committed the work must not fail,
    and the task's periodic sweep queues it later.
    """
    try:
        current_app.extensions["celery"].send_task(task, args=[object_id], queue=queue)
    except OperationalError as unreachable:  # an outage, expected: one line, no traceback
        log.warning(
            "Could not queue %s(%s): %s; its sweep will retry", task, object_id, unreachable
        )
    except Exception:
        log.exception("Could not queue %s(%s); its sweep will retry", task, object_id)
