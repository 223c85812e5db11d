"""Map data for a route: a small server-side SVG (drawn as svg_maps draws) and Leaflet's line.

What a built route's map shows before anyone walks (its frame, line, land and labels) never
changes (a rebuild sets a new built_at), so it is kept per process; a team's map adds only the
walked stretch and the marker: a pure function of the route and the distance.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import text

from milequest.extensions import db
from milequest.models import Route
from milequest.models.route import RouteStatus
from milequest.services.atlas import map_context, route_positions, svg_maps

_SIMPLIFIED = svg_maps.simplified_line_query("""
    SELECT CASE WHEN :upto > 0
           THEN ST_MakeLine(ARRAY(SELECT (d).geom FROM ST_DumpPoints(path) d
                                  WHERE (d).path[1] <= :upto ORDER BY (d).path[1]))
           ELSE path END AS l
    FROM routes WHERE id = :id
""")


@dataclass(frozen=True)
class SvgMap:
    view_box: str
    line: str  # the `points` of an SVG polyline
    walked: str
    waypoints: list[tuple[float, float, str]]
    marker: tuple[float, float] | None
    world: map_context.Layers
    labels: tuple[svg_maps.Label, ...] = ()


THUMBNAIL_VERTICES = 40


@dataclass(frozen=True)
class Thumbnail:
    view_box: str
    line: str


def line_coords(
    route_id: int, upto_vertex: int = 0, budget: int = svg_maps.VERTEX_BUDGET
) -> list[tuple[float, float]]:
    params = {"id": route_id, "upto": upto_vertex}
    return svg_maps.simplified_coords(_SIMPLIFIED, params, budget)


def thumbnail(route: Route) -> Thumbnail | None:
    """A tiny drawing of a built route for lists of routes: a few hundred bytes."""
    if route.status != RouteStatus.READY:
        return None
    return _thumbnail(route.id, route.built_at)


@lru_cache(maxsize=512)
def _thumbnail(route_id: int, built_at: datetime | None) -> Thumbnail:
    # A built route never changes (a rebuild sets a new built_at), so the drawing is cached.
    coords = line_coords(route_id, budget=THUMBNAIL_VERTICES)
    frame = svg_maps.Frame(coords)
    return Thumbnail(frame.view_box, frame.points(coords))


_WAYPOINTS = text("""
SELECT ST_X(location), ST_Y(location), name FROM route_waypoints
WHERE route_id = :id ORDER BY position
""")


def _walked(
    route: Route, distance_m: float, position: route_positions.Position | None
) -> list[tuple[float, float]]:
    """The simplified line from the start to the point `distance_m` along the route.

    `position` is that point when the caller has it already (a journey's progress does).
    """
    position = position or route_positions.position_at(route.id, distance_m, route.built_at)
    distances = route_positions.vertex_distances_m(route.id, route.built_at)
    upto = max(bisect_right(distances, position.distance_m), 1)
    return svg_maps.unwrap([*line_coords(route.id, upto), (position.lon, position.lat)])


@dataclass(frozen=True)
class _Unwalked:
    frame: svg_maps.Frame
    line: str
    waypoints: list[tuple[float, float, str]]
    world: map_context.Layers
    labels: tuple[svg_maps.Label, ...]


@lru_cache(maxsize=256)
def _unwalked(route_id: int, built_at: datetime | None) -> _Unwalked:
    coords = line_coords(route_id)
    frame = svg_maps.Frame.around(coords)
    rows = list(db.session.execute(_WAYPOINTS, {"id": route_id}))
    anchored = svg_maps.unwrap([coords[0]] + [(lon, lat) for lon, lat, _ in rows])[1:]
    waypoints = [(*frame.project(*xy), row[2]) for xy, row in zip(anchored, rows, strict=True)]
    labels = svg_maps.fit_labels(waypoints, svg_maps.WIDTH, frame.height)
    world = map_context.layers(frame)
    return _Unwalked(frame, frame.points(coords), waypoints, world, tuple(labels))


def svg_map(
    route: Route,
    distance_m: float | None = None,
    position: route_positions.Position | None = None,
) -> SvgMap | None:
    """What the SVG shows of a built route (None before it is built), with the part walked."""
    if route.status != RouteStatus.READY:
        return None
    base = _unwalked(route.id, route.built_at)
    walked, marker = "", None
    if distance_m is not None:
        walked_coords = _walked(route, distance_m, position)
        walked = base.frame.points(walked_coords)
        marker = base.frame.project(*walked_coords[-1])
    return SvgMap(
        base.frame.view_box, base.line, walked, base.waypoints, marker, base.world, base.labels
    )


def leaflet_line(route: Route) -> list[list[float]]:
    """[[lat, lon], ...] for Leaflet, unwrapped across the antimeridian."""
    if route.status != RouteStatus.READY:
        return []
    return svg_maps.lat_lons(line_coords(route.id))
