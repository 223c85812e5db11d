"""Small server-side SVG maps (no JavaScript, no tiles), for routes and walkers' own tracks,
and the same simplified lines for Leaflet.

A journey's map shows country around its route (`Frame.around`), the land under it
(`map_context`) and the milestones' names where they fit (`fit_labels`).

Lines are simplified in PostGIS to about one unit of the drawing, then thinned to a fixed vertex
budget; longitudes are unwrapped so a line across the antimeridian draws as one short line, not
one around the world.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass

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

    @classmethod
    def around(cls, coords: Coords, margin: float = 0.12, aspect=(0.6, 1.0)) -> "Frame":
        """A frame with country around `coords`: a margin on each side, and a height between
        aspect[0] and aspect[1] of the width, so an east-west route is not a thin strip."""
        xs, ys = zip(*coords, strict=True)
        mid_lon, mid_lat = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        kx = math.cos(math.radians(mid_lat))
        width = max((max(xs) - min(xs)) * kx, 0.02) * (1 + 2 * margin)
        height = max(max(ys) - min(ys), 0.02) * (1 + 2 * margin)
        height = max(height, width * aspect[0])
        width = max(width, height / aspect[1])
        half_lon, half_lat = width / kx / 2, min(height / 2, 89.0)
        return cls(
            [(mid_lon - half_lon, mid_lat - half_lat), (mid_lon + half_lon, mid_lat + half_lat)]
        )

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

    def bounds(self, overlap: float = 0.0) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the whole viewBox, margin included, in degrees, and
        `overlap` (a fraction of the width) beyond it on every side."""
        beyond = overlap * WIDTH
        west = self.west - (PAD + beyond) / (self.kx * self.scale)
        south = self.south - (PAD + beyond) / self.scale
        east = west + (WIDTH + 2 * beyond) / (self.kx * self.scale)
        return west, south, east, south + (self.height + 2 * beyond) / self.scale

    def affine(self) -> dict[str, float]:
        """ST_Affine's (a, e, xoff, yoff) for `project`, for ST_AsSVG, which writes -y."""
        return {
            "a": self.kx * self.scale,
            "e": self.scale,
            "xoff": PAD - self.west * self.kx * self.scale,
            "yoff": -(self.height - PAD) - self.south * self.scale,
        }

    def points(self, coords: Coords) -> str:
        """The `points` of an SVG polyline."""
        return " ".join("{:g},{:g}".format(*self.project(lon, lat)) for lon, lat in coords)


LABEL_SIZE = 9.0  # font size in viewBox units
_CHAR_WIDTH = 0.62  # of the font size, for an average character
_GAP = 5.0  # from the dot to its label


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str  # SVG text-anchor: "start" (right of the dot), "end" (left), "middle" (over)


def fit_labels(stops: list[tuple[float, float, str]], width: float, height: float) -> list[Label]:
    """Names beside their dots where they fit inside the map, clear of other names and dots:
    the start and the end first, then the rest in order."""
    placed = [(x - 3, y - 3, x + 3, y + 3) for x, y, _ in stops]  # the dots
    labels = []
    for index in dict.fromkeys([0, len(stops) - 1, *range(1, len(stops) - 1)]):
        if index < 0:
            continue
        x, y, name = stops[index]
        w = len(name) * LABEL_SIZE * _CHAR_WIDTH
        for anchor, left, middle in _label_spots(x, y, w):
            box = (left, middle - LABEL_SIZE / 2 - 1, left + w, middle + LABEL_SIZE / 2 + 1)
            inside = box[0] >= 1 and box[2] <= width - 1 and box[1] >= 1 and box[3] <= height - 1
            if inside and not any(_overlap(box, other) for other in placed):
                placed.append(box)
                text_x = {"start": left, "middle": left + w / 2, "end": left + w}[anchor]
                labels.append(
                    Label(round(text_x, 1), round(middle + LABEL_SIZE * 0.35, 1), name, anchor)
                )
                break
    return labels


def _label_spots(x: float, y: float, w: float) -> Iterator[tuple[str, float, float]]:
    """(anchor, left edge, middle line) to try: right of the dot, left, above, below."""
    yield "start", x + _GAP, y
    yield "end", x - _GAP - w, y
    yield "middle", x - w / 2, y - LABEL_SIZE - 1
    yield "middle", x - w / 2, y + LABEL_SIZE + 1


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
