"""Recorded tracks: measured in PostGIS, trimmed before anyone but their walker could see them.

A track is a MULTILINESTRING, one line per span the device recorded: the pauses between spans
are no distance.

A track starts and ends where its walker lives or works, so whatever others could ever see
leaves out its first and last TRIM_M metres. The activity's distance still counts in full.
"""

from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import text

from milequest.extensions import db
from milequest.models import Activity
from milequest.services.atlas import svg_maps

TRIM_M = 200

# A track is one line per recorded span: a vertex's distance from the previous one is 0 at the
# start of each span, so the pause before it counts nowhere (length, trimming, jumps).
_VERTICES = text("""
    SELECT ST_X(geom), ST_Y(geom),
           COALESCE(ST_Distance(LAG(geom::geography) OVER span, geom::geography), 0),
           path[1] - 1
    FROM ST_DumpPoints(ST_Multi(ST_GeomFromEWKT(:track)))
    WINDOW span AS (PARTITION BY path[1] ORDER BY path)
    ORDER BY path
""")
_TRACK_OF = text("SELECT ST_AsEWKT(track) FROM activities WHERE id = :activity_id")
_TRACK_LINE = svg_maps.simplified_line_query(
    "SELECT track AS l FROM activities WHERE id = :activity_id"
)
_TRACK_LENGTH_M = text("SELECT ST_Length(track::geography) FROM activities WHERE id = :activity_id")


@dataclass(frozen=True)
class Vertex:
    lon: float
    lat: float
    from_previous_m: float  # geodesic, 0 for the first of each span
    span: int = 0  # which recorded span (0-based)


def vertices(track_ewkt: str) -> list[Vertex]:
    return [Vertex(*row) for row in db.session.execute(_VERTICES, {"track": track_ewkt})]


def own_track(activity: Activity) -> list[tuple[float, float]]:
    """The whole track as (lon, lat): for its walker's eyes only."""
    return [(v.lon, v.lat) for v in _activity_vertices(activity)]


@dataclass(frozen=True)
class TrackMap:
    """A track drawn small: an SVG polyline with its start and end, and its geodesic length."""

    view_box: str
    line: str  # the `points` of an SVG polyline
    start: tuple[float, float]
    end: tuple[float, float]
    length_m: float
    lat_lons: list[list[float]]  # the same line for Leaflet


def own_track_map(activity: Activity) -> TrackMap | None:
    """The whole track drawn small, for its walker's eyes only (None without a track)."""
    params = {"activity_id": activity.id}
    coords = svg_maps.simplified_coords(_TRACK_LINE, params)
    if len(coords) < 2:
        return None
    frame = svg_maps.Frame(coords)
    return TrackMap(
        frame.view_box,
        frame.points(coords),
        frame.project(*coords[0]),
        frame.project(*coords[-1]),
        db.session.scalar(_TRACK_LENGTH_M, params),
        svg_maps.lat_lons(coords),
    )


def shareable_track(activity: Activity, trim_m: float = TRIM_M) -> list[tuple[float, float]]:
    """The track without its first and last `trim_m` metres (empty when nothing is left)."""
    points = _activity_vertices(activity)
    total_m = sum(v.from_previous_m for v in points)
    if total_m <= 2 * trim_m:
        return []
    kept, walked_m = [], 0.0
    for previous, vertex in pairwise(points):
        start_m, walked_m = walked_m, walked_m + vertex.from_previous_m
        for cut_m in (trim_m, total_m - trim_m):
            if start_m < cut_m <= walked_m:
                kept.append(_between(previous, vertex, (cut_m - start_m) / vertex.from_previous_m))
        if trim_m < walked_m < total_m - trim_m:
            kept.append((vertex.lon, vertex.lat))
    return kept


def _between(a: Vertex, b: Vertex, share: float) -> tuple[float, float]:
    # Within one short GPS segment, linear interpolation is within centimetres of the geodesic.
    return (a.lon + (b.lon - a.lon) * share, a.lat + (b.lat - a.lat) * share)


def _activity_vertices(activity: Activity) -> list[Vertex]:
    track_ewkt = db.session.scalar(_TRACK_OF, {"activity_id": activity.id})
    return vertices(track_ewkt) if track_ewkt else []
