"""The operator console: who is an operator, disabled accounts, and the append-only audit log.

Revision ID: 0018_operator_console
Revises: 0017_api_tokens
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_operator_console"
down_revision = "0017_api_tokens"
branch_labels = None
depends_on = None

# What operators did is history: rows are added, never changed or removed.
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION refuse_operator_action_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'operator_actions is append-only';
END $$
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER operator_actions_append_only BEFORE UPDATE OR DELETE ON operator_actions
FOR EACH ROW EXECUTE FUNCTION refuse_operator_action_change()
"""


def upgrade():
    op.add_column(
        "users",
        sa.Column("is_operator", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True)))
    op.create_table(
        "operator_actions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("operator_id", sa.Integer()),
        sa.Column("operator_email", sa.String(320), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target_id", sa.BigInteger()),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_actions")),
    )
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(APPEND_ONLY_TRIGGER)


def downgrade():
    op.execute("DROP TRIGGER operator_actions_append_only ON operator_actions")
    op.execute("DROP FUNCTION refuse_operator_action_change()")
    op.drop_table("operator_actions")
    op.drop_column("users", "disabled_at")
    op.drop_column("users", "is_operator")
