"""GPS imports: an activity's track, start and file hash; review reasons; the imports table.

Revision ID: 0007_imports
Revises: 0006_photos
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0007_imports"
down_revision = "0006_photos"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "activities", sa.Column("review_reason", sa.Text(), server_default="", nullable=False)
    )
    op.add_column(
        "activities",
        sa.Column(
            "track",
            Geometry(geometry_type="LINESTRING", srid=4326, spatial_index=False),
            nullable=True,
        ),
    )
    op.add_column("activities", sa.Column("started_at", sa.DateTime(timezone=True)))
    op.add_column("activities", sa.Column("source_file_hash", sa.String(length=64)))
    op.create_index("ix_activities_user_started", "activities", ["user_id", "started_at"])
    op.create_index("ix_activities_user_file", "activities", ["user_id", "source_file_hash"])
    op.create_table(
        "imports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("imported_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'imported', 'duplicate', 'refused', 'failed')",
            name=op.f("ck_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_imports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index("ix_imports_user_batch", "imports", ["user_id", "batch_id"])
    op.create_index(
        "ix_imports_queued",
        "imports",
        ["created_at"],
        postgresql_where=sa.text("status = 'queued'"),
    )


def downgrade():
    op.drop_index("ix_imports_queued", table_name="imports", postgresql_where="status = 'queued'")
    op.drop_index("ix_imports_user_batch", table_name="imports")
    op.drop_table("imports")
    op.drop_index("ix_activities_user_file", table_name="activities")
    op.drop_index("ix_activities_user_started", table_name="activities")
    op.drop_column("activities", "source_file_hash")
    op.drop_column("activities", "started_at")
    op.drop_column("activities", "track")
    op.drop_column("activities", "review_reason")
