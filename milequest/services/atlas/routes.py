"""Routes: drafts a walker edits, building them (on the `routes` queue), who may see what.

Drafts live in the database (a route in state "draft"), so the builder works without
JavaScript. Building measures everything geodesically in PostGIS.
"""

from collections.abc import Mapping, Sequence
from datetime import timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, text

from milequest.extensions import db
from milequest.lib import task_queue
from milequest.models import Journey, Membership, Place, Route, User, Waypoint
from milequest.models.base import utcnow
from milequest.models.route import MAX_WAYPOINTS, MIN_WAYPOINTS, RouteStatus
from milequest.refusals import Refused
from milequest.services.atlas import places, route_legs, route_lengths
from milequest.services.atlas.routers import Point, RouterError, configured_router
from milequest.services.core.commit_hooks import after_commit

BUILD_TASK = "workers.routes.build_route"
SAME_POINT_M = 1.0


class RouteError(Refused, ValueError):
    """A change the route cannot take; the message is for the walker."""


class LongLegError(RouteError):
    """The new leg is far longer than the others: the walker confirms before it is added."""

    def __init__(self, leg: route_legs.LongLeg):
        super().__init__(f"{leg.end} is {leg.length_m / 1000:,.0f} km from {leg.start}.")
        self.leg = leg


def visible_route(route_id: int, user: User) -> Route | None:
    """The route if `user` may see it: catalog routes, their own, and their teams' journeys'."""
    route = db.session.get(Route, route_id)
    if route is None:
        return None
    if route.is_catalog or route.owner_id == user.id or _on_a_journey_of(user, route):
        return route
    return None


def _on_a_journey_of(user: User, route: Route) -> bool:
    return db.session.execute(
        select(
            exists().where(
                Journey.route_id == route.id,
                Membership.team_id == Journey.team_id,
                Membership.user_id == user.id,
                Membership.left_at.is_(None),
            )
        )
    ).scalar_one()


def editable_route(route_id: int, user: User) -> Route | None:
    """The route if `user` owns it (catalog routes are read-only)."""
    route = db.session.get(Route, route_id)
    if route is None or route.is_catalog or route.owner_id != user.id:
        return None
    return route


def catalog_routes() -> list[Route]:
    return list(
        db.session.scalars(select(Route).where(Route.slug.is_not(None)).order_by(Route.name))
    )


def routes_of(user: User) -> list[Route]:
    return list(
        db.session.scalars(
            select(Route).where(Route.owner_id == user.id).order_by(Route.created_at.desc())
        )
    )


def startable_routes(user: User) -> list[Route]:
    """The built routes `user` can start a journey on: the catalog's and their own."""
    return [r for r in catalog_routes() + routes_of(user) if r.status == RouteStatus.READY]


def can_start_on(route: Route, user: User) -> bool:
    return route.status == RouteStatus.READY and (route.is_catalog or route.owner_id == user.id)


def create_draft(owner: User, name: str) -> Route:
    route = Route(owner_id=owner.id, name=name.strip(), status=RouteStatus.DRAFT)
    db.session.add(route)
    db.session.flush()
    return route


def _point(lon: float, lat: float) -> ColumnElement[Any]:
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def _append(
    route: Route,
    name: str,
    location,
    place_id: int | None = None,
    *,
    long_ok: bool = True,
    label: str | None = None,
) -> Waypoint:
    """Append a waypoint; unless `long_ok`, refuse (LongLegError) a suspiciously long leg.

    `label` names the place in that refusal ("Berwick, Australia").
    """
    _ensure_draft(route)
    if len(route.waypoints) >= MAX_WAYPOINTS:
        raise RouteError(f"A route has at most {MAX_WAYPOINTS} waypoints.")
    if not long_ok and (leg := route_legs.long_new_leg(route, label or name, location)):
        raise LongLegError(leg)
    waypoint = Waypoint(name=name[:200], location=location, place_id=place_id)
    route.waypoints.append(waypoint)
    _renumber(route)
    db.session.flush()
    if route.waypoints[-2:-1] and _gap_m(route.waypoints[-2], waypoint) < SAME_POINT_M:
        route.waypoints.remove(waypoint)
        db.session.flush()
        raise RouteError(f"{name} is already the last waypoint.")
    return waypoint


def add_place(route: Route, place_id: int, *, long_ok: bool = False) -> Waypoint:
    place = db.session.get(Place, place_id)
    if place is None:
        raise RouteError("That place does not exist. Search for it again.")
    label = places.place_label(place)
    return _append(route, place.name, place.location, place.id, long_ok=long_ok, label=label)


def add_point(route: Route, lon: float, lat: float, *, long_ok: bool = False) -> Waypoint:
    """A clicked point: the nearest place when one is close, else the raw point."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RouteError("That point is not on the Earth.")
    place = places.nearest_place(lon, lat)
    if place is not None:
        label = places.place_label(place)
        return _append(route, place.name, place.location, place.id, long_ok=long_ok, label=label)
    return _append(route, f"Point {lat:.4f}, {lon:.4f}", _point(lon, lat), long_ok=long_ok)


def move_waypoint(route: Route, waypoint_id: int, step: int) -> None:
    """Move a waypoint one place earlier (step -1) or later (+1); at an end, nothing moves."""
    _ensure_draft(route)
    index = _index_of(route, waypoint_id)
    target = index + step
    if 0 <= target < len(route.waypoints):
        waypoints = list(route.waypoints)
        waypoints[index], waypoints[target] = waypoints[target], waypoints[index]
        for position, waypoint in enumerate(waypoints):
            waypoint.position = position
        db.session.flush()
        db.session.expire(route, ["waypoints"])


def remove_waypoint(route: Route, waypoint_id: int) -> None:
    _ensure_draft(route)
    route.waypoints.pop(_index_of(route, waypoint_id))
    _renumber(route)
    db.session.flush()


def _index_of(route: Route, waypoint_id: int) -> int:
    for index, waypoint in enumerate(route.waypoints):
        if waypoint.id == waypoint_id:
            return index
    raise RouteError("That waypoint is not on this route.")


def _renumber(route: Route) -> None:
    for position, waypoint in enumerate(route.waypoints):
        waypoint.position = position


def _ensure_draft(route: Route) -> None:
    if not route.is_editable:
        raise RouteError("This route cannot be changed.")
    route.status = RouteStatus.DRAFT


_GAP = text("""
SELECT ST_Distance(a.location::geography, b.location::geography)
FROM route_waypoints a, route_waypoints b WHERE a.id = :a AND b.id = :b
""")


def _gap_m(a: Waypoint, b: Waypoint) -> float:
    return db.session.scalar(_GAP, {"a": a.id, "b": b.id})


_STRAIGHT = text("""
SELECT ST_Length(ST_MakeLine(location ORDER BY position)::geography)
FROM route_waypoints WHERE route_id = :id
""")


def straight_distance_m(route: Route) -> float:
    """The geodesic sum of the legs between the waypoints, as they stand."""
    if len(route.waypoints) < 2:
        return 0.0
    return db.session.scalar(_STRAIGHT, {"id": route.id})


def check_buildable(route: Route) -> None:
    count = len(route.waypoints)
    if not MIN_WAYPOINTS <= count <= MAX_WAYPOINTS:
        raise RouteError(f"A route needs {MIN_WAYPOINTS} to {MAX_WAYPOINTS} waypoints.")
    for before, after in pairwise(route.waypoints):
        if _gap_m(before, after) < SAME_POINT_M:
            raise RouteError(
                f"{before.name} and {after.name} are the same point, one after the other."
            )


def submit_route(route: Route, name: str | None = None) -> Route:
    """Queue a draft for building: the `routes` queue gets it once the caller commits."""
    _ensure_draft(route)
    if name:
        route.name = name.strip()
    check_buildable(route)
    route.status = RouteStatus.BUILDING
    route.queued_at = utcnow()
    route.build_error = None
    db.session.flush()
    after_commit(enqueue_build, route.id)
    return route


def enqueue_build(route_id: int) -> None:
    task_queue.send(BUILD_TASK, route_id, "routes")


def stuck_route_ids(older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    return list(
        db.session.scalars(
            select(Route.id).where(
                Route.status == RouteStatus.BUILDING,
                or_(Route.queued_at.is_(None), Route.queued_at < utcnow() - older_than),
            )
        )
    )


def waypoint_points(route: Route) -> list[Point]:
    rows = db.session.execute(
        select(func.ST_X(Waypoint.location), func.ST_Y(Waypoint.location))
        .where(Waypoint.route_id == route.id)
        .order_by(Waypoint.position)
    )
    return [(lon, lat) for lon, lat in rows]


def build_route(route_id: int) -> Route | None:
    """Build a queued route's line and measure it. Safe to run twice.

    A router's refusal marks the route failed with its reason; the caller commits.
    """
    route = db.session.get(Route, route_id, with_for_update=True)
    if route is None or route.status != RouteStatus.BUILDING:
        return route
    try:
        check_buildable(route)
        line = configured_router().build(waypoint_points(route))
    except (RouteError, RouterError) as exc:
        return mark_failed(route, str(exc))
    return store_line(route, line)


def store_line(route: Route, line: str, real_m: Mapping[int, float] | None = None) -> Route:
    """Give the route its built line (EWKT) and measure it: it is ready.

    `real_m` maps waypoint positions to their real distance along the route (route_lengths).
    """
    route.path = func.ST_GeomFromEWKT(line)
    db.session.flush()
    route_lengths.measure(route, real_m)
    route.status = RouteStatus.READY
    route.built_at = utcnow()
    db.session.flush()
    return route


def mark_failed(route: Route, reason: str) -> Route:
    route.status = RouteStatus.FAILED
    route.build_error = reason
    route.path = None
    route.length_m = None
    route.vertex_distances_m = None
    db.session.flush()
    return route


def reopen_draft(route: Route) -> Route:
    """A failed route goes back to being a draft its owner can fix."""
    if route.status == RouteStatus.FAILED:
        route.status = RouteStatus.DRAFT
        db.session.flush()
    return route


def set_waypoints(route: Route, waypoints: Sequence[Waypoint]) -> None:
    """Replace every waypoint (the catalog loader's path)."""
    route.waypoints.clear()
    db.session.flush()
    route.waypoints.extend(waypoints)
    _renumber(route)
    db.session.flush()
