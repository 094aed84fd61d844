"""Repository for sync runs: open, progress, finish, and the queries the API reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store.models import RUNNING, Source, SyncRun
from service.store.run_metrics import count_finished

SUCCESS_STATUSES = ("success", "partial")
"""Finished runs that count as a success for `last_success_at` and the Prometheus gauge."""


def start(session: Session, source: str, now: datetime, *, full: bool, owner: str) -> SyncRun:
    """Open a run in status `running`, owned by the process named `owner`."""
    run = SyncRun(source=source, started_at=now, status=RUNNING, full=full, owner=owner)
    session.add(run)
    session.flush()
    return run


def running(session: Session, source: str) -> list[SyncRun]:
    """The open runs of `source`, oldest first (more than one only after a crash)."""
    return list(
        session.scalars(
            select(SyncRun)
            .where(SyncRun.source == source, SyncRun.status == RUNNING)
            .order_by(SyncRun.id)
        )
    )


def finish(session: Session, run: SyncRun, status: str, now: datetime) -> None:
    """Close `run` with its final `status` and add it to its source's counters; set every
    other field first, so the run is written closed once (a closed run is never updated)."""
    run.status = status
    run.finished_at = now
    session.flush()
    count_finished(session, run)


def interrupt(session: Session, run: SyncRun, now: datetime) -> None:
    """Close a run whose process stopped before it finished (its lease lapsed)."""
    run.error = "interrupted: the process running this sync stopped before it finished"
    run.error_kind = "interrupted"
    finish(session, run, "failed", now)


def get(session: Session, run_id: int) -> SyncRun | None:
    return session.get(SyncRun, run_id)


def recent(session: Session, sources: Sequence[str], limit: int) -> list[SyncRun]:
    """Newest runs first for the given sources."""
    return list(
        session.scalars(
            select(SyncRun)
            .where(SyncRun.source.in_(list(sources)))
            .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .limit(limit)
        )
    )


def latest_by_source(session: Session, sources: Sequence[str]) -> dict[str, SyncRun]:
    """The newest run of each source: one index lookup per source, however many runs."""
    newest = (
        select(SyncRun.id)
        .where(SyncRun.source == Source.name)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    ids = select(newest).where(Source.name.in_(list(sources)))
    rows = session.scalars(select(SyncRun).where(SyncRun.id.in_(ids)))
    return {run.source: run for run in rows}


def last_success_by_source(session: Session, sources: Sequence[str]) -> dict[str, datetime]:
    """When each source last finished a run that counts as a success: per source and
    status, the last finish is one lookup in the (source, status, finished_at) index."""
    latest = [
        select(func.max(SyncRun.finished_at))
        .where(SyncRun.source == Source.name, SyncRun.status == status)
        .scalar_subquery()
        for status in SUCCESS_STATUSES
    ]
    rows = session.execute(select(Source.name, *latest).where(Source.name.in_(list(sources))))
    found: dict[str, datetime] = {}
    for name, *finishes in rows:
        known = [finished for finished in finishes if finished is not None]
        if known:
            found[name] = max(known)
    return found


def running_sources(session: Session, sources: Sequence[str]) -> set[str]:
    """The sources among `sources` that have a run open."""
    return set(
        session.scalars(
            select(SyncRun.source)
            .where(SyncRun.source.in_(list(sources)), SyncRun.status == RUNNING)
            .distinct()
        )
    )


def last_reconciled_at(session: Session, source: str) -> datetime | None:
    """When a run of `source` last finished with a completed reconciliation: the newest
    such run, walking back from the newest run (a few steps when reconciliation is on
    schedule)."""
    finished: datetime | None = session.scalar(
        select(SyncRun.finished_at)
        .where(SyncRun.source == source, SyncRun.reconciled.is_(True))
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
    )
    return finished
