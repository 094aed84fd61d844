"""Read-side SQL for the review's "since the last review" section: the items that may have
changed between two instants, with their state and due date at both.

An item can only differ between `since` and T if it was created after `since`, has a
history entry in `(since, T]`, or, being active, fell due in between; only those are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, or_
from sqlalchemy.orm import Session

from service.metrics.definitions import active_sql, utc_date
from service.metrics.params import MetricFilters
from service.store.item_queries import ItemScope, items_at
from service.store.metric_queries import selection
from service.store.models import HistoryEntry, Item

_CHUNK = 500


@dataclass(frozen=True)
class Compared:
    """One item's values at T and, when it was counted then, at `since`."""

    id: int
    source: str
    key: str
    title: str
    url: str
    incident: str | None
    owner: str | None
    created_at: datetime
    resolved_at: datetime | None
    state: str
    due_date: date | None
    state_before: str | None
    """None when the item was not counted at `since`."""
    due_date_before: date | None


def compared(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    since: datetime,
    as_of: datetime,
    *,
    now: datetime,
) -> list[Compared]:
    """Counted items at T under `filters` that may have changed since `since`, by id."""
    chosen = selection(scope, filters, as_of, now=now)
    c = chosen.at.columns
    changed = exists().where(
        HistoryEntry.item_id == Item.id, HistoryEntry.at > since, HistoryEntry.at <= as_of
    )
    fell_due = active_sql(c) & (c.due_date >= utc_date(since)) & (c.due_date < utc_date(as_of))
    rows = session.execute(
        chosen.select(
            Item.id,
            Item.source,
            Item.key,
            Item.title,
            Item.url,
            Item.incident,
            c.owner,
            c.created_at,
            Item.resolved_at,
            c.state,
            c.due_date,
        )
        .where(or_(c.created_at > since, changed, fell_due))
        .order_by(Item.id)
    ).all()
    before = _values_at(session, scope, [row[0] for row in rows], since, now=now)
    return [
        Compared(
            id=row[0],
            source=row[1],
            key=row[2],
            title=row[3],
            url=row[4],
            incident=row[5],
            owner=row[6],
            created_at=row[7],
            resolved_at=row[8],
            state=row[9],
            due_date=row[10],
            state_before=before.get(row[0], (None, None))[0],
            due_date_before=before.get(row[0], (None, None))[1],
        )
        for row in rows
    ]


def _values_at(
    session: Session, scope: ItemScope, ids: Sequence[int], instant: datetime, *, now: datetime
) -> dict[int, tuple[str, date | None]]:
    """(state, due date) at `instant` of those of `ids` counted then."""
    at = items_at(list(scope.sources), instant, now=now)
    c = at.columns
    found: dict[int, tuple[str, date | None]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        statement = at.select(Item.id, c.state, c.due_date).where(Item.id.in_(chunk))
        found.update({row[0]: (row[1], row[2]) for row in session.execute(statement)})
    return found
