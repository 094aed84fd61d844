"""Read-side SQL for trends: events per period, and the active count at period ends.

Every figure is a count over an index range, one range per period, all ranges in one
statement: no row is bucketed by a date function.

An item is counted and active at instant E iff its state at E is active and its tracked
status at E is "true". The spans in which that holds are kept at write time as active
stretches `[start, end)` (see `service.store.derived`), so the active count at E is the
count at the first period's start plus the stretches starting minus those ending after it
and at or before E.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import Session

from service.metrics.params import MetricFilters
from service.store.item_queries import ItemScope, fixed_conditions
from service.store.metric_queries import Selection
from service.store.models import ActiveStretch, HistoryEntry, Item

Range = tuple[datetime, datetime]
"""A span of time; each query below says which of its ends it includes."""


def created_counts(session: Session, chosen: Selection, ranges: Sequence[Range]) -> list[int]:
    """Counted items created in each `[low, high)`."""
    c = chosen.at.columns
    return _counts(
        session,
        ranges,
        lambda low, high: chosen.select(
            func.count(), first=(c.created_at >= low, c.created_at < high)
        ),
    )


def closed_counts(
    session: Session, chosen: Selection, state: str, ranges: Sequence[Range]
) -> list[int]:
    """History transitions of counted items into `state` in each `[low, high)`."""

    def count(low: datetime, high: datetime) -> Select[Any]:
        return (
            chosen.select(func.count())
            .join(HistoryEntry, HistoryEntry.item_id == Item.id)
            .where(
                HistoryEntry.field == "state",
                HistoryEntry.after == state,
                or_(HistoryEntry.before.is_(None), HistoryEntry.before != HistoryEntry.after),
                HistoryEntry.at >= low,
                HistoryEntry.at < high,
            )
        )

    return _counts(session, ranges, count)


def active_at(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    since: datetime,
    ends: list[datetime],
) -> list[int]:
    """Items counted and active at each instant of `ends` (ascending, all after `since`),
    from the active stretches."""
    s = ActiveStretch
    sources = [filters.source] if filters.source else list(scope.sources)
    conditions = [s.source.in_(sources)]
    fixed = fixed_conditions(None, filters.incident, filters.type)
    if fixed:
        conditions.append(s.item_id.in_(select(Item.id).where(*fixed)))

    def starting(low: datetime, high: datetime) -> Select[Any]:
        return select(func.count()).where(*conditions, s.start > low, s.start <= high)

    def ending(low: datetime, high: datetime) -> Select[Any]:
        return select(func.count()).where(*conditions, s.end > low, s.end <= high)

    epoch = datetime.min.replace(tzinfo=since.tzinfo)
    edges = [epoch, since, *ends]
    ranges = list(pairwise(edges))
    starts, stops = _counts(session, ranges, starting), _counts(session, ranges, ending)
    found, running = [], 0
    for index, (started, stopped) in enumerate(zip(starts, stops, strict=True)):
        running += started - stopped
        if index:
            found.append(running)
    return found


def _counts(
    session: Session,
    ranges: Sequence[Range],
    count: Callable[[datetime, datetime], Select[Any]],
) -> list[int]:
    """`count(low, high)` for every range, in one statement (an empty range counts 0)."""
    columns = [
        count(low, high).scalar_subquery() if low < high else literal(0) for low, high in ranges
    ]
    return [int(n) for n in session.execute(select(*columns)).one()] if columns else []
