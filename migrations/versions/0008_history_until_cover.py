"""history_until in the covering item indexes

At a past T an item whose history ends at or before T (`history_until <= T`) has its
current columns as its values at T, so the metrics answer those items from the same index
ranges as at now, with `history_until` read from the index entry rather than the row: each
covering index of 0002 gets `history_until` as its last column (the one by state also
`id`, which the owners join to their item's owners). 0006's index on `history_until` gets
(created_at, source, id, state), so the items with history after T are found from index
entries alone, and 0001's history index by (item, field, at) gets (id, to_value), so an
item's values at T are looked up from one index page rather than one per field.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
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
"""The 0002 columns of each index; the upgrade appends `history_until` (and `ADDED`)."""
ADDED = {"ix_items_tracked_cover": ["id"]}
HISTORY_UNTIL = "ix_items_history_until"
HISTORY_UNTIL_COVER = ["history_until", "created_at", "source", "id", "state"]
ITEM_FIELD_AT = "ix_item_history_item_field_at"
ITEM_FIELD_AT_COLUMNS = ["item_id", "field", "at"]


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        for name, columns in ITEM_INDEXES.items():
            batch.drop_index(name)
            batch.create_index(name, [*columns, "history_until", *ADDED.get(name, [])])
        batch.drop_index(HISTORY_UNTIL)
        batch.create_index(HISTORY_UNTIL, HISTORY_UNTIL_COVER)
    with op.batch_alter_table("item_history") as batch:
        batch.drop_index(ITEM_FIELD_AT)
        batch.create_index(ITEM_FIELD_AT, [*ITEM_FIELD_AT_COLUMNS, "id", "to_value"])


def downgrade() -> None:
    with op.batch_alter_table("item_history") as batch:
        batch.drop_index(ITEM_FIELD_AT)
        batch.create_index(ITEM_FIELD_AT, ITEM_FIELD_AT_COLUMNS)
    with op.batch_alter_table("items") as batch:
        for name, columns in ITEM_INDEXES.items():
            batch.drop_index(name)
            batch.create_index(name, columns)
        batch.drop_index(HISTORY_UNTIL)
        batch.create_index(HISTORY_UNTIL, ["history_until"])
