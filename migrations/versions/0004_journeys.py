"""Journeys: a team travelling a route, one active at a time.

Revision ID: 0004_journeys
Revises: 0003_places_routes
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_journeys"
down_revision = "0003_places_routes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("distance_m", sa.Numeric(14, 3), server_default="0", nullable=False),
        sa.Column("milestones_reached", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'completed', 'abandoned')", name=op.f("ck_journeys_status")
        ),
        sa.CheckConstraint("distance_m >= 0", name=op.f("ck_journeys_distance_not_negative")),
        sa.CheckConstraint(
            "target_date IS NULL OR target_date >= started_on",
            name=op.f("ck_journeys_target_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["routes.id"], name=op.f("fk_journeys_route_id_routes")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_journeys_started_by_id_users")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_journeys_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
    )
    op.create_index("ix_journeys_team_id", "journeys", ["team_id"], unique=False)
    op.create_index(
        "uq_journeys_one_active_per_team",
        "journeys",
        ["team_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade():
    op.drop_index(
        "uq_journeys_one_active_per_team",
        table_name="journeys",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index("ix_journeys_team_id", table_name="journeys")
    op.drop_table("journeys")
