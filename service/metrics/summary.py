"""The summary (CONTRACT §2, §5): active counts, ages and their percentiles, age buckets,
types, and completion over a window, computed in the database at `as_of`.

Percentiles interpolate linearly between closest ranks (numpy's `linear`): PostgreSQL's
`percentile_cont` computes exactly that; elsewhere the database sorts once and returns
only the values at the ranks around each quantile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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


QUANTILES = (0.5, 0.9)


def quantile_ranks(n: int, quantiles: Sequence[float]) -> set[int]:
    """The ranks (0-based, of n sorted values) that the quantiles interpolate between."""
    positions = [(n - 1) * quantile for quantile in quantiles]
    return {min(rank, n - 1) for p in positions for rank in (math.floor(p), math.floor(p) + 1)}


def percentiles(
    n: int, quantiles: Sequence[float], values: Mapping[int, float]
) -> list[float | None]:
    """The quantiles of n sorted values, linearly interpolated between closest ranks, from
    the values at `quantile_ranks(n, quantiles)`. None when n is 0."""
    found: list[float | None] = []
    for quantile in quantiles:
        if n == 0:
            found.append(None)
            continue
        position = (n - 1) * quantile
        rank = math.floor(position)
        low, high = values[rank], values[min(rank + 1, n - 1)]
        found.append(interpolate(low, high, position - rank))
    return found


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
    with q.selected(session, scope, filters, as_of, now=now) as chosen:
        return _summary(session, chosen, scope.stale_after_days, window)


def _summary(session: Session, chosen: q.Counted, stale_after_days: int, window: Window) -> Summary:
    as_of = chosen.as_of
    if q.percentiles_in_database(session):
        figures = q.active_figures(session, chosen, stale_after_days, QUANTILES)
        counts = figures.counts
        active = counts["active"]
        age_p50, age_p90 = figures.age_quantiles
        oldest = _oldest(session, as_of, figures.oldest)
    else:
        counts = q.active_counts(session, chosen, stale_after_days)
        active = counts["active"]
        age_p50, age_p90, oldest = _active_ages(session, chosen, active)
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
            p50=age_p50,
            p90=age_p90,
            max=None if oldest is None else oldest.age_days,
        ),
        age_buckets=dict(zip(AGE_BUCKETS, buckets, strict=True)),
        by_type={kind: counts[kind] for kind in (*q.TYPES, "none")},
        completion=completion(session, chosen, window),
    )


def _active_ages(
    session: Session, chosen: q.Counted, active: int
) -> tuple[float | None, float | None, Oldest | None]:
    """p50 and p90 of the `active` items' ages at T, and the oldest of them, from the
    values at the ranks the quantiles need."""
    as_of = chosen.as_of
    last = {active - 1} if active else set()
    ranked = q.active_by_age(session, chosen, quantile_ranks(active, QUANTILES) | last)
    ages = {rank: definitions.age_days(row[0], as_of) for rank, row in ranked.items()}
    p50, p90 = percentiles(active, QUANTILES, ages)
    oldest = (ranked[active - 1][1], ranked[active - 1][0]) if active else None
    return p50, p90, _oldest(session, as_of, oldest)


def _oldest(session: Session, as_of: datetime, found: tuple[int, datetime] | None) -> Oldest | None:
    """The oldest active item from its (id, created_at)."""
    if found is None:
        return None
    item_id, created_at = found
    return Oldest(item_id, q.item_key(session, item_id), definitions.age_days(created_at, as_of))


def completion(session: Session, chosen: q.Counted, window: Window) -> Completion:
    """Completion, on-time rate and time to close over `[from, to)` at T."""
    cohort = q.cohort_counts(session, chosen, window.start, window.end)
    denominator = cohort.created - cohort.wont_do
    first_day, after_last_day = q.due_window(window.start, window.end, chosen.as_of)
    due, on_time = q.on_time_counts(session, chosen, first_day, after_last_day)
    if q.percentiles_in_database(session):
        p50, p90 = q.close_time_percentiles(session, chosen, window.start, window.end, QUANTILES)
    else:
        closed = q.closed_count(session, chosen, window.start, window.end)
        ranks = quantile_ranks(closed, QUANTILES)
        pairs = q.close_times_at_ranks(session, chosen, window.start, window.end, ranks)
        durations = {rank: definitions.age_days(c, r) for rank, (c, r) in pairs.items()}
        p50, p90 = percentiles(closed, QUANTILES, durations)

    return Completion(
        start=window.start,
        end=window.end,
        created=cohort.created,
        done=cohort.done,
        wont_do=cohort.wont_do,
        active=cohort.active,
        completion_rate=cohort.done / denominator if denominator else None,
        on_time_rate=on_time / due if due else None,
        time_to_close_days=Spread(p50=p50, p90=p90),
    )
