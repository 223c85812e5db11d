"""Imported tracks keep each recorded span apart (pauses are no distance) and the device's total.

Existing tracks become one-part MULTILINESTRINGs: they were measured joined, and stay so.

Revision ID: 0011_recorded_spans
Revises: 0010_removed_members
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_recorded_spans"
down_revision = "0010_removed_members"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        ALTER TABLE activities ALTER COLUMN track TYPE geometry(MULTILINESTRING, 4326)
        USING ST_Multi(track)
    """)
    op.add_column("activities", sa.Column("device_distance_m", sa.Numeric(12, 3)))


def downgrade():
    op.drop_column("activities", "device_distance_m")
    # Spans joined end to end again, as before (a USING clause cannot hold the subquery).
    op.execute("ALTER TABLE activities ADD COLUMN joined geometry(LINESTRING, 4326)")
    op.execute("""
        UPDATE activities SET joined = (SELECT ST_MakeLine((d).geom ORDER BY (d).path)
                                        FROM ST_DumpPoints(track) d)
        WHERE track IS NOT NULL
    """)
    op.execute("ALTER TABLE activities DROP COLUMN track")
    op.execute("ALTER TABLE activities RENAME COLUMN joined TO track")
