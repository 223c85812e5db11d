"""A route: a line on the Earth with ordered, named waypoints (the milestones).

Catalog routes have a slug and no owner; a walker's own routes start as a draft that only the
owner edits. Building (on the `routes` queue) sets `path`, `length_m` and `vertex_distances_m`:
distances along the real route, which for a catalog route are its published figures
(services/atlas/route_lengths.py).
"""

from datetime import datetime
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from milequest.extensions import Model
from milequest.models.base import created_at_column


class RouteStatus(StrEnum):
    DRAFT = "draft"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


STATUSES = tuple(s.value for s in RouteStatus)
MIN_WAYPOINTS = 2
MAX_WAYPOINTS = 20


class Route(Model):
    __tablename__ = "routes"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'building', 'ready', 'failed')", name="status"),
        # Catalog (a slug), owned, or neither: kept for journeys once its owner has left.
        CheckConstraint("slug IS NULL OR owner_id IS NULL", name="catalog_or_owned"),
        Index("ix_routes_path", "path", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(
        String(10), default=RouteStatus.DRAFT, server_default="draft"
    )
    # Read in SQL only (positions, maps, lengths): loading a route for its name skips the line.
    path: Mapped[WKBElement | None] = deferred(
        mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=False))
    )
    length_m: Mapped[float | None] = mapped_column(Float)
    # Cumulative distance along the real route of every vertex of `path` from its start
    # (geodesic for a walker's route; scaled to the published figures for a catalog route's
    # simplified line): positions along the route bisect this instead of measuring again.
    vertex_distances_m: Mapped[list[float] | None] = deferred(
        mapped_column(ARRAY(DOUBLE_PRECISION))
    )
    build_error: Mapped[str | None] = mapped_column(Text)
    # Catalog routes only: where in the world (catalog.REGIONS), and a digest of the catalog
    # entry it was built from, so loading the catalog again rebuilds only what changed.
    region: Mapped[str | None] = mapped_column(String(20))
    catalog_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    built_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    waypoints: Mapped[list["Waypoint"]] = relationship(
        back_populates="route",
        order_by="Waypoint.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_catalog(self) -> bool:
        return self.slug is not None

    @property
    def is_editable(self) -> bool:
        return not self.is_catalog and self.status in (RouteStatus.DRAFT, RouteStatus.FAILED)

    def __repr__(self) -> str:
        return f"<Route {self.id} {self.name} {self.status}>"


class Waypoint(Model):
    __tablename__ = "route_waypoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    location: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    distance_m: Mapped[float | None] = mapped_column(Float)

    route: Mapped[Route] = relationship(back_populates="waypoints")

    def __repr__(self) -> str:
        return f"<Waypoint {self.route_id}#{self.position} {self.name}>"
