"""Accounts people trust: server-side sessions, data exports, and deleting an account.

Sessions live in `walker_sessions` (log-out ends one for real). A deleted walker leaves no row
that names them: what others keep (a team they created, a journey they started, a route a
journey follows) forgets who made it, and the team log's actor and subject may be blanked
(the one change the append-only trigger now allows).

Revision ID: 0016_accounts_trust
Revises: 0015_notifications
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_accounts_trust"
down_revision = "0015_notifications"
branch_labels = None
depends_on = None

ANONYMISABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_team_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Forgetting a deleted walker: actor and subject may become NULL, nothing else changes.
    IF TG_OP = 'UPDATE'
       AND (NEW.id, NEW.team_id, NEW.kind, NEW.data, NEW.created_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.team_id, OLD.kind, OLD.data, OLD.created_at)
       AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
       AND (NEW.subject_id IS NULL OR NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'team_events is append-only';
END $$
"""
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_team_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'team_events is append-only';
END $$
"""
NULLABLE_CREATORS = (("teams", "created_by_id"), ("team_invites", "created_by_id"))


def upgrade():
    op.create_table(
        "walker_sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("user_agent", sa.String(length=300), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_walker_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walker_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_walker_sessions_token_hash")),
    )
    op.create_index(
        "ix_walker_sessions_user_open",
        "walker_sessions",
        ["user_id"],
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "data_exports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("progress", sa.Integer(), server_default="0", nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.Column("download_url", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'building', 'ready', 'failed')",
            name=op.f("ck_data_exports_status"),
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name=op.f("ck_data_exports_progress")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
        sa.UniqueConstraint("token", name=op.f("uq_data_exports_token")),
    )
    op.create_index(op.f("ix_data_exports_user_id"), "data_exports", ["user_id"])
    op.add_column("users", sa.Column("deletion_due_at", sa.DateTime(timezone=True), nullable=True))
    for table, column in NULLABLE_CREATORS:
        op.alter_column(table, column, existing_type=sa.Integer(), nullable=True)
    op.alter_column("journeys", "started_by_id", existing_type=sa.Integer(), nullable=True)
    op.drop_constraint(op.f("ck_routes_catalog_or_owned"), "routes", type_="check")
    op.create_check_constraint("catalog_or_owned", "routes", "slug IS NULL OR owner_id IS NULL")
    op.execute(ANONYMISABLE_FUNCTION)


def downgrade():
    op.execute(APPEND_ONLY_FUNCTION)
    op.drop_constraint(op.f("ck_routes_catalog_or_owned"), "routes", type_="check")
    op.create_check_constraint("catalog_or_owned", "routes", "(slug IS NULL) <> (owner_id IS NULL)")
    op.alter_column("journeys", "started_by_id", existing_type=sa.Integer(), nullable=False)
    for table, column in NULLABLE_CREATORS:
        op.alter_column(table, column, existing_type=sa.Integer(), nullable=False)
    op.drop_column("users", "deletion_due_at")
    op.drop_index(op.f("ix_data_exports_user_id"), table_name="data_exports")
    op.drop_table("data_exports")
    op.drop_index("ix_walker_sessions_user_open", table_name="walker_sessions")
    op.drop_table("walker_sessions")
