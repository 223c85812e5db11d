"""Parallel API writes against real PostgreSQL: a replayed create, a re-posted health day."""

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity
from tests.api_helpers import bearer, token_for
from tests.factories import make_user
from tests.services.test_counters_concurrency import run_together


def _post_from_threads(app, url: str, bodies: list[dict], headers: dict) -> list:
    answers = []

    def post(body):
        return lambda: answers.append(app.test_client().post(url, json=body, headers=headers))

    assert run_together(app, [post(body) for body in bodies]) == []
    return answers


@pytest.mark.committing
def test_two_threads_replaying_one_idempotency_key_log_one_activity(app):
    walker = make_user()
    headers = bearer(token_for(walker)) | {"Idempotency-Key": "phone-7f3a"}
    db.session.commit()

    answers = _post_from_threads(
        app, "/api/v1/me/activities", [{"distance": "4"}, {"distance": "4"}], headers
    )

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json["id"] == answers[1].json["id"]
    count = db.session.scalar(select(func.count()).where(Activity.user_id == walker.id))
    assert count == 1


@pytest.mark.committing
def test_two_threads_posting_one_health_day_leave_one_activity(app):
    walker = make_user()
    headers = bearer(token_for(walker))
    db.session.commit()
    day = "2026-11-28"

    def export(steps: int) -> dict:
        metric = {"name": "step_count", "units": "count", "data": [{"date": day, "qty": steps}]}
        return {"data": {"metrics": [metric]}}

    from milequest.services.walks import activities

    today = activities.today_for(walker).isoformat()
    bodies = [export(1000), export(2000)]
    for body in bodies:
        body["data"]["metrics"][0]["data"][0]["date"] = today + " 00:00:00 +0000"
    answers = _post_from_threads(app, "/api/v1/health/daily-totals", bodies, headers)

    assert [a.status_code for a in answers] == [200, 200]
    db.session.expire_all()
    rows = db.session.scalars(select(Activity).where(Activity.user_id == walker.id)).all()
    assert len(rows) == 1
    assert rows[0].distance_m in (760, 1520)  # one of the two totals, 0.76 m a step
