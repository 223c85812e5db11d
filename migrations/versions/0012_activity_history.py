"""Activities imported from before the import window are history: they count for no journey.

Every existing activity counts as before (the default). Imports keep a Strava export's activity
name and type for the worker, and an index finds batches that stopped moving.

Revision ID: 0012_activity_history
Revises: 0011_recorded_spans
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_activity_history"
down_revision = "0011_recorded_spans"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "activities",
        sa.Column("counts_for_journeys", sa.Boolean(), server_default="true", nullable=False),
    )
    op.add_column("imports", sa.Column("title", sa.Text(), server_default="", nullable=False))
    op.add_column("imports", sa.Column("kind", sa.String(12), nullable=True))
    op.create_index("ix_imports_batch_finished", "imports", ["batch_id", "finished_at"])


def downgrade():
    op.drop_index("ix_imports_batch_finished", table_name="imports")
    op.drop_column("imports", "kind")
    op.drop_column("imports", "title")
    op.drop_column("activities", "counts_for_journeys")
