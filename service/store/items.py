"""Repository that writes the item mirror: upserts, history and removals.

Writes are idempotent: a replay of an item with an older or equal `updated_at` and the
same content changes nothing, and an older replay never overwrites a newer row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connectors.item import Change, HistoryField, ItemState
from connectors.item import Item as Incoming
from service.store.models import HistoryEntry, Item, ItemKey, ItemOwner

HISTORY_FIELDS = (HistoryField.STATE, HistoryField.OWNER, HistoryField.DUE_DATE)


@dataclass
class PageResult:
    """What one page did to the mirror."""

    changed: int = 0
    history_candidates: set[str] = field(default_factory=set)
    """External ids that are new or whose state, owner or due date changed."""


def apply_page(
    session: Session, source: str, items: Sequence[Incoming], now: datetime
) -> PageResult:
    """Upsert one page of items for `source`, recording history for observed changes."""
    latest: dict[str, Incoming] = {}
    for item in items:
        held = latest.get(item.external_id)
        if held is None or held.updated_at <= item.updated_at:
            latest[item.external_id] = item
    stored = {
        row.external_id: row
        for row in session.scalars(
            select(Item).where(Item.source == source, Item.external_id.in_(list(latest)))
        )
    }
    result = PageResult()
    for external_id, incoming in latest.items():
        row = stored.get(external_id)
        if row is None:
            _insert(session, source, incoming, now)
            result.changed += 1
            result.history_candidates.add(external_id)
        elif row.updated_at <= incoming.updated_at:
            content_changed, history_changed = _update(session, row, incoming, now)
            result.changed += content_changed
            if history_changed:
                result.history_candidates.add(external_id)
        else:
            row.last_synced_at = now
    return result


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


def _insert(session: Session, source: str, incoming: Incoming, now: datetime) -> None:
    previous = [k for k in dict.fromkeys(incoming.previous_keys) if k != incoming.key]
    row = Item(
        source=source,
        external_id=incoming.external_id,
        previous_keys=previous,
        removed_at=None,
        first_seen_at=now,
        last_synced_at=now,
        **_values(incoming),
    )
    session.add(row)
    session.flush()
    _set_keys(session, row.id, [incoming.key, *previous])
    _set_owners(session, row.id, incoming.owners)
    session.add_all(_first_sight_history(row.id, incoming))


def _first_sight_history(item_id: int, item: Incoming) -> list[HistoryEntry]:
    """History for an item seen for the first time, before any tracker history arrives.

    A closed item with a resolution time was active until then; other values are taken to
    hold since creation. Tracker history, where fetched, replaces these entries.
    """
    created = item.created_at
    entries: list[HistoryEntry] = []
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


def _update(session: Session, row: Item, incoming: Incoming, now: datetime) -> tuple[int, bool]:
    """Apply a newer-or-equal version; returns (1 if content changed, history changed)."""
    values = _values(incoming)
    returned = row.removed_at is not None
    old = {name: getattr(row, name) for name in values}
    row.last_synced_at = now
    if old == values and not returned and not _new_previous_keys(row, incoming):
        return 0, False
    history_changed = False
    for history_field, before, after in (
        (HistoryField.STATE, row.state, incoming.state.value),
        (HistoryField.OWNER, row.owner, incoming.owner),
        (HistoryField.DUE_DATE, _date(row.due_date), _date(incoming.due_date)),
    ):
        if before != after:
            session.add(_entry(row.id, now, history_field, before, after))
            history_changed = True
    if returned:
        session.add(_entry(row.id, now, HistoryField.TRACKED, "false", "true"))
        row.removed_at = None
    keys = [k for k in dict.fromkeys([*row.previous_keys, *_new_previous_keys(row, incoming)])]
    if incoming.key != row.key:
        keys = [k for k in dict.fromkeys([*keys, row.key])]
    keys = [k for k in keys if k != incoming.key]
    if keys != row.previous_keys:
        row.previous_keys = keys
    for name, value in values.items():
        setattr(row, name, value)
    _set_keys(session, row.id, [incoming.key, *keys])
    if old["owners"] != values["owners"]:
        _set_owners(session, row.id, incoming.owners)
    return 1, history_changed


def _new_previous_keys(row: Item, incoming: Incoming) -> list[str]:
    return [k for k in incoming.previous_keys if k not in row.previous_keys and k != incoming.key]


def _set_keys(session: Session, item_id: int, keys: Iterable[str]) -> None:
    wanted = set(keys)
    held = set(session.scalars(select(ItemKey.key).where(ItemKey.item_id == item_id)))
    session.add_all(ItemKey(item_id=item_id, key=key) for key in wanted - held)


def _set_owners(session: Session, item_id: int, owners: Sequence[str]) -> None:
    session.execute(delete(ItemOwner).where(ItemOwner.item_id == item_id))
    session.add_all(
        ItemOwner(item_id=item_id, position=i, owner=owner, owner_lower=owner.lower())
        for i, owner in enumerate(owners)
    )


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
    for row in rows:
        row.removed_at = now
        session.add(_entry(row.id, now, HistoryField.TRACKED, "true", "false"))
    return len(rows)


def held_external_ids(session: Session, source: str, *, synced_before: datetime) -> list[str]:
    """Tracked items of `source` not seen since `synced_before`: candidates to reconcile."""
    return list(
        session.scalars(
            select(Item.external_id)
            .where(
                Item.source == source,
                Item.removed_at.is_(None),
                Item.last_synced_at < synced_before,
            )
            .order_by(Item.id)
        )
    )


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
            session.add_all(entries)
            written += len(entries)
    return written


def _entry(
    item_id: int,
    at: datetime,
    history_field: HistoryField,
    before: str | None,
    after: str | None,
    observed: bool = True,
) -> HistoryEntry:
    return HistoryEntry(
        item_id=item_id,
        at=at,
        field=history_field.value,
        before=before,
        after=after,
        observed=observed,
    )


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None
