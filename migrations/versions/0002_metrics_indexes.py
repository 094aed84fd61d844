"""indexes for the metrics queries

Covering indexes, so the aggregates read index entries rather than table rows. The item
indexes start with (source, removed_at), which every query at now constrains, so the
planners pick them: tracked items by state (counts, ages, overdue, stale, owners), the
completion cohort by creation, on-time by due date, time to close by resolution, incidents
by ref. History gets (field, item, at, id) for trends' intervals and (field, value, at) for
transitions into done or wont_do (0001's (item, field, at) stays for per-item lookups and
foreign-key checks). The narrower 0001 item indexes these cover are dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ITEM_INDEXES = {
    "ix_items_tracked_cover": [
        "source",
        "removed_at",
        "state",
        "created_at",
        "due_date",
        "updated_at",
        "type",
        "owner",
    ],
    "ix_items_created_cover": ["source", "removed_at", "created_at", "state"],
    "ix_items_due_cover": [
        "source",
        "removed_at",
        "due_date",
        "created_at",
        "state",
        "resolved_at",
    ],
    "ix_items_resolved_cover": ["source", "removed_at", "state", "resolved_at", "created_at"],
    "ix_items_incident_cover": ["source", "removed_at", "incident", "state", "type", "created_at"],
}
REPLACED = {
    "ix_items_source_created": ["source", "created_at"],
    "ix_items_state": ["state"],
    "ix_items_incident": ["incident"],
}
HISTORY_INDEXES = {
    "ix_item_history_field_item_at": ["field", "item_id", "at", "id", "to_value"],
    "ix_item_history_field_value_at": ["field", "to_value", "at", "item_id", "from_value"],
}


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        for name in REPLACED:
            batch.drop_index(name)
        for name, columns in ITEM_INDEXES.items():
            batch.create_index(name, columns)
    with op.batch_alter_table("item_history") as batch:
        for name, columns in HISTORY_INDEXES.items():
            batch.create_index(name, columns)


def downgrade() -> None:
    with op.batch_alter_table("item_history") as batch:
        for name in HISTORY_INDEXES:
            batch.drop_index(name)
    with op.batch_alter_table("items") as batch:
        for name in ITEM_INDEXES:
            batch.drop_index(name)
        for name, columns in REPLACED.items():
            batch.create_index(name, columns)
