"""Two indexes the pages were reading whole tables without: held walks (a captain's team page
read all of `activities` to find the few held ones) and memberships by walker and team (the
counting rule asks about past members too, which the partial indexes leave out).

Built CONCURRENTLY, outside the migration's transaction: the release before keeps logging walks
and adding members while they build.

Revision ID: 0024_lookup_indexes
Revises: 0023_activity_kinds
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_lookup_indexes"
down_revision = "0023_activity_kinds"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_activities_held",
            "activities",
            ["user_id"],
            postgresql_where=sa.text("review_status = 'held'"),
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        op.create_index(
            "ix_memberships_user_team",
            "memberships",
            ["user_id", "team_id"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_memberships_user_team", "memberships", postgresql_concurrently=True)
        op.drop_index("ix_activities_held", "activities", postgresql_concurrently=True)
