"""Badges earned once per walker, kind and key; a walker's weekly goal.

Revision ID: 0019_streaks_badges
Revises: 0018_operator_console
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019_streaks_badges"
down_revision = "0018_operator_console"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("weekly_goal_m", sa.Integer()))
    op.create_check_constraint(
        "ck_users_weekly_goal",
        "users",
        "weekly_goal_m IS NULL OR weekly_goal_m BETWEEN 1 AND 1000000",
    )
    op.create_table(
        "badges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_badges_user_id_users"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "earned_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_badges"),
        sa.UniqueConstraint("user_id", "kind", "key", name="uq_badges_user_id"),
    )


def downgrade():
    op.drop_table("badges")
    op.drop_constraint("ck_users_weekly_goal", "users", type_="check")
    op.drop_column("users", "weekly_goal_m")
