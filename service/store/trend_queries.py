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
from service.store.metric_queries import Counted, Selection
from service.store.models import ActiveStretch, Closing, HistoryEntry, Item

Range = tuple[datetime, datetime]
"""A span of time; each query below says which of its ends it includes."""


def created_counts(session: Session, chosen: Counted, ranges: Sequence[Range]) -> list[int]:
    """Counted items created in each `[low, high)`."""

    def count(part: Selection, low: datetime, high: datetime) -> Select[Any]:
        c = part.at.columns
        return part.select(func.count(), first=(c.created_at >= low, c.created_at < high))

    return _counts(session, ranges, _over_parts(chosen, count))


def closed_counts(
    session: Session, chosen: Counted, state: str, ranges: Sequence[Range]
) -> list[int]:
    """History transitions of counted items into `state` in each `[low, high)`."""

    def count(part: Selection, low: datetime, high: datetime) -> Select[Any]:
        return (
            part.select(func.count())
            .join(HistoryEntry, HistoryEntry.item_id == Item.id)
            .where(
                HistoryEntry.field == "state",
                HistoryEntry.after == state,
                or_(HistoryEntry.before.is_(None), HistoryEntry.before != HistoryEntry.after),
                HistoryEntry.at >= low,
                HistoryEntry.at < high,
            )
        )

    return _counts(session, ranges, _over_parts(chosen, count))


def _over_parts(
    chosen: Counted, count: Callable[[Selection, datetime, datetime], Select[Any]]
) -> Callable[[datetime, datetime], Select[Any]]:
    """`count` over every part of `chosen`, summed: one index range per part and range."""

    def summed(low: datetime, high: datetime) -> Select[Any]:
        if len(chosen.parts) == 1:
            return count(chosen.parts[0], low, high)
        counts = [count(part, low, high).scalar_subquery() for part in chosen.parts]
        return select(sum(counts[1:], counts[0]))

    return summed


def closing_counts(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    state: str,
    ranges: Sequence[Range],
) -> list[int]:
    """`closed_counts` at now, from the closings kept at write time: transitions of items
    tracked now into `state` in each `[low, high)`. Only valid without an owner filter
    and when the items as they stand now answer for T (`metric_queries.rollups_answer`)."""
    c = Closing
    conditions = [c.state == state, c.tracked, c.source.in_(_sources(scope, filters))]
    fixed = fixed_conditions(None, filters.incident, filters.type)
    if fixed:
        conditions.append(c.item_id.in_(select(Item.id).where(*fixed)))
    return _counts(
        session,
        ranges,
        lambda low, high: select(func.count()).where(*conditions, c.at >= low, c.at < high),
    )


def _sources(scope: ItemScope, filters: MetricFilters) -> list[str]:
    return [filters.source] if filters.source else list(scope.sources)


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
    conditions = [s.source.in_(_sources(scope, filters))]
    fixed = fixed_conditions(None, filters.incident, filters.type)
    if fixed:
        conditions.append(s.item_id.in_(select(Item.id).where(*fixed)))

    def starting(low: datetime, high: datetime) -> Select[Any]:
        return select(func.count()).where(*conditions, s.start > low, s.start <= high)

    def ending(low: datetime, high: datetime) -> Select[Any]:
        return select(func.count()).where(*conditions, s.end > low, s.end <= high)

    sources = _sources(scope, filters)
    if _nearer_the_end(session, sources, since, ends[-1]):
        # At `since`: stretches open now, less those starting after it, plus those
        # ending after it; the ranges after `since` are then short.
        first = [
            select(func.count()).where(*conditions, s.end.is_(None)),
            select(func.count()).where(*conditions, s.start > since),
            select(func.count()).where(*conditions, s.end > since),
        ]
        open_now, started_after, ended_after = session.execute(
            select(*(statement.scalar_subquery() for statement in first))
        ).one()
        running = int(open_now) - int(started_after) + int(ended_after)
        edges = [since, *ends]
    else:  # at `since`: stretches started by then, less those ended by then
        running = 0
        edges = [datetime.min.replace(tzinfo=since.tzinfo), since, *ends]
    ranges = list(pairwise(edges))
    starts, stops = _counts(session, ranges, starting), _counts(session, ranges, ending)
    found = []
    for started, stopped in zip(starts, stops, strict=True):
        running += started - stopped
        found.append(running)
    return found[len(found) - len(ends) :]  # from the epoch, the first is the count at `since`


def _nearer_the_end(
    session: Session, sources: Sequence[str], since: datetime, end: datetime
) -> bool:
    """Whether `since` lies nearer `end` than the first stretch's start, so that fewer
    stretches start or end after it than before it (if they are spread evenly)."""
    firsts = [
        select(func.min(ActiveStretch.start))
        .where(ActiveStretch.source == source)
        .scalar_subquery()
        for source in sources
    ]
    if not firsts:
        return True
    found = [first for first in session.execute(select(*firsts)).one() if first is not None]
    return not found or end - since < since - min(found)


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
