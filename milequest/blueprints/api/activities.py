"""My activities: list, log (idempotent), read, edit, delete; the log form's own checks.

A create is keyed by the `Idempotency-Key` header (or a `client_id`), which becomes the
activity's client id: the service's unique key, so a replay, even a parallel one, answers as
the first time did and logs once.
"""

import uuid
from datetime import date

from flask import request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from milequest.blueprints.activities import FIELD_FOR_PROBLEM, activity_input
from milequest.blueprints.api import schemas
from milequest.blueprints.api.core import (
    WRITE_ERRORS,
    FieldsQuery,
    bp,
    next_link,
    operation,
    resource,
)
from milequest.blueprints.api.problems import ApiProblem, invalid
from milequest.extensions import db
from milequest.forms.activities import ActivityForm
from milequest.services.walks import activities

MAX_ID = 2**63 - 1  # activity ids are BIGINT: a larger one is no row, never a database error
IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0a3c0e-6d35-4c6f-9a57-4d1f3a4e9c21")


@bp.get("/me/activities")
@operation(
    tags=("activities",),
    ok={200: schemas.ActivityList},
    query=schemas.ActivityListQuery,
    cached=True,
)
def list_activities(query):
    """My activities, newest first, a page at a time (`cursor` from the page before)."""
    page = activities.page_of(current_user, _cursor(query.cursor))
    body = {"items": [activity_json(a) for a in page.activities], "next_cursor": page.next_cursor}
    headers = next_link(cursor=page.next_cursor) if page.next_cursor else None
    return resource(schemas.ActivityList, body, headers=headers)


@bp.post("/me/activities")
@operation(
    tags=("activities",),
    ok={201: schemas.Activity},
    body=schemas.ActivityIn,
    errors=WRITE_ERRORS,
)
def create_activity(body):
    """Log an activity. Send `Idempotency-Key` (or a `client_id`): a replay logs nothing more
    and answers as the first time (with `Idempotent-Replayed: true`)."""
    today = activities.today_for(current_user)
    client_id = _client_id(request.headers.get("Idempotency-Key"), body.client_id)
    form = _checked_form(body, today, {"client_id": str(client_id)})
    try:
        activity, created = activities.log_activity(
            current_user, client_id, activity_input(form), today
        )
    except activities.ActivityInvalid as refused:
        raise _refusal(refused) from None
    db.session.commit()
    headers = {"Location": url_for("api.get_activity", activity_id=activity.id)}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return resource(schemas.Activity, activity_json(activity), status=201, headers=headers)


@bp.get("/me/activities/<int:activity_id>")
@operation(tags=("activities",), ok={200: schemas.Activity}, query=FieldsQuery, cached=True)
def get_activity(activity_id: int, query):
    """One of my activities."""
    return resource(schemas.Activity, activity_json(_own(activity_id)))


@bp.patch("/me/activities/<int:activity_id>")
@operation(
    tags=("activities",),
    ok={200: schemas.Activity},
    body=schemas.ActivityPatch,
    errors=WRITE_ERRORS,
)
def edit_activity(activity_id: int, body):
    """Change what is sent of one of my activities (the rest stays); the totals follow."""
    activity = _own(activity_id)
    today = activities.today_for(current_user)
    current = _current_values(activity)
    if "distance" in body.model_fields_set and "unit" not in body.model_fields_set:
        current["unit"] = "km"  # a distance sent alone is in km, as it always was
    form = _checked_form(body, today, current)
    try:
        activity = activities.edit_activity(activity, activity_input(form), today)
    except activities.ActivityGone:
        raise ApiProblem(404, "That activity is not among yours any more.") from None
    except activities.ActivityInvalid as refused:
        raise _refusal(refused) from None
    db.session.commit()
    return resource(schemas.Activity, activity_json(activity))


@bp.delete("/me/activities/<int:activity_id>")
@operation(tags=("activities",), ok={204: None}, errors=WRITE_ERRORS)
def delete_activity(activity_id: int):
    """Delete one of my activities and take back what it counted (once)."""
    try:
        activities.delete_activity(_own(activity_id))
    except activities.ActivityGone:
        raise ApiProblem(404, "That activity is not among yours any more.") from None
    db.session.commit()
    return "", 204


def _own(activity_id: int):
    activity = (
        activities.owned_activity(activity_id, current_user) if activity_id <= MAX_ID else None
    )
    if activity is None:
        raise ApiProblem(404, "That activity is not among yours.")
    return activity


def _client_id(key: str | None, client_id: str | None) -> uuid.UUID:
    if key is not None:
        if not 1 <= len(key) <= 255:
            raise invalid({"Idempotency-Key": "Send a key of 1 to 255 characters."})
        return uuid.uuid5(IDEMPOTENCY_NAMESPACE, key)
    if client_id is not None:
        try:
            return uuid.UUID(client_id)
        except ValueError:
            raise invalid({"client_id": "Send a UUID, like those uuid4() makes."}) from None
    return uuid.uuid4()


def _checked_form(body, today: date, defaults: dict) -> ActivityForm:
    """The log form filled from JSON (its defaults, then what was sent) and validated."""
    values = {
        "unit": current_user.units,
        "activity_date": today.isoformat(),
        "kind": "walk",
        **defaults,
    }
    sent = body.model_dump(exclude_unset=True, exclude={"client_id"})
    values |= {k: "" if v is None else str(v) for k, v in sent.items()}
    form = ActivityForm(formdata=MultiDict(values), meta={"csrf": False})
    if not form.validate():
        raise invalid({name: messages[0] for name, messages in form.errors.items()})
    return form


def _current_values(activity) -> dict:
    return {
        **(
            {"distance": str(activity.steps), "unit": "steps"}
            if activity.steps
            else {"distance": f"{(activity.distance_m / 1000).normalize():f}", "unit": "km"}
        ),
        "activity_date": activity.activity_date.isoformat(),
        "kind": activity.kind,
        "duration_minutes": str(activity.duration_s // 60) if activity.duration_s else "",
        "note": activity.note,
        "client_id": str(activity.client_id),
    }


def _refusal(refused: activities.ActivityInvalid) -> ApiProblem:
    db.session.rollback()
    return invalid(
        {FIELD_FOR_PROBLEM.get(name, name): message for name, message in refused.problems.items()}
    )


def _cursor(value: str | None):
    if value is None:
        return None
    try:
        day, activity_id = value.split(":")
        return date.fromisoformat(day), int(activity_id)
    except ValueError:
        raise ApiProblem(400, "The cursor is not one this API gave.", field="cursor") from None


def activity_json(activity) -> dict:
    return {
        "id": activity.id,
        "client_id": str(activity.client_id),
        "kind": activity.kind,
        "distance_m": float(activity.distance_m),
        "counted_m": float(activity.counted_m),
        "count_factor": float(activity.count_factor),
        "activity_date": activity.activity_date.isoformat(),
        "duration_s": activity.duration_s,
        "steps": activity.steps,
        "note": activity.note,
        "source": activity.source,
        "review_status": str(activity.review_status),
        "counts_for_journeys": activity.counts_for_journeys,
        "created_at": activity.created_at.isoformat(),
        "updated_at": activity.updated_at.isoformat(),
    }
