"""Photos on activities (pending, approved, held, rejected) and the operators' hash block list.

Revision ID: 0006_photos
Revises: 0005_activities
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_photos"
down_revision = "0005_activities"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blocked_photo_hashes",
        sa.Column("phash", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("phash", name=op.f("pk_blocked_photo_hashes")),
    )
    op.create_table(
        "photos",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("phash", sa.BigInteger(), nullable=True),
        sa.Column("nudity_score", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'held', 'rejected')", name=op.f("ck_photos_status")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_photos_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_photos_reviewed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_photos_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("token", name=op.f("uq_photos_token")),
    )
    op.create_index("ix_photos_activity_id", "photos", ["activity_id"], unique=False)
    op.create_index("ix_photos_status_queued_at", "photos", ["status", "queued_at"], unique=False)


def downgrade():
    op.drop_index("ix_photos_status_queued_at", table_name="photos")
    op.drop_index("ix_photos_activity_id", table_name="photos")
    op.drop_table("photos")
    op.drop_table("blocked_photo_hashes")
