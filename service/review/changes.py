"""What changed since the last review: each item's values at `since` against its values at
T, read from the state history (so a past T answers as it would have then).

- `created`: created in `(since, T]`.
- `closed`: closed at T and, at `since`, active or not yet counted; `state` says done or
  wont_do.
- `reopened`: active at T and closed at `since`.
- `newly_overdue`: overdue at T (CONTRACT §2) and not overdue at `since`.
- `slipped`: active at T with a due date later than the one it had at `since`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from service.metrics import definitions
from service.metrics.definitions import CLOSED_STATES, is_active
from service.metrics.params import MetricFilters
from service.store import review_queries
from service.store.item_queries import ItemScope
from service.store.review_queries import Compared


@dataclass(frozen=True)
class ChangedItem:
    """One item in the changes section, with its values at `since` for comparison."""

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
    days_overdue: int | None
    state_before: str | None
    due_date_before: date | None


@dataclass(frozen=True)
class Changes:
    """The since-last-review section; each list by key."""

    created: list[ChangedItem]
    closed: list[ChangedItem]
    reopened: list[ChangedItem]
    newly_overdue: list[ChangedItem]
    slipped: list[ChangedItem]


def changes(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    since: datetime,
    as_of: datetime,
    *,
    now: datetime,
) -> Changes:
    """The changes between `since` and T among the items `filters` select at T."""
    rows = review_queries.compared(session, scope, filters, since, as_of, now=now)
    items = sorted((_changed(row, as_of, scope) for row in rows), key=lambda i: (i.key, i.id))
    was_closed = {row.id: row.state_before in CLOSED_STATES for row in rows}

    def overdue_before(item: ChangedItem) -> bool:
        return item.state_before is not None and definitions.is_overdue(
            item.state_before, item.due_date_before, since
        )

    return Changes(
        created=[i for i in items if i.created_at > since],
        closed=[i for i in items if i.state in CLOSED_STATES and not was_closed[i.id]],
        reopened=[i for i in items if is_active(i.state) and was_closed[i.id]],
        newly_overdue=[i for i in items if i.days_overdue is not None and not overdue_before(i)],
        slipped=[
            i
            for i in items
            if is_active(i.state)
            and i.due_date is not None
            and i.due_date_before is not None
            and i.due_date > i.due_date_before
        ],
    )


def _changed(row: Compared, as_of: datetime, scope: ItemScope) -> ChangedItem:
    return ChangedItem(
        id=row.id,
        source=row.source,
        key=row.key,
        title=row.title,
        url=row.url,
        incident=row.incident,
        owner=None if row.owner is None else scope.people.display(row.owner),
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        state=row.state,
        due_date=row.due_date,
        days_overdue=definitions.days_overdue(row.state, row.due_date, as_of),
        state_before=row.state_before,
        due_date_before=row.due_date_before,
    )
