"""Notifications: one per (walker, cause), the walker's choices, and headers on outbox emails.

Revision ID: 0015_notifications
Revises: 0014_maps_postcards
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_notifications"
down_revision = "0014_maps_postcards"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "outbound_emails",
        sa.Column("headers", postgresql.JSONB(), server_default="{}", nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("cause", sa.String(120), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="CASCADE")),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("link", sa.String(300), nullable=False),
        sa.Column("in_app", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.Column("email_due_at", sa.DateTime(timezone=True)),
        sa.Column(
            "email_id",
            sa.Integer(),
            sa.ForeignKey("outbound_emails.id", ondelete="SET NULL"),
            unique=True,
        ),
        sa.UniqueConstraint("user_id", "cause", name="uq_notifications_user_cause"),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id"],
        postgresql_where=sa.text("read_at IS NULL AND in_app"),
    )
    op.create_index(
        "ix_notifications_email_due",
        "notifications",
        ["email_due_at"],
        postgresql_where=sa.text("email_id IS NULL AND email_due_at IS NOT NULL"),
    )
    op.create_table(
        "notification_settings",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("choices", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("quiet_from", sa.Time()),
        sa.Column("quiet_until", sa.Time()),
        sa.Column("nudge_after_days", sa.SmallInteger(), server_default="3", nullable=False),
    )


def downgrade():
    op.drop_table("notification_settings")
    op.drop_table("notifications")
    op.drop_column("outbound_emails", "headers")
