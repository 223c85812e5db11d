"""How far along the real route each vertex of a built line lies, and so each milestone.

A drawn line is a simplification of the trail: its geodesic length falls short of the route as
walked. A catalog route records the real distance of some of its milestones (always its start
and its end): those are anchors. Between two anchors, a vertex's distance is the anchors' real
distances shared out in proportion to the drawn line, so the marker reaches each anchor exactly
when the team has walked its real distance, and the route's length is the real one. Without
anchors (a walker's own route) the drawn line is the route and distances are geodesic.
"""

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from itertools import pairwise

from sqlalchemy import text

from milequest.extensions import db
from milequest.models import Route

_CUMULATIVE = text("""
WITH v AS (
    SELECT (dp).path[1] AS i, (dp).geom::geography AS g
    FROM (SELECT ST_DumpPoints(path) AS dp FROM routes WHERE id = :id) s
), legs AS (
    SELECT i, coalesce(ST_Distance(lag(g) OVER (ORDER BY i), g), 0) AS leg_m FROM v
)
SELECT array_agg(c ORDER BY i) FROM (SELECT i, sum(leg_m) OVER (ORDER BY i) AS c FROM legs) t
""")
_NEAREST_VERTEX = text("""
SELECT i FROM (
    SELECT (dp).path[1] AS i, (dp).geom AS g
    FROM (SELECT ST_DumpPoints(path) AS dp FROM routes WHERE id = :id) s
) v
WHERE i >= :start
ORDER BY ST_Distance(
    g::geography, (SELECT location FROM route_waypoints WHERE id = :wp)::geography
), i
LIMIT 1
""")


def scale_to_anchors(drawn_m: Sequence[float], anchors: Sequence[tuple[int, float]]) -> list[float]:
    """Each vertex's real distance from cumulative drawn distances and (vertex index, real m)
    anchors, in order, the first at vertex 0 and the last at the last vertex.

    Raises ValueError when anchors do not both advance (two at one vertex, or going back).
    """
    if not anchors:
        return list(drawn_m)
    if anchors[0][0] != 0 or anchors[-1][0] != len(drawn_m) - 1:
        raise ValueError("the anchors must include the first and the last vertex")
    indexes = [i for i, _ in anchors]
    for (i, real), (j, real_next) in pairwise(anchors):
        if not (drawn_m[i] < drawn_m[j] and real < real_next):
            raise ValueError("anchors must advance along the line and along the route")
    scaled = []
    for k, drawn in enumerate(drawn_m):
        n = max(bisect_left(indexes, k), 1)  # the anchor at or after vertex k, never the first
        (i, real), (j, real_next) = anchors[n - 1], anchors[n]
        share = (drawn - drawn_m[i]) / (drawn_m[j] - drawn_m[i])
        scaled.append(real + share * (real_next - real))
    return scaled


def _milestone_vertices(route: Route) -> list[int]:
    """The 0-based vertex nearest each waypoint, never before the previous one's."""
    vertices, start = [], 1
    for waypoint in route.waypoints:
        params = {"id": route.id, "start": start, "wp": waypoint.id}
        start = db.session.scalar(_NEAREST_VERTEX, params)
        vertices.append(start - 1)
    return vertices


def measure(route: Route, real_m: Mapping[int, float] | None = None) -> None:
    """Set the route's vertex distances, length and every waypoint's distance from its path.

    `real_m` maps waypoint positions to their real distance along the route (anchors); empty
    or None measures the drawn line geodesically.
    """
    drawn_m = db.session.scalar(_CUMULATIVE, {"id": route.id})
    vertices = _milestone_vertices(route)
    anchors = [(vertices[position], metres) for position, metres in sorted((real_m or {}).items())]
    distances = scale_to_anchors(drawn_m, anchors)
    route.vertex_distances_m = distances
    route.length_m = distances[-1]
    for waypoint, vertex in zip(route.waypoints, vertices, strict=True):
        waypoint.distance_m = distances[vertex]
