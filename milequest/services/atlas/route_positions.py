"""Where a distance along a built route lands: the point (geodesic) and the next milestone.

Distances are along the real route: a route's vertex distances are real ones (route_lengths),
which on a simplified line run ahead of its geodesic length. PostGIS 3.3 has no geography
ST_LineInterpolatePoint, and a planar fraction of lon/lat is off by tens of km on long routes.
So: bisect the cached vertex distances for the segment, then ST_Project from its start along
its geodesic azimuth by the same share of the segment's geodesic length.
"""

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select, text

from milequest.extensions import db
from milequest.models import Route, Waypoint


@dataclass(frozen=True)
class Position:
    lon: float
    lat: float
    distance_m: float  # clamped to [0, length of the route]
    at_end: bool


@dataclass(frozen=True)
class NextMilestone:
    waypoint: Waypoint
    distance_to_m: float


_PROJECT = text("""
SELECT ST_X(p), ST_Y(p) FROM (
    SELECT ST_Project(a, ST_Distance(a, b) * :share, ST_Azimuth(a, b))::geometry AS p
    FROM (
        SELECT ST_PointN(path, :i)::geography AS a, ST_PointN(path, :i + 1)::geography AS b
        FROM routes WHERE id = :id
    ) s
) t
""")
_VERTEX = text(
    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(path, :i) AS p FROM routes WHERE id = :id) s"
)


def vertex_distances_m(route_id: int, built_at: datetime | None = None) -> Sequence[float]:
    """Read once per process and build when `built_at` (the route's) is given: a built route
    never changes, a rebuild sets a new built_at."""
    if built_at is not None:
        return _built_vertex_distances_m(route_id, built_at)
    distances = db.session.scalar(select(Route.vertex_distances_m).where(Route.id == route_id))
    if not distances:
        raise ValueError(f"route {route_id} is not built")
    return distances


@lru_cache(maxsize=256)
def _built_vertex_distances_m(route_id: int, built_at: datetime) -> tuple[float, ...]:
    return tuple(vertex_distances_m(route_id))


def position_at(route_id: int, distance_m: float, built_at: datetime | None = None) -> Position:
    """The point `distance_m` metres along a built route from its start (clamped to its ends).

    Raises ValueError for a route that is not built.
    """
    distances = vertex_distances_m(route_id, built_at)
    length_m = distances[-1]
    d = min(max(distance_m, 0.0), length_m)
    if d >= length_m:
        lon, lat = db.session.execute(_VERTEX, {"id": route_id, "i": len(distances)}).one()
        return Position(lon, lat, length_m, True)
    index = bisect_right(distances, d)  # 1-based number of the segment's first vertex
    share = (d - distances[index - 1]) / (distances[index] - distances[index - 1])
    params = {"id": route_id, "i": index, "share": share}
    lon, lat = db.session.execute(_PROJECT, params).one()
    return Position(lon, lat, d, False)


def next_milestone(route_id: int, distance_m: float) -> NextMilestone | None:
    """The first waypoint beyond `distance_m`, and how far it still is; None past the last."""
    waypoint = db.session.scalar(
        select(Waypoint)
        .where(Waypoint.route_id == route_id, Waypoint.distance_m > distance_m)
        .order_by(Waypoint.position)
        .limit(1)
    )
    if waypoint is None:
        return None
    return NextMilestone(waypoint, (waypoint.distance_m or 0.0) - max(distance_m, 0.0))
