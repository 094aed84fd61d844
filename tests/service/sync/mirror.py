"""Read the mirror back as connector Items, so tests compare it to the tracker field by field."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import PartitionState
from connectors.item import Item, ItemState, ItemType
from service.store import sync_state
from service.store.models import HistoryEntry, ItemKey, ItemOwner, Lease, SyncRun
from service.store.models import Item as Row


def as_item(row: Row) -> Item:
    return Item(
        external_id=row.external_id,
        key=row.key,
        url=row.url,
        title=row.title,
        state=ItemState(row.state),
        raw_status=row.raw_status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        partition=row.partition,
        resolution=row.resolution,
        type=ItemType(row.type) if row.type else None,
        incident=row.incident,
        owners=tuple(row.owners),
        priority=row.priority,
        due_date=row.due_date,
        resolved_at=row.resolved_at,
        labels=tuple(row.labels),
        previous_keys=tuple(row.previous_keys),
    )


def rows(sessions: sessionmaker[Session], source: str = "demo") -> dict[str, Row]:
    with sessions() as session:
        return {r.external_id: r for r in session.scalars(select(Row).where(Row.source == source))}


def tracked(sessions: sessionmaker[Session], source: str = "demo") -> dict[str, Item]:
    """The mirror's tracked items (removed_at is null) as Items."""
    return {k: as_item(r) for k, r in rows(sessions, source).items() if r.removed_at is None}


def removed(sessions: sessionmaker[Session], source: str = "demo") -> set[str]:
    return {k for k, r in rows(sessions, source).items() if r.removed_at is not None}


def duplicate_keys(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    """(source, external_id) pairs held more than once."""
    with sessions() as session:
        found = session.execute(
            select(Row.source, Row.external_id)
            .group_by(Row.source, Row.external_id)
            .having(func.count() > 1)
        ).all()
    return [(s, e) for s, e in found]


def owners(sessions: sessionmaker[Session], external_id: str, source: str = "demo") -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(
                select(ItemOwner.owner)
                .join(Row, Row.id == ItemOwner.item_id)
                .where(Row.source == source, Row.external_id == external_id)
                .order_by(ItemOwner.position)
            )
        )


def keys(sessions: sessionmaker[Session], external_id: str, source: str = "demo") -> set[str]:
    with sessions() as session:
        return set(
            session.scalars(
                select(ItemKey.key)
                .join(Row, Row.id == ItemKey.item_id)
                .where(Row.source == source, Row.external_id == external_id)
            )
        )


def history(
    sessions: sessionmaker[Session], external_id: str, field: str, source: str = "demo"
) -> list[tuple[object, str | None, str | None, bool]]:
    """(at, from, to, observed) of one item's field, oldest first."""
    with sessions() as session:
        entries = session.scalars(
            select(HistoryEntry)
            .join(Row, Row.id == HistoryEntry.item_id)
            .where(
                Row.source == source,
                Row.external_id == external_id,
                HistoryEntry.field == field,
            )
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
        return [(e.at, e.before, e.after, e.observed) for e in entries]


def current_values(
    sessions: sessionmaker[Session], external_id: str, source: str = "demo"
) -> dict[str, str | None]:
    """Each history field's value after its latest entry (ties: highest id), as `as_of` reads it."""
    values: dict[str, str | None] = {}
    for field in ("state", "owner", "due_date", "tracked"):
        entries = history(sessions, external_id, field, source)
        values[field] = entries[-1][2] if entries else None
    return values


def state(sessions: sessionmaker[Session], source: str = "demo") -> dict[str, PartitionState]:
    with sessions() as session:
        return sync_state.load(session, source)


def run(sessions: sessionmaker[Session], run_id: int) -> SyncRun:
    with sessions() as session:
        found = session.get(SyncRun, run_id)
        assert found is not None
        return found


def runs(sessions: sessionmaker[Session], source: str = "demo") -> list[SyncRun]:
    with sessions() as session:
        return list(
            session.scalars(select(SyncRun).where(SyncRun.source == source).order_by(SyncRun.id))
        )


def lease(sessions: sessionmaker[Session], source: str = "demo") -> Lease | None:
    with sessions() as session:
        return session.get(Lease, source)


def expire_leases(sessions: sessionmaker[Session]) -> None:
    """Let every lease's TTL pass (what happens while a killed process stays dead)."""
    with sessions.begin() as session:
        session.execute(
            update(Lease)
            .where(Lease.lease_until.is_not(None))
            .values(lease_until=datetime(2000, 1, 1, tzinfo=UTC))
        )
