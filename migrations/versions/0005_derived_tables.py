"""incident rollups, active stretches and items' latest history time, derived at write
time so metrics stop grouping every item and walking every history entry

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from service.store import derived

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_rollups",
        sa.Column("incident", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("wont_do", sa.Integer(), nullable=False),
        sa.Column("oldest_active_created_at", sa.DateTime(), nullable=True),
        sa.Column("latest_created_at", sa.DateTime(), nullable=False),
        sa.Column("prevention", sa.Integer(), nullable=False),
        sa.Column("detection", sa.Integer(), nullable=False),
        sa.Column("mitigation", sa.Integer(), nullable=False),
        sa.Column("process", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source"], ["sources.name"], name=op.f("fk_incident_rollups_source_sources")
        ),
        sa.PrimaryKeyConstraint("incident", "source", name=op.f("pk_incident_rollups")),
    )
    op.create_table(
        "active_stretches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_active_stretches_item_id_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_active_stretches")),
    )
    op.create_index(
        op.f("ix_active_stretches_item_id"), "active_stretches", ["item_id"], unique=False
    )
    op.create_index(
        "ix_active_stretches_source_start", "active_stretches", ["source", "start"], unique=False
    )
    op.create_index(
        "ix_active_stretches_source_end", "active_stretches", ["source", "end"], unique=False
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("history_until", sa.DateTime(), nullable=True))
    derived.rebuild(
        Session(bind=op.get_bind()), ("incident_rollups", "active_stretches", "history_until")
    )


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("history_until")
    op.drop_table("active_stretches")
    op.drop_table("incident_rollups")
