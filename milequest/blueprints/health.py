"""Liveness (`/healthz`) and readiness (`/readyz`: database and Redis reachable)."""

from flask import Blueprint

from milequest.extensions import limiter
from milequest.services.core import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def readyz():
    problems = health.readiness_problems()
    status = 503 if problems else 200
    return {"status": "unavailable" if problems else "ready", "problems": problems}, status
