"""Route building on the `routes` queue: thin wrappers over services.routes."""

from celery import shared_task

from milequest.extensions import db
from milequest.services.atlas import routes


@shared_task(name="workers.routes.build_route")
def build_route(route_id: int) -> None:
    try:
        routes.build_route(route_id)
    except Exception:
        db.session.rollback()
        route = db.session.get(routes.Route, route_id)
        if route is not None:
            routes.mark_failed(route, "Building this route failed on our side. Try saving again.")
            db.session.commit()
        raise
    db.session.commit()


@shared_task(name="workers.routes.sweep_stuck_routes")
def sweep_stuck_routes() -> int:
    """Re-enqueue routes whose build never ran (broker outage, lost task)."""
    ids = routes.stuck_route_ids()
    for route_id in ids:
        routes.enqueue_build(route_id)
    return len(ids)
