"""Web push: a walker's devices (push subscriptions) and one message per notification and device.

Expand-only: two new tables and a nullable column. The release before never sets
`notifications.push_due_at` and ignores the tables.

Revision ID: 0022_push_subscriptions
Revises: 0021_steps
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_push_subscriptions"
down_revision = "0021_steps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("p256dh", sa.String(100), nullable=False),
        sa.Column("auth", sa.String(40), nullable=False),
        sa.Column("device", sa.String(100), server_default="", nullable=False),
        sa.Column(
            "session_id",
            sa.BigInteger(),
            sa.ForeignKey("walker_sessions.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint("endpoint", name="uq_push_subscriptions_endpoint"),
    )
    op.create_index("ix_push_subscriptions_user_id", "push_subscriptions", ["user_id"])
    op.create_index("ix_push_subscriptions_session_id", "push_subscriptions", ["session_id"])
    op.create_table(
        "push_messages",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "notification_id",
            sa.Integer(),
            sa.ForeignKey("notifications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "subscription_id",
            sa.BigInteger(),
            sa.ForeignKey("push_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.UniqueConstraint(
            "notification_id", "subscription_id", name="uq_push_messages_notification_subscription"
        ),
    )
    op.create_index("ix_push_messages_subscription_id", "push_messages", ["subscription_id"])
    op.create_index(
        "ix_push_messages_unsent",
        "push_messages",
        ["created_at"],
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.add_column("notifications", sa.Column("push_due_at", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_notifications_push_due",
        "notifications",
        ["push_due_at"],
        postgresql_where=sa.text("push_due_at IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_notifications_push_due", table_name="notifications")
    op.drop_column("notifications", "push_due_at")
    op.drop_table("push_messages")
    op.drop_table("push_subscriptions")
