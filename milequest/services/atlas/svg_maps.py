"""Small server-side SVG maps (no JavaScript, no tiles), for routes and walkers' own tracks,
and the same simplified lines for Leaflet.

Lines are simplified in PostGIS to about one unit of the drawing, then thinned to a fixed vertex
budget; longitudes are unwrapped so a line across the antimeridian draws as one short line, not
one around the world.
"""

import math

from sqlalchemy import TextClause, text

from milequest.extensions import db

VERTEX_BUDGET = 160
WIDTH = 320.0
PAD = 12.0

Coords = list[tuple[float, float]]


def simplified_line_query(line_sql: str) -> TextClause:
    """A query for the (lon, lat) vertices of the line that `line_sql` selects as `l`."""
    return text(f"""
SELECT ST_X((dp).geom), ST_Y((dp).geom) FROM (
    SELECT ST_DumpPoints(
        ST_Simplify(g, greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)) / 300)
    ) AS dp
    FROM (SELECT CASE WHEN ST_XMax(l) - ST_XMin(l) > 180 THEN ST_ShiftLongitude(l) ELSE l END AS g
          FROM ({line_sql}) r) s
) t
""")


def simplified_coords(query: TextClause, params: dict, budget: int = VERTEX_BUDGET) -> Coords:
    """The vertices `query` (from `simplified_line_query`) finds, at most `budget` + 1."""
    coords = list(db.session.execute(query, params))
    step = max(1, math.ceil(len(coords) / budget))
    kept = coords[::step] + ([coords[-1]] if (len(coords) - 1) % step else [])
    return unwrap([(lon, lat) for lon, lat in kept])


def unwrap(coords: Coords) -> Coords:
    """Shift longitudes by 360° where a step crosses the antimeridian, so the line is continuous."""
    out: Coords = []
    for lon, lat in coords:
        if out:
            while lon - out[-1][0] > 180:
                lon -= 360
            while lon - out[-1][0] < -180:
                lon += 360
        out.append((lon, lat))
    return out


def lat_lons(coords: Coords) -> list[list[float]]:
    """[[lat, lon], ...] for Leaflet, to about a metre."""
    return [[round(lat, 5), round(lon, 5)] for lon, lat in coords]


class Frame:
    """Projects lon/lat into a viewBox WIDTH wide that fits `coords` inside a PAD margin."""

    def __init__(self, coords: Coords):
        xs, ys = zip(*coords, strict=True)
        self.west, self.south = min(xs), min(ys)
        self.kx = math.cos(math.radians((self.south + max(ys)) / 2))
        self.scale = (WIDTH - 2 * PAD) / max(
            (max(xs) - self.west) * self.kx, max(ys) - self.south, 1e-6
        )
        self.height = (max(ys) - self.south) * self.scale + 2 * PAD
        self.view_box = f"0 0 {WIDTH:g} {self.height:.0f}"

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        x = PAD + (lon - self.west) * self.kx * self.scale
        return round(x, 1), round(self.height - PAD - (lat - self.south) * self.scale, 1)

    def points(self, coords: Coords) -> str:
        """The `points` of an SVG polyline."""
        return " ".join("{:g},{:g}".format(*self.project(lon, lat)) for lon, lat in coords)
