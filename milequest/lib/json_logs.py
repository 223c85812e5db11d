"""One JSON object per line for the request and task logs, and the request id they carry.

`current_request_id` is a context variable: each request (a greenlet under gevent) and each task
run has its own, so the id reaches the tasks a request enqueues (see milequest/tracing.py).
Callers put only ids, names, numbers and statuses in a line: never a path, a query string, a
form field or a header, which may hold a token, a password or a session cookie.
"""

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("milequest_request_id", default=None)
# What a trusted proxy's X-Request-ID may be: short, and nothing that could forge a log line.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def acceptable_request_id(value: str | None) -> bool:
    return value is not None and _ACCEPTABLE_ID.fullmatch(value) is not None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, separators=(",", ":"))


def json_logger(name: str) -> logging.Logger:
    """A logger that writes JSON lines to stderr, apart from the text log around it.

    The process's own stderr: Celery's worker replaces sys.stderr with a proxy that would wrap
    each line in a text log line of its own.
    """
    logger = logging.getLogger(name)
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger
