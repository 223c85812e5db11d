"""Two indexes the pages were reading whole tables without: held walks (a captain's team page
read all of `activities` to find the few held ones) and memberships by walker and team (the
counting rule asks about past members too, which the partial indexes leave out).

Built CONCURRENTLY, outside the migration's transaction: the release before keeps logging walks
and adding members while they build. A build that failed half-way leaves an INVALID index of
the same name: it is dropped and built again.

Revision ID: 0024_lookup_indexes
Revises: 0023_activity_kinds
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_lookup_indexes"
down_revision = "0023_activity_kinds"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_activities_held", "activities", ["user_id"], "review_status = 'held'"),
    ("ix_memberships_user_team", "memberships", ["user_id", "team_id"], None),
)
_INVALID = sa.text("""
    SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relname = :name AND NOT i.indisvalid
""")


def upgrade():
    with op.get_context().autocommit_block():
        for name, table, columns, where in INDEXES:
            if op.get_bind().execute(_INVALID, {"name": name}).first():
                op.drop_index(name, table, postgresql_concurrently=True)
            op.create_index(
                name,
                table,
                columns,
                postgresql_where=sa.text(where) if where else None,
                postgresql_concurrently=True,
                if_not_exists=True,
            )


def downgrade():
    with op.get_context().autocommit_block():
        for name, table, _, _ in reversed(INDEXES):
            op.drop_index(name, table, postgresql_concurrently=True)
