"""Repository for per-partition sync state (cursor, ETag, resume token)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connectors.base import PartitionState
from service.store.models import PartitionStateRow


def load(session: Session, source: str) -> dict[str, PartitionState]:
    """Saved state of every partition of `source`."""
    rows = session.scalars(select(PartitionStateRow).where(PartitionStateRow.source == source))
    return {
        row.partition: PartitionState(
            cursor=row.cursor,
            etag=row.etag,
            resume_token=row.resume_token,
            high_water=row.high_water,
        )
        for row in rows
    }


def save(session: Session, source: str, partition: str, state: PartitionState) -> None:
    """Store the partition's new state (in the caller's transaction)."""
    row = session.get(PartitionStateRow, (source, partition))
    if row is None:
        row = PartitionStateRow(source=source, partition=partition)
        session.add(row)
    row.cursor = state.cursor
    row.etag = state.etag
    row.resume_token = state.resume_token
    row.high_water = state.high_water


def clear(session: Session, source: str) -> None:
    """Forget every partition's state of `source` (a `--full` sync starts over)."""
    session.execute(delete(PartitionStateRow).where(PartitionStateRow.source == source))
