"""Sync figures for the Prometheus scrape, from the sync-runs table so every replica exports
the same values: runs by status, durations, requests by status code.

Finished runs never change, so what they add to each counter is kept as running totals in
`sync_counters`, written in the transaction that finishes the run (`count_finished`); a
scrape reads those few rows plus the runs still open, never every run ever recorded.
`rebuild_counters` derives the same totals from the runs themselves (the migration's
backfill, and the tests' check that the running totals never drift).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.store.models import RUNNING, SyncCounter, SyncRun

FINISHED_STATUSES = ("success", "partial", "failed", "rate_limited")
DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
"""Upper bounds, in seconds, of the run-duration histogram (CONTRACT §6)."""

RUNS = "runs"  # label: the run's status
REQUESTS = "requests"  # label: the HTTP status code
DURATION_BUCKET = "duration_le"  # label: the bucket's upper bound; cumulative
DURATION_COUNT = "duration_count"
DURATION_SUM = "duration_sum"

Increment = tuple[str, str, float]  # counter name, label, amount


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


def increments(run: SyncRun) -> list[Increment]:
    """What one finished `run` adds to its source's counters."""
    added: list[Increment] = [(RUNS, run.status, 1.0)]
    added += [(REQUESTS, str(code), float(n)) for code, n in run.request_statuses.items() if n]
    if run.finished_at is not None:
        seconds = max(0.0, (run.finished_at - run.started_at).total_seconds())
        added += [(DURATION_COUNT, "", 1.0), (DURATION_SUM, "", seconds)]
        added += [(DURATION_BUCKET, repr(b), 1.0) for b in DURATION_BUCKETS if seconds <= b]
    return added


def count_finished(session: Session, run: SyncRun) -> None:
    """Add `run`, just finished, to its source's counters (in the caller's transaction)."""
    _add(session, run.source, increments(run))


def rebuild_counters(session: Session) -> None:
    """Recompute every counter from the finished runs (one pass, `yield_per` batches)."""
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    finished = select(SyncRun).where(SyncRun.status != RUNNING).execution_options(yield_per=5000)
    for run in session.scalars(finished):
        for name, label, amount in increments(run):
            totals[(run.source, name, label)] += amount
    session.execute(delete(SyncCounter))
    rows = [{"source": s, "name": n, "label": lab, "value": v} for (s, n, lab), v in totals.items()]
    if rows:
        session.execute(insert(SyncCounter), rows)


def finished_runs(session: Session, sources: Sequence[str]) -> FinishedRuns:
    """Finished runs per (source, status) and, per source, the histogram of durations."""
    counters = _counters(session, sources, (RUNS, DURATION_BUCKET, DURATION_COUNT, DURATION_SUM))
    by_status = {(s, label): int(v) for (s, name, label), v in counters.items() if name == RUNS}
    durations: dict[str, Durations] = {}
    for source in sources:
        count = int(counters.get((source, DURATION_COUNT, ""), 0))
        if count:
            durations[source] = Durations(
                buckets={
                    b: int(counters.get((source, DURATION_BUCKET, repr(b)), 0))
                    for b in DURATION_BUCKETS
                },
                count=count,
                total_seconds=counters.get((source, DURATION_SUM, ""), 0.0),
            )
    return FinishedRuns(by_status, durations)


def requests_by_status(session: Session, sources: Sequence[str]) -> dict[tuple[str, str], int]:
    """Tracker requests per (source, HTTP status code): the finished runs' totals plus what
    the open runs have sent so far."""
    found: dict[tuple[str, str], int] = defaultdict(int)
    for (source, _, code), n in _counters(session, sources, (REQUESTS,)).items():
        found[(source, code)] += int(n)
    open_runs = session.execute(
        select(SyncRun.source, SyncRun.request_statuses).where(
            SyncRun.source.in_(list(sources)), SyncRun.status == RUNNING
        )
    )
    for source, statuses in open_runs:
        for code, n in statuses.items():
            found[(source, str(code))] += int(n)
    return dict(found)


def _counters(
    session: Session, sources: Sequence[str], names: Iterable[str]
) -> dict[tuple[str, str, str], float]:
    rows = session.execute(
        select(SyncCounter.source, SyncCounter.name, SyncCounter.label, SyncCounter.value).where(
            SyncCounter.source.in_(list(sources)), SyncCounter.name.in_(list(names))
        )
    )
    return {(source, name, label): float(value) for source, name, label, value in rows}


def _add(session: Session, source: str, added: Iterable[Increment]) -> None:
    """Add each amount to its counter, creating it at 0 first: one upsert statement."""
    rows = [{"source": source, "name": n, "label": lab, "value": v} for n, lab, v in added]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert(SyncCounter)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["source", "name", "label"],
            set_={"value": SyncCounter.value + statement.excluded.value},
        ),
        rows,
    )
