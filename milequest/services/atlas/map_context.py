"""The land (its outline drawn as the coast) and borders inside a map's frame, as SVG paths.

PostGIS does the work: the frame's box finds the shapes (GiST), ST_ClipByBox2D cuts them to
it, ST_Affine projects them into the drawing, ST_SimplifyPreserveTopology drops what is less
than about a unit of the drawing, and ST_AsSVG writes relative integer paths. A box beyond
±180° (a route across the antimeridian) also reads the world shifted by 360°. When the layers
come out larger than BUDGET_CHARS, they are drawn again with twice the tolerance.
"""

from dataclasses import dataclass

from sqlalchemy import text

from milequest.extensions import db
from milequest.models.atlas import MapLayer
from milequest.services.atlas.svg_maps import Frame

BUDGET_CHARS = 9_000  # of path data, so that a whole map stays well under 20 KB
TOLERANCE = 1.4  # viewBox units: coasts at a phone's pixel, for a small page
_TRIES = 4

_LAYERS = text("""
WITH box AS (
    SELECT shift, ST_MakeEnvelope(:west - shift, :south, :east - shift, :north, 4326) AS b
    FROM unnest(ARRAY[-360.0, 0.0, 360.0]) AS shift
), drawn AS (
    SELECT f.layer, (ST_Dump(ST_SnapToGrid(ST_SimplifyPreserveTopology(
        ST_Affine(ST_Translate(ST_ClipByBox2D(f.shape, box.b), box.shift, 0),
                  :a, 0, 0, :e, :xoff, :yoff),
        :tolerance), 1))).geom AS g
    FROM atlas_features f JOIN box ON f.shape && box.b
)
SELECT layer, ST_AsSVG(ST_Collect(g), 1, 0) FROM drawn
WHERE ST_Dimension(g) = CASE layer WHEN 'land' THEN 2 ELSE 1 END
  AND (layer <> 'land' OR ST_Area(g) >= :tolerance * 2)
GROUP BY layer
""")


@dataclass(frozen=True)
class Layers:
    land: str = ""
    borders: str = ""

    @property
    def size(self) -> int:
        return len(self.land) + len(self.borders)


def layers(frame: Frame) -> Layers:
    """The world inside `frame` (empty layers where nothing is loaded: `flask atlas`)."""
    # A little beyond the drawing, so the cut edges of the land (stroked as coast) fall outside.
    west, south, east, north = frame.bounds(overlap=0.02)
    params = {
        "west": west,
        "south": max(south, -90.0),
        "east": east,
        "north": min(north, 90.0),
        **frame.affine(),
    }
    # The planner's guess for these functions is high enough to JIT-compile the query, which
    # costs more (~60 ms) than running it (~10 ms).
    db.session.execute(text("SET LOCAL jit = off"))
    tolerance = TOLERANCE
    for _ in range(_TRIES):
        rows: dict[str, str] = dict(
            db.session.execute(_LAYERS, params | {"tolerance": tolerance}).all()
        )
        found = Layers(
            land=rows.get(MapLayer.LAND, ""),
            borders=rows.get(MapLayer.BORDER, ""),
        )
        if found.size <= BUDGET_CHARS:
            return found
        tolerance *= 2
    return Layers(land=found.land) if len(found.land) <= BUDGET_CHARS else Layers()
