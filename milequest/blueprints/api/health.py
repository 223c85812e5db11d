"""The health-app ingest: a phone app posts its daily step and distance totals here."""

from flask import request
from flask_login import current_user

from milequest.blueprints.api import schemas
from milequest.blueprints.api.core import WRITE_ERRORS, bp, operation, resource
from milequest.blueprints.api.problems import ApiProblem
from milequest.extensions import db
from milequest.lib import health_exports
from milequest.services.walks import activities, health_totals


@bp.post("/health/daily-totals")
@operation(
    tags=("health apps",),
    ok={200: schemas.IngestResult},
    query=schemas.HealthQuery,
    errors=WRITE_ERRORS,
)
def daily_totals(query):
    """Health Auto Export's JSON (aggregated by day): one activity per day and `source`; a
    re-post of a day updates it. Steps count at 0.76 m each when no distance is sent."""
    try:
        totals = health_exports.daily_totals(request.get_json(silent=True))
    except health_exports.ExportUnreadable as error:
        raise ApiProblem(
            422, str(error), errors=[{"field": "body", "detail": str(error)}]
        ) from None
    today = activities.today_for(current_user)
    days = [_record(query.source, total, today) for total in totals]
    db.session.commit()
    return resource(schemas.IngestResult, {"source": query.source, "days": days})


def _record(source: str, total, today) -> dict:
    """One day in a savepoint of its own: a refused day leaves the others logged."""
    savepoint = db.session.begin_nested()
    try:
        outcome = health_totals.record_day(current_user, source, total, today)
    except activities.ActivityInvalid as refused:
        savepoint.rollback()
        outcome = health_totals.DayOutcome(total.day, "refused", problems=refused.problems)
    else:
        savepoint.commit()
    return {
        "date": outcome.day.isoformat(),
        "outcome": outcome.outcome,
        "activity_id": outcome.activity.id if outcome.activity else None,
        "distance_m": float(outcome.activity.distance_m) if outcome.activity else None,
        "problems": outcome.problems,
    }
