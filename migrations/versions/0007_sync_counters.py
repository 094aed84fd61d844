"""sync_counters: running totals over finished sync runs for the Prometheus counters, so a
scrape reads a few rows instead of every run; an index on sync_runs (source, status,
finished_at) answers each source's open runs and last success with one lookup

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from service.store import run_metrics

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_counters",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("source", "name", "label", name=op.f("pk_sync_counters")),
    )
    op.create_index(
        "ix_sync_runs_source_status_finished",
        "sync_runs",
        ["source", "status", "finished_at"],
        unique=False,
    )
    run_metrics.rebuild_counters(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_index("ix_sync_runs_source_status_finished", table_name="sync_runs")
    op.drop_table("sync_counters")
