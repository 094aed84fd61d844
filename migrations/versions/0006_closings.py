"""closings: transitions into done or wont_do with whether the item is tracked now, derived
at write time so trends count closings per period without looking up each item; an index
on items.history_until finds the items whose values at a past T differ from now, and a
covering index on incident_rollups finds a page of incidents, one on item_owners joins
owners without reading the table

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from service.store import derived

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("tracked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_closings_item_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closings")),
    )
    op.create_index(op.f("ix_closings_item_id"), "closings", ["item_id"], unique=False)
    op.create_index(
        "ix_closings_state_tracked_at",
        "closings",
        ["state", "tracked", "at", "source"],
        unique=False,
    )
    op.create_index("ix_items_history_until", "items", ["history_until"], unique=False)
    op.create_index("ix_item_owners_item_owner", "item_owners", ["item_id", "owner"], unique=False)
    op.create_index(
        "ix_incident_rollups_page",
        "incident_rollups",
        ["incident", "source", "active", "done", "wont_do"],
        unique=False,
    )
    derived.rebuild(Session(bind=op.get_bind()), ("closings",))


def downgrade() -> None:
    op.drop_index("ix_incident_rollups_page", table_name="incident_rollups")
    op.drop_index("ix_item_owners_item_owner", table_name="item_owners")
    op.drop_index("ix_items_history_until", table_name="items")
    op.drop_table("closings")
