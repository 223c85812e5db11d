"""Routers turn ordered waypoints into a line. The geodesic router is the default; a walking
router (configured by `ROUTER`) plugs in behind the same `build(points)` interface.
"""

from collections.abc import Sequence
from typing import Protocol

from flask import current_app
from sqlalchemy import text

from milequest.extensions import db
from milequest.refusals import Refused

Point = tuple[float, float]  # (longitude, latitude) in degrees, WGS 84


class RouterError(Refused, ValueError):
    """The router cannot build a line through these points; the message is for the walker."""


class Router(Protocol):
    def build(self, points: Sequence[Point]) -> str:
        """An EWKT LINESTRING (SRID 4326) through `points`, in order."""
        ...


# Each leg is cut into equal geodesic steps by projecting from its start along its initial
# azimuth (the direct geodesic problem), so every vertex lies on the true geodesic, not on a
# great circle, and a leg across the antimeridian stays short.
_GEODESIC_LINE = text("""
WITH pts AS (
    SELECT ord, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS g
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]))
        WITH ORDINALITY AS t(lon, lat, ord)
), legs AS (
    SELECT ord, g AS a, lead(g) OVER (ORDER BY ord) AS b FROM pts
), steps AS (
    SELECT ord, a, ST_Distance(a, b) AS len, ST_Azimuth(a, b) AS az,
           greatest(1, ceil(ST_Distance(a, b) / :max_m))::int AS n
    FROM legs WHERE b IS NOT NULL
), verts AS (
    SELECT ord, k, ST_Project(a, len * k / n, az)::geometry AS v
    FROM steps, generate_series(0, n - 1) AS k
    UNION ALL
    SELECT ord, 0, g::geometry FROM pts WHERE ord = (SELECT max(ord) FROM pts)
)
SELECT ST_AsEWKT(ST_MakeLine(v ORDER BY ord, k)), bool_or(v IS NULL) FROM verts
""")


class GeodesicRouter:
    """Straight geodesic legs between the waypoints, densified to `max_segment_m`."""

    def __init__(self, max_segment_m: float = 10_000):
        self.max_segment_m = max_segment_m

    def build(self, points: Sequence[Point]) -> str:
        if len(points) < 2:
            raise RouterError("A route needs at least two waypoints.")
        ewkt, broken = db.session.execute(
            _GEODESIC_LINE,
            {
                "lons": [p[0] for p in points],
                "lats": [p[1] for p in points],
                "max_m": self.max_segment_m,
            },
        ).one()
        if broken:  # a zero-length leg has no azimuth
            raise RouterError("Two consecutive waypoints are the same place.")
        return ewkt


ROUTERS = {"geodesic": GeodesicRouter}


def configured_router() -> Router:
    config = current_app.config
    return ROUTERS[config["ROUTER"]](config["ROUTE_SEGMENT_MAX_M"])
