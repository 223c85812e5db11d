"""A real Celery worker on the real Redis broker builds a saved route."""

import pytest

from milequest.extensions import db
from milequest.models import Route
from milequest.services.atlas import routes
from tests.factories import make_draft
from tests.workers.test_email import wait_for


def status_of(route_id: int) -> str:
    db.session.rollback()  # see what the worker committed
    return db.session.get(Route, route_id).status


@pytest.mark.committing
def test_saved_route_is_built_by_a_real_worker(app, celery_worker):
    draft = make_draft(points=[(-3.1883, 55.9533), (-4.2247, 57.4778)])
    routes.submit_route(draft)
    db.session.commit()

    assert wait_for(lambda: status_of(draft.id) == "ready")
    assert db.session.get(Route, draft.id).length_m > 180_000


def test_the_task_marks_a_broken_route_failed():
    from workers.routes import build_route

    draft = make_draft(points=[(-3.1883, 55.9533), (-4.2247, 57.4778)])
    routes.submit_route(draft)
    draft.waypoints[1].location = draft.waypoints[0].location
    db.session.flush()

    build_route(draft.id)  # runs here, in its own session on the test's connection

    db.session.expire_all()
    route = db.session.get(Route, draft.id)
    assert route.status == "failed" and "same point" in route.build_error
