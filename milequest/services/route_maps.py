"""Map data for a route: a small server-side SVG (no JavaScript, no tiles) and Leaflet's line.

Lines are simplified in PostGIS to a fixed vertex budget; longitudes are unwrapped so a route
across the antimeridian draws as one short line, not one around the world.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass

from sqlalchemy import text

from milequest.extensions import db
from milequest.models import Route
from milequest.services import route_positions

VERTEX_BUDGET = 160
WIDTH = 320.0
PAD = 12.0

_SIMPLIFIED = text("""
SELECT ST_X((dp).geom), ST_Y((dp).geom) FROM (
    SELECT ST_DumpPoints(
        ST_Simplify(g, greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)) / 300)
    ) AS dp
    FROM (SELECT CASE WHEN ST_XMax(l) - ST_XMin(l) > 180 THEN ST_ShiftLongitude(l) ELSE l END AS g
          FROM (SELECT CASE WHEN :upto > 0
                 THEN ST_MakeLine(ARRAY(SELECT (d).geom FROM ST_DumpPoints(path) d
                                        WHERE (d).path[1] <= :upto ORDER BY (d).path[1]))
                 ELSE path END AS l
          FROM routes WHERE id = :id) r) s
) t
""")


@dataclass(frozen=True)
class SvgMap:
    view_box: str
    line: str  # the `points` of an SVG polyline
    walked: str
    waypoints: list[tuple[float, float, str]]
    marker: tuple[float, float] | None


def unwrap(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Shift longitudes by 360° where a step crosses the antimeridian, so the line is continuous."""
    out: list[tuple[float, float]] = []
    for lon, lat in coords:
        if out:
            while lon - out[-1][0] > 180:
                lon -= 360
            while lon - out[-1][0] < -180:
                lon += 360
        out.append((lon, lat))
    return out


def line_coords(route_id: int, upto_vertex: int = 0) -> list[tuple[float, float]]:
    coords = list(db.session.execute(_SIMPLIFIED, {"id": route_id, "upto": upto_vertex}))
    step = max(1, math.ceil(len(coords) / VERTEX_BUDGET))
    kept = coords[::step] + ([coords[-1]] if (len(coords) - 1) % step else [])
    return unwrap([(lon, lat) for lon, lat in kept])


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
    position = position or route_positions.position_at(route.id, distance_m)
    distances = route_positions.vertex_distances_m(route.id)
    upto = max(bisect_right(distances, position.distance_m), 1)
    return unwrap([*line_coords(route.id, upto), (position.lon, position.lat)])


def svg_map(
    route: Route,
    distance_m: float | None = None,
    position: route_positions.Position | None = None,
) -> SvgMap | None:
    """What the SVG shows of a built route (None before it is built), with the part walked."""
    if route.status != "ready":
        return None
    coords = line_coords(route.id)
    xs, ys = zip(*coords, strict=True)
    west, south = min(xs), min(ys)
    kx = math.cos(math.radians((south + max(ys)) / 2))
    scale = (WIDTH - 2 * PAD) / max((max(xs) - west) * kx, max(ys) - south, 1e-6)
    height = (max(ys) - south) * scale + 2 * PAD

    def project(lon: float, lat: float) -> tuple[float, float]:
        return round(PAD + (lon - west) * kx * scale, 1), round(
            height - PAD - (lat - south) * scale, 1
        )

    def points(cs) -> str:
        return " ".join("{:g},{:g}".format(*project(lon, lat)) for lon, lat in cs)

    walked, marker = "", None
    if distance_m is not None:
        walked_coords = _walked(route, distance_m, position)
        walked, marker = points(walked_coords), project(*walked_coords[-1])
    rows = list(db.session.execute(_WAYPOINTS, {"id": route.id}))
    anchored = unwrap([coords[0]] + [(lon, lat) for lon, lat, _ in rows])[1:]
    waypoints = [(*project(*xy), row[2]) for xy, row in zip(anchored, rows, strict=True)]
    return SvgMap(f"0 0 {WIDTH:g} {height:.0f}", points(coords), walked, waypoints, marker)


def leaflet_line(route: Route) -> list[list[float]]:
    """[[lat, lon], ...] for Leaflet, unwrapped across the antimeridian."""
    if route.status != "ready":
        return []
    return [[round(lat, 5), round(lon, 5)] for lon, lat in line_coords(route.id)]
