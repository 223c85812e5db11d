"""Personal access tokens for the API (hashed secrets, scoped, expiring, revocable).

Revision ID: 0017_api_tokens
Revises: 0016_accounts_trust
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_api_tokens"
down_revision = "0016_accounts_trust"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_api_tokens_user_id_users"),
            nullable=False,
        ),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(5), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("secret_sha256", name="uq_api_tokens_secret_sha256"),
        sa.CheckConstraint("scope IN ('read', 'write')", name="ck_api_tokens_scope"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 60", name="ck_api_tokens_name_length"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade():
    op.drop_table("api_tokens")
