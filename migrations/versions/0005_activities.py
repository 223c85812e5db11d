"""Activities and the counters they keep: per journey, per member and day, per walker and day.

Revision ID: 0005_activities
Revises: 0004_journeys
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_activities"
down_revision = "0004_journeys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activities",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("distance_m", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.String(length=10), server_default="manual", nullable=False),
        sa.Column("review_status", sa.String(length=10), server_default="ok", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('walk', 'run', 'hike', 'wheelchair', 'other')",
            name=op.f("ck_activities_kind"),
        ),
        sa.CheckConstraint(
            "review_status IN ('ok', 'held', 'rejected')", name=op.f("ck_activities_review_status")
        ),
        sa.CheckConstraint(
            "distance_m > 0 AND distance_m <= 250000", name=op.f("ck_activities_distance")
        ),
        sa.CheckConstraint(
            "duration_s IS NULL OR duration_s > 0", name=op.f("ck_activities_duration")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("user_id", "client_id", name="uq_activities_user_client"),
    )
    op.create_index(
        "ix_activities_user_date", "activities", ["user_id", "activity_date", "id"], unique=False
    )
    op.create_table(
        "walker_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "distance_m", sa.Numeric(precision=12, scale=3), server_default="0", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_walker_days_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_walker_days")),
    )
    op.create_table(
        "journey_contributions",
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "distance_m", sa.Numeric(precision=12, scale=3), server_default="0", nullable=False
        ),
        sa.Column("active_days", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_contributions_journey_id_journeys"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_journey_contributions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("journey_id", "user_id", name=op.f("pk_journey_contributions")),
    )
    op.create_table(
        "journey_member_days",
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "distance_m", sa.Numeric(precision=12, scale=3), server_default="0", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_journey_member_days_journey_id_journeys")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_journey_member_days_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "journey_id", "user_id", "day", name=op.f("pk_journey_member_days")
        ),
    )


def downgrade():
    op.drop_table("journey_member_days")
    op.drop_table("journey_contributions")
    op.drop_table("walker_days")
    op.drop_index("ix_activities_user_date", table_name="activities")
    op.drop_table("activities")
