"""Steps as a unit: the walker's stride length, and the steps a walk was logged in.

Both columns are nullable: the release before writes neither (a walker without a stride walks
0.76 m a step; an activity without steps was logged as a distance).

Revision ID: 0021_steps
Revises: 0020_oidc_identities
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_steps"
down_revision = "0020_oidc_identities"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("stride_cm", sa.SmallInteger()))
    op.create_check_constraint(
        op.f("ck_users_stride"), "users", "stride_cm IS NULL OR stride_cm BETWEEN 30 AND 150"
    )
    op.add_column("activities", sa.Column("steps", sa.Integer()))
    op.create_check_constraint(
        op.f("ck_activities_steps"), "activities", "steps IS NULL OR steps BETWEEN 1 AND 100000"
    )


def downgrade():
    op.drop_constraint(op.f("ck_activities_steps"), "activities", type_="check")
    op.drop_column("activities", "steps")
    op.drop_constraint(op.f("ck_users_stride"), "users", type_="check")
    op.drop_column("users", "stride_cm")
