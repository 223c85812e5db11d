"""The world under the maps: Natural Earth land (its outline is the coast) and country borders,
loaded by `flask atlas`.

A map's bounding box finds the shapes it shows through the GiST index and clips them.
"""

from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model


class MapLayer(StrEnum):
    LAND = "land"
    BORDER = "border"


LAYERS = tuple(layer.value for layer in MapLayer)


class AtlasFeature(Model):
    __tablename__ = "atlas_features"
    __table_args__ = (
        CheckConstraint("layer IN ('land', 'border')", name="layer"),
        Index("ix_atlas_features_shape", "shape", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    layer: Mapped[str] = mapped_column(String(10))
    shape: Mapped[WKBElement] = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False))
