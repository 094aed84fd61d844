"""Trends (CONTRACT §2): per week or month, items created, transitions into done and
wont_do, and the items counted and active at each period's end, from the history.

Everything is as seen at `as_of` = T: events after T are not counted, and a period ending
after T shows the active count at T. `created`, `done` and `wont_do` count items that count
at T (removed items never count); `active_at_end` counts items tracked at that end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from service.metrics.params import MetricFilters, Period
from service.store import metric_queries as q
from service.store import trend_queries as t
from service.store.item_queries import ItemScope


@dataclass(frozen=True)
class TrendPeriod:
    """One period of `GET /api/v1/trends`."""

    period_start: date
    created: int
    done: int
    wont_do: int
    active_at_end: int


def trends(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    as_of: datetime,
    periods: list[Period],
    *,
    now: datetime,
) -> list[TrendPeriod]:
    """One row per period, oldest first."""
    # Events after T do not count: no period's range reaches past T.
    until = as_of + timedelta(microseconds=1)
    ranges = [(period.start_at(), min(period.end_at(), until)) for period in periods]
    sources = [filters.source] if filters.source else list(scope.sources)
    with q.selected(session, scope, filters, as_of, now=now) as chosen:
        created = t.created_counts(session, chosen, ranges)
        if filters.owner is None and q.rollups_answer(session, sources, as_of, now):
            done = t.closing_counts(session, scope, filters, "done", ranges)
            wont_do = t.closing_counts(session, scope, filters, "wont_do", ranges)
        else:  # a past T or an owner filter: who counts is decided item by item
            done = t.closed_counts(session, chosen, "done", ranges)
            wont_do = t.closed_counts(session, chosen, "wont_do", ranges)
    ends = [min(period.end_at(), as_of) for period in periods]  # after T: T's count
    active = t.active_at(session, scope, filters, min(ranges[0][0], as_of), ends)
    return [
        TrendPeriod(period.start, *counts)
        for period, *counts in zip(periods, created, done, wont_do, active, strict=True)
    ]
