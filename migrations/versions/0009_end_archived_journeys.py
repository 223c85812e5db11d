"""Journeys of teams archived before archiving ended them: end them now.

Archiving a team now abandons its active journey. Teams archived earlier may still have one,
which keeps taking walks. Ending it now (not back at the archive) keeps the stored counters
true to the counting rule, which credits an ended journey only with walks logged before its end.

Revision ID: 0009_end_archived_journeys
Revises: 0008_membership_dates
Create Date: 2026-11-23
"""

from alembic import op

revision = "0009_end_archived_journeys"
down_revision = "0008_membership_dates"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        UPDATE journeys j SET status = 'abandoned', ended_at = now()
        FROM teams t
        WHERE t.id = j.team_id AND t.archived_at IS NOT NULL AND j.status = 'active'
    """)


def downgrade():
    pass  # an ended journey stays ended: nothing in the schema changed
