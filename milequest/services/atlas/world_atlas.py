"""Natural Earth under the maps: load world-atlas's TopoJSON into PostGIS once, at set-up.

The file comes from npm (`world-atlas`, in node_modules after `make setup`) and is never
fetched at run time. Land is stored as polygons (one per island or continent: cutting the
continents into pieces takes GEOS half a minute, clipping one to a map's box a millisecond;
a map strokes their outline as the coast), borders as lines cut into pieces of at most
PIECE_VERTICES vertices.
"""

import csv
import io
import json
from pathlib import Path

from sqlalchemy import delete, func, select, text

from milequest.config import ROOT
from milequest.extensions import db
from milequest.lib.topojson import Topology
from milequest.models import AtlasFeature
from milequest.models.atlas import MapLayer

SOURCE = ROOT / "node_modules" / "world-atlas" / "countries-10m.json"
PIECE_VERTICES = 256

_STAGE = "CREATE TEMP TABLE atlas_load (layer text, shape text) ON COMMIT DROP"
_INSERT = f"""
INSERT INTO atlas_features (layer, shape)
SELECT layer, CASE WHEN ST_IsValid(g) THEN g ELSE ST_CollectionExtract(ST_MakeValid(g), 3) END
FROM (SELECT layer, ST_GeomFromText(shape, 4326) AS g FROM atlas_load WHERE layer = 'land') s
UNION ALL
SELECT layer, ST_Subdivide(ST_GeomFromText(shape, 4326), {PIECE_VERTICES})
FROM atlas_load WHERE layer <> 'land'
"""


def load_world(source: Path = SOURCE, *, force: bool = False) -> tuple[int, bool]:
    """Load the land and the borders unless they are there (or `force`).

    Returns (pieces stored, whether they were loaded now). Flushes; the caller commits.
    """
    present = db.session.scalar(select(func.count()).select_from(AtlasFeature))
    if present and not force:
        return present, False
    topology = Topology(json.loads(Path(source).read_text()))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for polygon in topology.land_polygons():
        if len(polygon[0]) >= 4:
            writer.writerow([MapLayer.LAND, _polygon_wkt(polygon)])
    for line in topology.borders():
        if len(line) > 1:
            writer.writerow([MapLayer.BORDER, "LINESTRING(" + _points(line) + ")"])
    buffer.seek(0)
    db.session.execute(delete(AtlasFeature))
    db.session.execute(text(_STAGE))
    driver = db.session.connection().connection.driver_connection
    if driver is None:
        raise RuntimeError("the atlas loads through psycopg2's COPY: no driver connection")
    cursor = driver.cursor()
    cursor.copy_expert("COPY atlas_load FROM STDIN WITH (FORMAT csv)", buffer)
    db.session.execute(text(_INSERT))
    db.session.execute(text("DROP TABLE atlas_load"))
    db.session.flush()
    return db.session.execute(select(func.count()).select_from(AtlasFeature)).scalar_one(), True


def _points(points) -> str:
    return ",".join(f"{lon:.5f} {lat:.5f}" for lon, lat in points)


def _polygon_wkt(rings) -> str:
    # Quantizing can leave a speck of an island as a ring of fewer than 4 points: not a ring.
    kept = [ring for ring in rings if len(ring) >= 4]
    return "POLYGON(" + ",".join(f"({_points(ring)})" for ring in kept) + ")"
