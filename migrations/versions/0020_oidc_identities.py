"""Sign-in with OpenID Connect providers: each walker's linked provider subjects.

A walker who signed up with a provider has no password: `users.password_hash` is then ''.

Revision ID: 0020_oidc_identities
Revises: 0019_streaks_badges
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_oidc_identities"
down_revision = "0019_streaks_badges"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oidc_identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_oidc_identities_user_id_users"),
            nullable=False,
        ),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_oidc_identities"),
        sa.UniqueConstraint("provider", "subject", name="uq_oidc_identities_provider_subject"),
        sa.UniqueConstraint("user_id", "provider", name="uq_oidc_identities_user_id_provider"),
    )
    op.create_index("ix_oidc_identities_user_id", "oidc_identities", ["user_id"])


def downgrade():
    op.drop_table("oidc_identities")
