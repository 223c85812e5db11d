"""`/metrics`: Prometheus's text format, for a bearer token or an allowed network only."""

import hmac
import ipaddress
import logging

from flask import Blueprint, abort, current_app, request

from milequest.extensions import db, limiter
from milequest.lib import metrics
from milequest.services.operations import system_state

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)


@bp.get("/metrics")
@limiter.exempt
def scrape():
    if not _allowed():
        abort(403)
    try:
        readings = system_state.readings()
        readable = 1
    except Exception:  # the processes' own counts still matter when PostgreSQL or Redis is down
        log.exception("Could not read the system state for /metrics")
        db.session.rollback()
        readings, readable = [], 0
    readings.append(
        system_state.Reading(
            "milequest_state_readable", "1 when queues, outbox and disk could be read.", readable
        )
    )
    body, content_type = metrics.exposition(metrics.ReadingsCollector(readings))
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    networks = current_app.config["METRICS_ALLOWED_NETWORKS"]
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)
