"""Data derived from the mirror at write time, so reads stop regrouping every item or
walking every history entry: incident rollups (counts per incident and source, now),
active stretches (spans in which an item was tracked and active), closings (transitions
into done or wont_do, with whether the item is tracked now) and each item's
`history_until` (the time of its latest history entry).

The write repository refreshes the rows it touches in the same transaction; `rebuild`
recomputes everything (the migration that adds the tables, bulk loads). Each table has
one definition both use: rollups a grouped SELECT over `items`, stretches `stretches_of`
over an item's state and tracked history, closings a SELECT over the state history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from service.metrics.definitions import ACTIVE_STATES, CLOSED_STATES
from service.store.metric_queries import TYPES, count_where
from service.store.models import ActiveStretch, Closing, HistoryEntry, IncidentRollup, Item
from service.store.types import UTCDateTime

CHUNK = 500
BATCH = 10_000
PARTS = ("incident_rollups", "active_stretches", "closings", "history_until")
"""What `rebuild` can recompute: the derived tables and the `items.history_until` column."""
T = TypeVar("T")


def refresh_incidents(session: Session, pairs: Iterable[tuple[str, str | None]]) -> None:
    """Recompute the rollups of these (source, incident) pairs from the items table."""
    session.flush()
    by_source: dict[str, set[str]] = {}
    for source, incident in pairs:
        if incident is not None:
            by_source.setdefault(source, set()).add(incident)
    for source, incidents in by_source.items():
        for chunk in _chunks(sorted(incidents)):
            session.execute(
                delete(IncidentRollup).where(
                    IncidentRollup.source == source, IncidentRollup.incident.in_(chunk)
                )
            )
            _insert_rollups(session, Item.source == source, Item.incident.in_(chunk))


def refresh_history(session: Session, item_ids: Collection[int]) -> None:
    """Recompute what is derived from these items' history and tracked status: their
    active stretches, closings and the time of their latest entry."""
    session.flush()
    for chunk in _chunks(sorted(set(item_ids))):
        session.execute(delete(ActiveStretch).where(ActiveStretch.item_id.in_(chunk)))
        session.execute(delete(Closing).where(Closing.item_id.in_(chunk)))
        _insert_stretches(session, HistoryEntry.item_id.in_(chunk))
        _insert_closings(session, HistoryEntry.item_id.in_(chunk))
        _set_history_until(session, Item.id.in_(chunk))


def rebuild(session: Session, parts: Collection[str] = PARTS) -> None:
    """Recompute these derived parts (all by default) for the whole mirror. A migration
    names the parts it adds, so a later part's table need not exist yet."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown derived parts: {', '.join(sorted(unknown))}")
    if "incident_rollups" in parts:
        session.execute(delete(IncidentRollup))
        _insert_rollups(session)
    if "active_stretches" in parts:
        session.execute(delete(ActiveStretch))
        _insert_stretches(session)
    if "closings" in parts:
        session.execute(delete(Closing))
        _insert_closings(session)
    if "history_until" in parts:
        _set_history_until(session)


def _insert_closings(session: Session, *conditions: ColumnElement[bool]) -> None:
    """Closings: state entries into done or wont_do from another state (or from none)."""
    h = HistoryEntry
    statement = (
        select(h.item_id, Item.source, h.at, h.after, Item.removed_at.is_(None))
        .join(Item, Item.id == h.item_id)
        .where(
            h.field == "state",
            h.after.in_(CLOSED_STATES),
            or_(h.before.is_(None), h.before != h.after),
            *conditions,
        )
    )
    columns = ["item_id", "source", "at", "state", "tracked"]
    session.execute(insert(Closing).from_select(columns, statement))


def _set_history_until(session: Session, *conditions: ColumnElement[bool]) -> None:
    latest = (
        select(func.max(HistoryEntry.at)).where(HistoryEntry.item_id == Item.id).scalar_subquery()
    )
    session.execute(
        update(Item).where(*conditions).values(history_until=latest),
        execution_options={"synchronize_session": False},
    )


def _insert_rollups(session: Session, *conditions: ColumnElement[bool]) -> None:
    active = Item.state.in_(ACTIVE_STATES)
    statement = (
        select(
            Item.incident,
            Item.source,
            func.count(),
            count_where(active),
            count_where(Item.state == "done"),
            count_where(Item.state == "wont_do"),
            func.min(case((active, Item.created_at), else_=None), type_=UTCDateTime()),
            func.max(Item.created_at),
            *(count_where(and_(Item.type == kind, Item.state != "wont_do")) for kind in TYPES),
        )
        .where(Item.removed_at.is_(None), Item.incident.is_not(None), *conditions)
        .group_by(Item.incident, Item.source)
    )
    columns = [
        "incident",
        "source",
        "items",
        "active",
        "done",
        "wont_do",
        "oldest_active_created_at",
        "latest_created_at",
        *TYPES,
    ]
    session.execute(insert(IncidentRollup).from_select(columns, statement))


def _insert_stretches(session: Session, *conditions: ColumnElement[bool]) -> None:
    entries = session.execute(
        select(
            HistoryEntry.item_id,
            Item.source,
            HistoryEntry.at,
            HistoryEntry.field,
            HistoryEntry.after,
        )
        .join(Item, Item.id == HistoryEntry.item_id)
        .where(HistoryEntry.field.in_(("state", "tracked")), *conditions)
        .order_by(HistoryEntry.item_id, HistoryEntry.at, HistoryEntry.id)
        .execution_options(yield_per=BATCH)
    )
    batch: list[dict[str, object]] = []
    for item_id, group in groupby(entries, key=itemgetter(0)):
        batch += stretches_of(item_id, [tuple(row) for row in group])
        if len(batch) >= BATCH:
            session.execute(insert(ActiveStretch), batch)
            batch = []
    if batch:
        session.execute(insert(ActiveStretch), batch)


def stretches_of(item_id: int, entries: Sequence[tuple[Any, ...]]) -> list[dict[str, object]]:
    """The maximal spans in which one item was tracked and active, from its state and
    tracked entries `(item_id, source, at, field, value)` in (at, id) order: the value at
    an instant is the last entry at or before it, so a stretch is `[start, end)`."""
    values: dict[str, str | None] = {}
    found: list[dict[str, object]] = []
    start: datetime | None = None
    for at, group in groupby(entries, key=itemgetter(2)):
        for _, _, _, field, value in group:
            values[field] = value
        active = values.get("state") in ACTIVE_STATES and values.get("tracked") == "true"
        if active and start is None:
            start = at
        elif not active and start is not None:
            found.append({"item_id": item_id, "source": entries[0][1], "start": start, "end": at})
            start = None
    if start is not None:
        found.append({"item_id": item_id, "source": entries[0][1], "start": start, "end": None})
    return found


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for begin in range(0, len(values), CHUNK):
        yield values[begin : begin + CHUNK]
