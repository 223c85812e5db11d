"""Readiness checks: can this process reach what it needs to serve requests?"""

from sqlalchemy import text

from milequest.extensions import db, redis_client


def readiness_problems() -> dict[str, str]:
    """Map of failing dependency to its error; empty when all are reachable."""
    problems = {}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        problems["database"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    try:
        redis_client.ping()
    except Exception as exc:
        problems["redis"] = f"{type(exc).__name__}: {exc}"[:300]
    return problems
