"""Repository that writes the item mirror: upserts, history and removals.

Writes are idempotent: a replay of an item with an older or equal `updated_at` and the
same content changes nothing, and an older replay never overwrites a newer row.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from connectors.base import Comment, ItemRef
from connectors.item import Change, HistoryField, ItemState
from connectors.item import Item as Incoming
from service.store import derived
from service.store.models import HistoryEntry, Item, ItemKey, ItemOwner

HISTORY_FIELDS = (HistoryField.STATE, HistoryField.OWNER, HistoryField.DUE_DATE)

ObservedAt = Callable[[int, HistoryField], datetime]
"""When to record a change of (item id, field) observed by this sync."""


def history_candidates(session: Session, source: str, items: Sequence[Incoming]) -> set[str]:
    """External ids of mirrored items in `items` whose state, owner or due date
    `apply_page` would change: the items whose tracker history is worth fetching.

    Items seen for the first time are not among them: their first-sight history is
    derived from their fields, so a first sync costs listing requests only.
    """
    latest = _latest(items)
    stored = _stored(session, source, latest)
    return {
        external_id
        for external_id, row in stored.items()
        if row.updated_at <= latest[external_id].updated_at
        and _history_differs(row, latest[external_id])
    }


def apply_page(session: Session, source: str, items: Sequence[Incoming], now: datetime) -> int:
    """Upsert one page of items for `source`, recording history for observed changes.

    Returns how many rows changed; replays of stored content count zero.
    """
    latest = _latest(items)
    stored = _stored(session, source, latest)
    new = [incoming for external_id, incoming in latest.items() if external_id not in stored]
    updates: list[tuple[Item, Incoming]] = []
    for external_id, row in stored.items():
        incoming = latest[external_id]
        row.last_synced_at = now
        if row.updated_at <= incoming.updated_at and _differs(row, incoming):
            updates.append((row, incoming))
    new_ids = _insert_all(session, source, new, now)
    ids = [row.id for row, _ in updates]
    incidents = [(source, row.incident) for row, _ in updates]
    observed_at = _observed_at(session, ids, now)
    keys = _keys_of(session, ids)
    for row, incoming in updates:
        _update(session, row, incoming, observed_at, keys.get(row.id, set()))
    incidents += [(source, incoming.incident) for incoming in (*new, *(i for _, i in updates))]
    derived.refresh_incidents(session, incidents)
    derived.refresh_history(session, [*new_ids, *ids])
    return len(new) + len(updates)


def _latest(items: Sequence[Incoming]) -> dict[str, Incoming]:
    """The newest version of each item in a page (a page may repeat an item)."""
    latest: dict[str, Incoming] = {}
    for item in items:
        held = latest.get(item.external_id)
        if held is None or held.updated_at <= item.updated_at:
            latest[item.external_id] = item
    return latest


def _stored(session: Session, source: str, latest: dict[str, Incoming]) -> dict[str, Item]:
    if not latest:
        return {}
    rows = session.scalars(
        select(Item).where(Item.source == source, Item.external_id.in_(list(latest)))
    )
    return {row.external_id: row for row in rows}


def _history_differs(row: Item, incoming: Incoming) -> bool:
    return any(before != after for _, before, after in _history_changes(row, incoming))


def _history_changes(
    row: Item, incoming: Incoming
) -> list[tuple[HistoryField, str | None, str | None]]:
    """(field, stored, incoming) for each field whose changes are kept as history."""
    return [
        (HistoryField.STATE, row.state, incoming.state.value),
        (HistoryField.OWNER, row.owner, incoming.owner),
        (HistoryField.DUE_DATE, _date(row.due_date), _date(incoming.due_date)),
    ]


def _values(item: Incoming) -> dict[str, object]:
    return {
        "partition": item.partition,
        "key": item.key,
        "url": item.url,
        "title": item.title,
        "state": item.state.value,
        "raw_status": item.raw_status,
        "resolution": item.resolution,
        "type": item.type.value if item.type else None,
        "incident": item.incident,
        "owner": item.owner,
        "owners": list(item.owners),
        "priority": item.priority,
        "due_date": item.due_date,
        "labels": list(item.labels),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "resolved_at": item.resolved_at,
    }


def _insert_all(
    session: Session, source: str, incomings: Sequence[Incoming], now: datetime
) -> list[int]:
    """Insert items seen for the first time with their keys, owners and first history,
    one multi-row statement per table; returns their ids."""
    if not incomings:
        return []
    rows = [
        {
            "source": source,
            "external_id": incoming.external_id,
            "previous_keys": _previous_keys(incoming),
            "removed_at": None,
            "first_seen_at": now,
            "last_synced_at": now,
            **_values(incoming),
        }
        for incoming in incomings
    ]
    returned = session.execute(
        insert(Item).returning(Item.id, Item.external_id, sort_by_parameter_order=True), rows
    ).all()
    keys: list[dict[str, object]] = []
    owners: list[dict[str, object]] = []
    history: list[dict[str, object]] = []
    for (item_id, _), incoming in zip(returned, incomings, strict=True):
        keys += [{"item_id": item_id, "key": k} for k in {incoming.key, *_previous_keys(incoming)}]
        owners += _owner_rows(item_id, incoming.owners)
        history += _first_sight_history(item_id, incoming)
    for model, values in ((ItemKey, keys), (ItemOwner, owners), (HistoryEntry, history)):
        if values:
            session.execute(insert(model), values)
    return [item_id for item_id, _ in returned]


def _previous_keys(incoming: Incoming) -> list[str]:
    return [k for k in dict.fromkeys(incoming.previous_keys) if k != incoming.key]


def _first_sight_history(item_id: int, item: Incoming) -> list[dict[str, object]]:
    """History for an item seen for the first time, before any tracker history arrives.

    A closed item with a resolution time was active until then; other values are taken to
    hold since creation. Tracker history, where fetched, replaces these entries.
    """
    created = item.created_at
    entries: list[dict[str, object]] = []
    if item.state.is_closed and item.resolved_at and item.resolved_at > created:
        entries.append(_entry(item_id, created, HistoryField.STATE, None, ItemState.OPEN))
        entries.append(
            _entry(item_id, item.resolved_at, HistoryField.STATE, ItemState.OPEN, item.state)
        )
    else:
        entries.append(_entry(item_id, created, HistoryField.STATE, None, item.state))
    entries.append(_entry(item_id, created, HistoryField.OWNER, None, item.owner))
    entries.append(_entry(item_id, created, HistoryField.DUE_DATE, None, _date(item.due_date)))
    entries.append(_entry(item_id, created, HistoryField.TRACKED, None, "true"))
    return entries


def _differs(row: Item, incoming: Incoming) -> bool:
    """Whether applying `incoming` would change the row (content, tracked status or keys)."""
    current = {name: getattr(row, name) for name in _values(incoming)}
    return (
        current != _values(incoming)
        or row.removed_at is not None
        or bool(_new_previous_keys(row, incoming))
    )


def _update(
    session: Session, row: Item, incoming: Incoming, observed_at: ObservedAt, held_keys: set[str]
) -> None:
    """Apply a newer-or-equal version that differs, with history for observed changes."""
    entries = [
        _entry(row.id, observed_at(row.id, history_field), history_field, before, after)
        for history_field, before, after in _history_changes(row, incoming)
        if before != after
    ]
    if row.removed_at is not None:
        at = observed_at(row.id, HistoryField.TRACKED)
        entries.append(_entry(row.id, at, HistoryField.TRACKED, "false", "true"))
        row.removed_at = None
    _add_history(session, entries)
    moved_from = [row.key] if incoming.key != row.key else []
    known = [*row.previous_keys, *_new_previous_keys(row, incoming), *moved_from]
    previous = [k for k in dict.fromkeys(known) if k != incoming.key]
    if previous != row.previous_keys:
        row.previous_keys = previous
    if list(row.owners) != list(incoming.owners):
        session.execute(delete(ItemOwner).where(ItemOwner.item_id == row.id))
        owners = _owner_rows(row.id, incoming.owners)
        if owners:
            session.execute(insert(ItemOwner), owners)
    if row.state != incoming.state.value:  # a new state needs its own decision
        row.decision = row.decision_at = row.decision_author = row.decision_checked_at = None
    for name, value in _values(incoming).items():
        setattr(row, name, value)
    new_keys = {incoming.key, *previous} - held_keys
    session.add_all(ItemKey(item_id=row.id, key=k) for k in new_keys)


def _observed_at(session: Session, item_ids: Sequence[int], now: datetime) -> ObservedAt:
    """When to record a change seen at `now`: never before the field's latest entry, so a
    tracker clock running ahead of ours cannot leave an older value looking current."""
    latest: dict[tuple[int, str], datetime] = {}
    if item_ids:
        rows = session.execute(
            select(HistoryEntry.item_id, HistoryEntry.field, func.max(HistoryEntry.at))
            .where(HistoryEntry.item_id.in_(list(item_ids)))
            .group_by(HistoryEntry.item_id, HistoryEntry.field)
        )
        latest = {(item_id, field): at for item_id, field, at in rows}

    def at(item_id: int, history_field: HistoryField) -> datetime:
        return max(now, latest.get((item_id, history_field.value), now))

    return at


def _new_previous_keys(row: Item, incoming: Incoming) -> list[str]:
    return [k for k in incoming.previous_keys if k not in row.previous_keys and k != incoming.key]


def _keys_of(session: Session, item_ids: Sequence[int]) -> dict[int, set[str]]:
    """Every key held in the key index for each item."""
    held: dict[int, set[str]] = {}
    if item_ids:
        rows = session.execute(
            select(ItemKey.item_id, ItemKey.key).where(ItemKey.item_id.in_(list(item_ids)))
        )
        for item_id, key in rows:
            held.setdefault(item_id, set()).add(key)
    return held


def _owner_rows(item_id: int, owners: Sequence[str]) -> list[dict[str, object]]:
    return [
        {"item_id": item_id, "position": i, "owner": owner, "owner_lower": owner.lower()}
        for i, owner in enumerate(owners)
    ]


def _add_history(session: Session, entries: list[dict[str, object]]) -> None:
    if entries:
        session.execute(insert(HistoryEntry), entries)


def mark_removed(session: Session, source: str, external_ids: Iterable[str], now: datetime) -> int:
    """Set `removed_at` on held items that left the source; returns how many changed."""
    ids = list(external_ids)
    if not ids:
        return 0
    rows = session.scalars(
        select(Item).where(
            Item.source == source, Item.external_id.in_(ids), Item.removed_at.is_(None)
        )
    ).all()
    observed_at = _observed_at(session, [row.id for row in rows], now)
    for row in rows:
        row.removed_at = now
    _add_history(
        session,
        [
            _entry(
                row.id,
                observed_at(row.id, HistoryField.TRACKED),
                HistoryField.TRACKED,
                "true",
                "false",
            )
            for row in rows
        ],
    )
    derived.refresh_incidents(session, [(source, row.incident) for row in rows])
    derived.refresh_history(session, [row.id for row in rows])
    return len(rows)


def tracked_refs(session: Session, source: str) -> list[ItemRef]:
    """The items of `source` the mirror holds as tracked, as a connector finds them."""
    rows = session.execute(
        select(Item.external_id, Item.key, Item.partition)
        .where(Item.source == source, Item.removed_at.is_(None))
        .order_by(Item.id)
    )
    return [ItemRef(external_id, key, partition) for external_id, key, partition in rows]


@dataclass(frozen=True)
class PendingDecision:
    """A wont_do item whose reason is still to be searched, and when it became wont_do."""

    ref: ItemRef
    decided_at: datetime


def pending_decisions(
    session: Session, source: str, external_ids: Collection[str] | None = None
) -> list[PendingDecision]:
    """Tracked wont_do items of `source` (of `external_ids` when given) whose search for a
    reason has not ended, oldest id first.

    The decision's moment is the latest state entry into wont_do the tracker recorded,
    else `resolved_at`, else the latest observed entry into wont_do (the sync that saw it).
    """
    conditions = [
        Item.source == source,
        Item.state == ItemState.WONT_DO.value,
        Item.removed_at.is_(None),
        Item.decision_checked_at.is_(None),
    ]
    if external_ids is not None:
        if not external_ids:
            return []
        conditions.append(Item.external_id.in_(list(external_ids)))
    rows = session.execute(
        select(Item.id, Item.external_id, Item.key, Item.partition, Item.resolved_at)
        .where(*conditions)
        .order_by(Item.id)
    ).all()
    entries: dict[tuple[int, bool], datetime] = {}
    if rows:
        found = session.execute(
            select(HistoryEntry.item_id, HistoryEntry.observed, func.max(HistoryEntry.at))
            .where(
                HistoryEntry.item_id.in_([row.id for row in rows]),
                HistoryEntry.field == HistoryField.STATE.value,
                HistoryEntry.after == ItemState.WONT_DO.value,
            )
            .group_by(HistoryEntry.item_id, HistoryEntry.observed)
        )
        entries = {(item_id, observed): at for item_id, observed, at in found}
    pending = []
    for item_id, external_id, key, partition, resolved_at in rows:
        decided_at = entries.get((item_id, False)) or resolved_at or entries.get((item_id, True))
        if decided_at is not None:
            pending.append(PendingDecision(ItemRef(external_id, key, partition), decided_at))
    return pending


def record_decisions(
    session: Session,
    source: str,
    found: Mapping[str, Comment],
    settled: Collection[str],
    now: datetime,
) -> None:
    """Store the reason comments `found` (by external id) and end the search for the
    `settled` items (those found, and those whose window had passed with none)."""
    if not settled:
        return
    rows = session.scalars(
        select(Item).where(Item.source == source, Item.external_id.in_(list(settled)))
    )
    for row in rows:
        comment = found.get(row.external_id)
        if comment is not None:
            row.decision, row.decision_at = comment.body, comment.at
            row.decision_author = comment.author
        row.decision_checked_at = now


def replace_history(session: Session, source: str, changes: Iterable[Change]) -> int:
    """Replace observed history with the tracker's own record, per item and field.

    The tracker's changelog is complete for the fields it reports, so for each (item,
    field) it covers, earlier entries are replaced: the value before its first change is
    taken to hold since creation. Returns the number of entries written.
    """
    by_item: dict[str, list[Change]] = {}
    for change in changes:
        if change.field in HISTORY_FIELDS:
            by_item.setdefault(change.external_id, []).append(change)
    if not by_item:
        return 0
    rows = session.execute(
        select(Item.id, Item.external_id, Item.created_at).where(
            Item.source == source, Item.external_id.in_(list(by_item))
        )
    ).all()
    written = 0
    for item_id, external_id, created_at in rows:
        item_changes = sorted(by_item[external_id], key=lambda c: c.at)
        for history_field in {c.field for c in item_changes}:
            field_changes = [c for c in item_changes if c.field == history_field]
            session.execute(
                delete(HistoryEntry).where(
                    HistoryEntry.item_id == item_id, HistoryEntry.field == history_field.value
                )
            )
            first = field_changes[0]
            entries = [_entry(item_id, created_at, history_field, None, first.before, False)]
            entries += [
                _entry(item_id, max(c.at, created_at), history_field, c.before, c.after, False)
                for c in field_changes
            ]
            _add_history(session, entries)
            written += len(entries)
    derived.refresh_history(session, [item_id for item_id, _, _ in rows])
    return written


def _entry(
    item_id: int,
    at: datetime,
    history_field: HistoryField,
    before: str | None,
    after: str | None,
    observed: bool = True,
) -> dict[str, object]:
    """A history row for a Core insert."""
    return {
        "item_id": item_id,
        "at": at,
        "field": history_field.value,
        "before": before,
        "after": after,
        "observed": observed,
    }


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None
