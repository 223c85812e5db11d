"""A place from the offline gazetteer (GeoNames cities, loaded by `flask places`)."""

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model


class Place(Model):
    __tablename__ = "places"
    __table_args__ = (
        Index(
            "ix_places_ascii_name_trgm",
            "ascii_name",
            postgresql_using="gin",
            postgresql_ops={"ascii_name": "gin_trgm_ops"},
        ),
        Index("ix_places_location", "location", postgresql_using="gist"),
    )

    # The GeoNames id: reloading a data set updates rows instead of duplicating them.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    ascii_name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))
    admin1_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    population: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    location: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))

    def __repr__(self) -> str:
        return f"<Place {self.id} {self.name}, {self.country_code}>"
