"""Memberships keep the walker's local dates of joining and leaving, for the counting rule.

Revision ID: 0008_membership_dates
Revises: 0007_imports
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_membership_dates"
down_revision = "0007_imports"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("memberships", sa.Column("joined_on", sa.Date(), nullable=True))
    op.add_column("memberships", sa.Column("left_on", sa.Date(), nullable=True))
    op.execute("""
        UPDATE memberships m
        SET joined_on = (m.joined_at AT TIME ZONE u.timezone)::date,
            left_on = (m.left_at AT TIME ZONE u.timezone)::date
        FROM users u WHERE u.id = m.user_id
    """)
    op.alter_column("memberships", "joined_on", nullable=False)


def downgrade():
    op.drop_column("memberships", "left_on")
    op.drop_column("memberships", "joined_on")
