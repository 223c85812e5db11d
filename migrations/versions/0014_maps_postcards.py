"""The world under the maps (Natural Earth land and country borders) and milestone postcards.

`flask atlas` fills atlas_features; a postcard is made with its milestone event, and
postcard_views says which member has seen which postcard.

Revision ID: 0014_maps_postcards
Revises: 0013_catalog_routes
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0014_maps_postcards"
down_revision = "0013_catalog_routes"
branch_labels = None
depends_on = None


def _create_atlas():
    op.create_table(
        "atlas_features",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("layer", sa.String(length=10), nullable=False),
        sa.Column(
            "shape",
            Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint("layer IN ('land', 'border')", name=op.f("ck_atlas_features_layer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_atlas_features")),
    )
    op.create_index("ix_atlas_features_shape", "atlas_features", ["shape"], postgresql_using="gist")


def _create_postcards():
    op.create_table(
        "postcards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("place_name", sa.String(length=200), nullable=False),
        sa.Column("facts", sa.Text(), server_default="", nullable=False),
        sa.Column("milestone_m", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Numeric(14, 3), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("walkers", sa.Integer(), nullable=False),
        sa.Column("crossed_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_postcards_journey_id_journeys")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_postcards_team_id_teams")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["team_events.id"], name=op.f("fk_postcards_event_id_team_events")
        ),
        sa.ForeignKeyConstraint(
            ["crossed_by_id"], ["users.id"], name=op.f("fk_postcards_crossed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postcards")),
        sa.UniqueConstraint("event_id", name=op.f("uq_postcards_event_id")),
    )
    op.create_index(op.f("ix_postcards_journey_id"), "postcards", ["journey_id"])
    op.create_index(op.f("ix_postcards_team_id"), "postcards", ["team_id"])
    op.create_table(
        "postcard_views",
        sa.Column("postcard_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["postcard_id"],
            ["postcards.id"],
            name=op.f("fk_postcard_views_postcard_id_postcards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_postcard_views_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("postcard_id", "user_id", name=op.f("pk_postcard_views")),
    )


def upgrade():
    _create_atlas()
    _create_postcards()


def downgrade():
    op.drop_table("postcard_views")
    op.drop_index(op.f("ix_postcards_team_id"), table_name="postcards")
    op.drop_index(op.f("ix_postcards_journey_id"), table_name="postcards")
    op.drop_table("postcards")
    op.drop_index("ix_atlas_features_shape", table_name="atlas_features")
    op.drop_table("atlas_features")
