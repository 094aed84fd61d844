"""Sync figures for the Prometheus scrape, aggregated from the sync-runs table in SQL so
every replica exports the same values: runs by status, durations, requests by status code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, select, text
from sqlalchemy.orm import Session

from service.metrics.sqlfuncs import days_between
from service.store.models import SyncRun

FINISHED_STATUSES = ("success", "partial", "failed", "rate_limited")


@dataclass(frozen=True)
class Durations:
    """A histogram of finished runs' durations: cumulative counts per upper bound."""

    buckets: dict[float, int]
    count: int
    total_seconds: float


@dataclass(frozen=True)
class FinishedRuns:
    """Finished runs per (source, status), and per source the histogram of durations."""

    by_status: dict[tuple[str, str], int]
    durations: dict[str, Durations]


def finished_runs(
    session: Session, sources: Sequence[str], bounds: Sequence[float]
) -> FinishedRuns:
    """Finished runs per (source, status) and, per source, the histogram of the durations
    in seconds of those with a finish time: one statement grouped by source and status
    over the runs' durations, each computed once."""
    seconds = days_between(SyncRun.finished_at, SyncRun.started_at) * 86400.0
    runs = (
        select(SyncRun.source, SyncRun.status, seconds.label("seconds"))
        .where(SyncRun.source.in_(list(sources)), SyncRun.status.in_(FINISHED_STATUSES))
        .cte("finished")
        .prefix_with("MATERIALIZED")
    )
    timed = runs.c.seconds
    columns = [func.sum(case((timed <= bound, 1), else_=0)) for bound in bounds]
    rows = session.execute(
        select(runs.c.source, runs.c.status, func.count(), func.count(timed), func.sum(timed))
        .add_columns(*columns)
        .group_by(runs.c.source, runs.c.status)
    )
    by_status: dict[tuple[str, str], int] = {}
    held: dict[str, tuple[list[int], int, float]] = {}
    for source, status, n, count, total, *within in rows:
        by_status[(source, status)] = int(n)
        buckets, before, seconds_before = held.get(source, ([0] * len(bounds), 0, 0.0))
        summed = [a + int(b or 0) for a, b in zip(buckets, within, strict=True)]
        held[source] = (summed, before + int(count), seconds_before + float(total or 0.0))
    durations = {
        source: Durations(
            buckets=dict(zip(bounds, buckets, strict=True)),
            count=count,
            total_seconds=max(0.0, total),
        )
        for source, (buckets, count, total) in held.items()
        if count
    }
    return FinishedRuns(by_status, durations)


_REQUESTS = {
    "sqlite": (
        "SELECT r.source, j.key, SUM(CAST(j.value AS INTEGER)) "
        "FROM sync_runs AS r, json_each(r.request_statuses) AS j "
        "WHERE r.source IN :sources GROUP BY r.source, j.key"
    ),
    "postgresql": (
        "SELECT r.source, j.key, SUM(CAST(j.value AS BIGINT)) "
        "FROM sync_runs AS r, json_each_text(r.request_statuses) AS j "
        "WHERE r.source IN :sources GROUP BY r.source, j.key"
    ),
}


def requests_by_status(session: Session, sources: Sequence[str]) -> dict[tuple[str, str], int]:
    """Tracker requests per (source, HTTP status code), summed over every run."""
    if not sources:
        return {}
    dialect = session.get_bind().dialect.name
    statement = text(_REQUESTS[dialect]).bindparams(bindparam("sources", expanding=True))
    rows = session.execute(statement, {"sources": list(sources)})
    return {(source, str(code)): int(n) for source, code, n in rows}
