"""Catalog routes know their region and the digest of the catalog entry they were built from.

Existing catalog routes get no digest, so the next `flask catalog` rebuilds them with their
real lengths.

Revision ID: 0013_catalog_routes
Revises: 0012_activity_history
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_catalog_routes"
down_revision = "0012_activity_history"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("routes", sa.Column("region", sa.String(20), nullable=True))
    op.add_column("routes", sa.Column("catalog_digest", sa.String(64), nullable=True))


def downgrade():
    op.drop_column("routes", "catalog_digest")
    op.drop_column("routes", "region")
