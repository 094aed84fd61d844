"""Trends (CONTRACT §2): per week or month, items created, transitions into done and
wont_do, and the items counted and active at each period's end, from the history.

Everything is as seen at `as_of` = T: events after T are not counted, and a period ending
after T shows the active count at T. `created`, `done` and `wont_do` count items that count
at T (removed items never count); `active_at_end` counts items tracked at that end.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate

from sqlalchemy.orm import Session

from service.metrics.params import Interval, MetricFilters, Period
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
    unit: Interval,
    periods: list[Period],
    *,
    now: datetime,
) -> list[TrendPeriod]:
    """One row per period, oldest first."""
    chosen = q.selection(scope, filters, as_of, now=now)
    start, end = periods[0].start_at(), periods[-1].end_at()
    created = t.created_per_period(session, chosen, unit, start, end)
    closed = t.closed_per_period(session, chosen, unit, start, end)
    until = min(as_of, end)
    deltas = t.active_deltas(session, t.item_conditions(scope, filters), unit, start, until)
    active = active_at_ends(deltas, periods, until)
    return [
        TrendPeriod(
            period_start=period.start,
            created=created.get(period.start, 0),
            done=closed.get((period.start, "done"), 0),
            wont_do=closed.get((period.start, "wont_do"), 0),
            active_at_end=count,
        )
        for period, count in zip(periods, active, strict=True)
    ]


def active_at_ends(
    deltas: dict[date, t.BucketDelta], periods: list[Period], until: datetime
) -> list[int]:
    """Items counted and active at each period's end (at `until` when that is earlier):
    changes in earlier buckets plus those exactly at the end instant."""
    days = sorted(deltas)
    running = list(accumulate((deltas[day].total for day in days), initial=0))
    found = []
    for period in periods:
        if period.end_at() > until:
            found.append(running[-1])
            continue
        exact = deltas.get(period.end)
        found.append(running[bisect_left(days, period.end)] + (exact.at_start if exact else 0))
    return found
