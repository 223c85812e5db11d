"""Places (the offline gazetteer), routes and their waypoints.

Revision ID: 0003_places_routes
Revises: 0002_teams
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0003_places_routes"
down_revision = "0002_teams"
branch_labels = None
depends_on = None


def _geometry(kind: str) -> Geometry:
    # The models declare their GiST indexes themselves (spatial_index=False on the column).
    return Geometry(geometry_type=kind, srid=4326, spatial_index=False)


def _create_places():
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ascii_name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("admin1_code", sa.String(length=20), server_default="", nullable=False),
        sa.Column("population", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("location", _geometry("POINT"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    op.create_index(
        "ix_places_ascii_name_trgm",
        "places",
        ["ascii_name"],
        postgresql_using="gin",
        postgresql_ops={"ascii_name": "gin_trgm_ops"},
    )
    op.create_index("ix_places_location", "places", ["location"], postgresql_using="gist")


def _create_routes():
    op.create_table(
        "routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="draft", nullable=False),
        sa.Column("path", _geometry("LINESTRING"), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=True),
        sa.Column("vertex_distances_m", postgresql.ARRAY(sa.DOUBLE_PRECISION()), nullable=True),
        sa.Column("build_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'building', 'ready', 'failed')", name=op.f("ck_routes_status")
        ),
        sa.CheckConstraint(
            "(slug IS NULL) <> (owner_id IS NULL)", name=op.f("ck_routes_catalog_or_owned")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_routes_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
        sa.UniqueConstraint("slug", name=op.f("uq_routes_slug")),
    )
    op.create_index(op.f("ix_routes_owner_id"), "routes", ["owner_id"])
    op.create_index("ix_routes_path", "routes", ["path"], postgresql_using="gist")


def _create_waypoints():
    op.create_table(
        "route_waypoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("location", _geometry("POINT"), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_route_waypoints_place_id_places"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["routes.id"],
            name=op.f("fk_route_waypoints_route_id_routes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_waypoints")),
    )
    op.create_index(op.f("ix_route_waypoints_route_id"), "route_waypoints", ["route_id"])


def upgrade():
    _create_places()
    _create_routes()
    _create_waypoints()


def downgrade():
    op.drop_table("route_waypoints")
    op.drop_table("routes")
    op.drop_table("places")
