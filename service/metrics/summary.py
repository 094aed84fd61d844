"""The summary (CONTRACT §2, §5): active counts, ages and their percentiles, age buckets,
types, and completion over a window, computed in the database at `as_of`.

Percentiles interpolate linearly between closest ranks (numpy's `linear`): the database
returns only the two values around each rank.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service.metrics import definitions
from service.metrics.params import MetricFilters, Window
from service.store import metric_queries as q
from service.store.item_queries import ItemScope

AGE_BUCKETS = ("0-7", "8-30", "31-90", "91+")


@dataclass(frozen=True)
class Oldest:
    """The oldest active item at T."""

    id: int
    key: str
    age_days: float


@dataclass(frozen=True)
class Spread:
    """p50, p90 and (for ages) max; null over an empty set."""

    p50: float | None
    p90: float | None
    max: float | None = None


@dataclass(frozen=True)
class Completion:
    """Completion over the window `[start, end)` (shown as `from`, `to`)."""

    start: datetime
    end: datetime
    created: int
    done: int
    wont_do: int
    active: int
    completion_rate: float | None
    on_time_rate: float | None
    time_to_close_days: Spread


@dataclass(frozen=True)
class Summary:
    """The summary object of CONTRACT §5."""

    as_of: datetime
    active: int
    open: int
    in_progress: int
    blocked: int
    overdue: int
    stale: int
    unowned: int
    undated: int
    oldest: Oldest | None
    age_days: Spread
    age_buckets: dict[str, int]
    by_type: dict[str, int]
    completion: Completion


def percentile(n: int, q_: float, values_from: Callable[[int], list[float]]) -> float | None:
    """The q-quantile of n sorted values, linearly interpolated; `values_from(rank)` gives
    the values at `rank` and `rank + 1` (one at the end). None when n is 0."""
    if n == 0:
        return None
    position = (n - 1) * q_
    rank = math.floor(position)
    values = values_from(rank)
    low = values[0]
    high = values[1] if len(values) > 1 else low
    return interpolate(low, high, position - rank)


def interpolate(low: float, high: float, fraction: float) -> float:
    """numpy's linear interpolation between two neighbouring ranks."""
    if fraction >= 0.5:
        return high - (high - low) * (1 - fraction)
    return low + (high - low) * fraction


def summary(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    as_of: datetime,
    window: Window,
    *,
    now: datetime,
) -> Summary:
    """The summary object for `filters` at T, completion over `window`."""
    chosen = q.selection(scope, filters, as_of, now=now)
    counts = q.active_counts(session, chosen, scope.stale_after_days)
    active = counts["active"]

    def ages_from(rank: int) -> list[float]:
        created = q.active_created_at_from(session, chosen, rank)
        return [definitions.age_days(c, as_of) for c in created]

    found = q.oldest_active(session, chosen)
    oldest = None
    if found is not None:
        oldest = Oldest(found[0], found[1], definitions.age_days(found[2], as_of))
    edges = [counts[f"under_{days}"] for days in q.BUCKET_EDGES]
    buckets = [edges[0], edges[1] - edges[0], edges[2] - edges[1], active - edges[2]]
    return Summary(
        as_of=as_of,
        active=active,
        open=counts["open"],
        in_progress=counts["in_progress"],
        blocked=counts["blocked"],
        overdue=counts["overdue"],
        stale=counts["stale"],
        unowned=counts["unowned"],
        undated=counts["undated"],
        oldest=oldest,
        age_days=Spread(
            p50=percentile(active, 0.5, ages_from),
            p90=percentile(active, 0.9, ages_from),
            max=None if oldest is None else oldest.age_days,
        ),
        age_buckets=dict(zip(AGE_BUCKETS, buckets, strict=True)),
        by_type={kind: counts[kind] for kind in (*q.TYPES, "none")},
        completion=completion(session, chosen, window),
    )


def completion(session: Session, chosen: q.Selection, window: Window) -> Completion:
    """Completion, on-time rate and time to close over `[from, to)` at T."""
    cohort = q.cohort_counts(session, chosen, window.start, window.end)
    denominator = cohort.created - cohort.wont_do
    first_day, after_last_day = q.due_window(window.start, window.end, chosen.as_of)
    due, on_time = q.on_time_counts(session, chosen, first_day, after_last_day)
    closed = q.closed_count(session, chosen, window.start, window.end)

    def durations_from(rank: int) -> list[float]:
        pairs = q.close_times_from(session, chosen, window.start, window.end, rank)
        return [definitions.age_days(created, resolved) for created, resolved in pairs]

    return Completion(
        start=window.start,
        end=window.end,
        created=cohort.created,
        done=cohort.done,
        wont_do=cohort.wont_do,
        active=cohort.active,
        completion_rate=cohort.done / denominator if denominator else None,
        on_time_rate=on_time / due if due else None,
        time_to_close_days=Spread(
            p50=percentile(closed, 0.5, durations_from),
            p90=percentile(closed, 0.9, durations_from),
        ),
    )
