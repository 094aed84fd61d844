"""items carry the reason for a wont_do decision and when its search ended

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ("decision", "decision_at", "decision_author", "decision_checked_at")


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decision_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("decision_author", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("decision_checked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
