"""Memberships say whether the walker was removed by a captain, for the counting rule.

A removed walker's walks logged after the removal no longer count for the team, even when
dated the day of the removal. Earlier removals are found in the team's event log.

Revision ID: 0010_removed_members
Revises: 0009_end_archived_journeys
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_removed_members"
down_revision = "0009_end_archived_journeys"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "memberships",
        sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute("""
        UPDATE memberships m SET removed = true
        WHERE m.left_at IS NOT NULL AND EXISTS (
            SELECT 1 FROM team_events e
            WHERE e.team_id = m.team_id AND e.subject_id = m.user_id AND e.kind = 'member_left'
              AND (e.data ->> 'removed')::boolean
              AND e.created_at BETWEEN m.left_at - interval '1 minute'
                                   AND m.left_at + interval '1 minute'
        )
    """)


def downgrade():
    op.drop_column("memberships", "removed")
