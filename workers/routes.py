"""Route building on the `routes` queue: thin wrappers over services.routes."""

from celery import shared_task

from milequest.extensions import db
from milequest.services.atlas import routes
from workers.job_runs import run_or_record_failure


@shared_task(name="workers.routes.build_route")
def build_route(route_id: int) -> None:
    run_or_record_failure(lambda: routes.build_route(route_id), lambda: _mark_failed(route_id))


def _mark_failed(route_id: int) -> None:
    route = db.session.get(routes.Route, route_id)
    if route is not None:  # deleted meanwhile: nothing to tell
        routes.mark_failed(route, "Building this route failed on our side. Try saving again.")


@shared_task(name="workers.routes.sweep_stuck_routes")
def sweep_stuck_routes() -> int:
    """Re-enqueue routes whose build never ran (broker outage, lost task)."""
    ids = routes.stuck_route_ids()
    for route_id in ids:
        routes.enqueue_build(route_id)
    return len(ids)
