"""Kinds beyond walking (cycle, swim, row), and the factor each activity counts its distance by.

Expand-only: `count_factor` has a server default of 1, which is every existing kind's factor, so
existing rows need no backfill and the release before (which never writes it) still logs walks
that count their distance. The kind check is widened: NOT VALID, then validated without
blocking writes (every existing row holds one of the old kinds).

Revision ID: 0023_activity_kinds
Revises: 0022_push_subscriptions
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_activity_kinds"
down_revision = "0022_push_subscriptions"
branch_labels = None
depends_on = None

OLD_KINDS = "('walk', 'run', 'hike', 'wheelchair', 'other')"
NEW_KINDS = "('walk', 'run', 'hike', 'wheelchair', 'cycle', 'swim', 'row', 'other')"


def upgrade():
    op.add_column(
        "activities",
        sa.Column("count_factor", sa.Numeric(5, 4), server_default="1", nullable=False),
    )
    _add_check("ck_activities_count_factor", "count_factor > 0")
    op.drop_constraint(op.f("ck_activities_kind"), "activities", type_="check")
    _add_check("ck_activities_kind", f"kind IN {NEW_KINDS}")


def downgrade():
    # Kept, as "other": the counters then differ from the rule and `flask reconcile` fixes them.
    op.execute("UPDATE activities SET kind = 'other' WHERE kind IN ('cycle', 'swim', 'row')")
    op.drop_constraint(op.f("ck_activities_kind"), "activities", type_="check")
    _add_check("ck_activities_kind", f"kind IN {OLD_KINDS}")
    op.drop_constraint(op.f("ck_activities_count_factor"), "activities", type_="check")
    op.drop_column("activities", "count_factor")


def _add_check(name: str, condition: str) -> None:
    """Check new writes at once, and the existing rows without holding writes back meanwhile."""
    op.execute(f"ALTER TABLE activities ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID")
    op.execute(f"ALTER TABLE activities VALIDATE CONSTRAINT {name}")
