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


def runs_by_status(session: Session, sources: Sequence[str]) -> dict[tuple[str, str], int]:
    """Finished runs per (source, status)."""
    rows = session.execute(
        select(SyncRun.source, SyncRun.status, func.count())
        .where(SyncRun.source.in_(list(sources)), SyncRun.status.in_(FINISHED_STATUSES))
        .group_by(SyncRun.source, SyncRun.status)
    )
    return {(source, status): int(n) for source, status, n in rows}


def durations(
    session: Session, sources: Sequence[str], bounds: Sequence[float]
) -> dict[str, Durations]:
    """Per source, the histogram of finished runs' durations in seconds."""
    seconds = days_between(SyncRun.finished_at, SyncRun.started_at) * 86400.0
    columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in bounds]
    rows = session.execute(
        select(SyncRun.source, func.count(), func.sum(seconds), *columns)
        .where(
            SyncRun.source.in_(list(sources)),
            SyncRun.status.in_(FINISHED_STATUSES),
            SyncRun.finished_at.is_not(None),
        )
        .group_by(SyncRun.source)
    )
    return {
        row[0]: Durations(
            buckets={bound: int(n) for bound, n in zip(bounds, row[3:], strict=True)},
            count=int(row[1]),
            total_seconds=max(0.0, float(row[2] or 0.0)),
        )
        for row in rows
    }


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
