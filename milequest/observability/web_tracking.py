"""Each request: a request id (a trusted proxy's X-Request-ID, else a new one, sent back in the
response), one JSON log line, and its count and latency under its URL rule.

The line holds the method, the URL rule (never the path: paths carry reset and invite tokens),
the status, the duration and the walker's id, and nothing a client typed.
"""

import ipaddress
import time
from functools import cache

from flask import Flask, current_app, g, request
from sqlalchemy import inspect

from milequest.lib import json_logs, metrics

HEADER = "X-Request-ID"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
log = json_logs.json_logger("milequest.request")


def init_app(app: Flask) -> None:
    @app.before_request
    def start_tracking() -> None:
        g.request_started = time.perf_counter()
        offered = request.headers.get(HEADER) if _from_trusted_proxy() else None
        rid = offered if json_logs.acceptable_request_id(offered) else json_logs.new_request_id()
        g.request_id_token = json_logs.current_request_id.set(rid)

    @app.after_request
    def finish_tracking(response):
        rid = json_logs.current_request_id.get()
        if rid is None or "request_started" not in g:  # a request a before_request cut short
            return response
        response.headers[HEADER] = rid
        _record(rid, response.status_code, time.perf_counter() - g.request_started)
        return response

    @app.teardown_request
    def forget_request_id(_error=None) -> None:
        if token := g.pop("request_id_token", None):
            json_logs.current_request_id.reset(token)


@cache
def _networks(cidrs: tuple[str, ...]) -> list:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def _from_trusted_proxy() -> bool:
    """Is the address that connected to us (not one a forwarded header claims) trusted?"""
    networks = _networks(tuple(current_app.config["TRUSTED_PROXIES"]))
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    peer = original.get("REMOTE_ADDR", request.environ.get("REMOTE_ADDR"))
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


def walker_id() -> int | None:
    """The logged-in walker's id, when this request loaded them (no query of its own)."""
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded
    if user is None or not user.is_authenticated:
        return None
    state = inspect(user, raiseerr=False)  # a commit expired it: its key needs no query
    return state.identity[0] if state is not None and state.identity else user.id


def _record(rid: str, status: int, duration_s: float) -> None:
    method = request.method if request.method in METHODS else "OTHER"
    route = request.url_rule.rule if request.url_rule else "unmatched"
    metrics.REQUESTS.labels(method, route, str(status)).inc()
    metrics.REQUEST_SECONDS.labels(method, route).observe(duration_s)
    fields = {
        "request_id": rid,
        "method": method,
        "route": route,
        "endpoint": request.endpoint,
        "status": status,
        "duration_ms": round(duration_s * 1000, 1),
        "walker_id": walker_id(),
    }
    log.info("request", extra={"fields": fields})
