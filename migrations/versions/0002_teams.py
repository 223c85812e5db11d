"""Teams, memberships, invites and the append-only team event log.

Revision ID: 0002_teams
Revises: 0001_accounts
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_teams"
down_revision = "0001_accounts"
branch_labels = None
depends_on = None


# The log is history: rows are added, never changed or removed.
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION refuse_team_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'team_events is append-only';
END $$
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER team_events_append_only BEFORE UPDATE OR DELETE ON team_events
FOR EACH ROW EXECUTE FUNCTION refuse_team_event_change()
"""


def upgrade():
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("member_limit", sa.Integer(), server_default="50", nullable=False),
        sa.Column("member_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(name) BETWEEN 3 AND 60", name=op.f("ck_teams_name_length")),
        sa.CheckConstraint("member_count BETWEEN 0 AND member_limit", name=op.f("ck_teams_seats")),
        sa.CheckConstraint("member_limit BETWEEN 2 AND 500", name=op.f("ck_teams_member_limit")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_teams_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_index(
        "ix_teams_name_trgm",
        "teams",
        ["name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('captain', 'member')", name=op.f("ck_memberships_role")),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_memberships_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    op.create_index(
        "ix_memberships_user_active",
        "memberships",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.create_index(
        "uq_memberships_active",
        "memberships",
        ["team_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.create_table(
        "team_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column(
            "data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_team_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_team_events_subject_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_events_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_events")),
    )
    op.create_index("ix_team_events_team_id_id", "team_events", ["team_id", "id"], unique=False)
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(APPEND_ONLY_TRIGGER)
    op.create_table(
        "team_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'email') = (email IS NOT NULL)",
            name=op.f("ck_team_invites_email_for_email_kind"),
        ),
        sa.CheckConstraint("kind IN ('email', 'link')", name=op.f("ck_team_invites_kind")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_team_invites_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_invites_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["users.id"], name=op.f("fk_team_invites_used_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_team_invites_code")),
    )
    op.create_index("ix_team_invites_team_id", "team_invites", ["team_id"], unique=False)
    op.create_index(
        "uq_team_invites_active_link",
        "team_invites",
        ["team_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'link' AND revoked_at IS NULL"),
    )


def downgrade():
    op.drop_index(
        "uq_team_invites_active_link",
        table_name="team_invites",
        postgresql_where=sa.text("kind = 'link' AND revoked_at IS NULL"),
    )
    op.drop_index("ix_team_invites_team_id", table_name="team_invites")
    op.drop_table("team_invites")
    op.execute("DROP TRIGGER team_events_append_only ON team_events")
    op.execute("DROP FUNCTION refuse_team_event_change()")
    op.drop_index("ix_team_events_team_id_id", table_name="team_events")
    op.drop_table("team_events")
    op.drop_index(
        "uq_memberships_active",
        table_name="memberships",
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.drop_index(
        "ix_memberships_user_active",
        table_name="memberships",
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.drop_table("memberships")
    op.drop_index(
        "ix_teams_name_trgm",
        table_name="teams",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_table("teams")
