"""Repository for sync runs: open, progress, finish, and the queries the API reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store.models import SyncRun

RUNNING = "running"


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


def interrupt(run: SyncRun, now: datetime) -> None:
    """Close a run whose process stopped before it finished (its lease lapsed)."""
    run.status = "failed"
    run.finished_at = now
    run.error = "interrupted: the process running this sync stopped before it finished"
    run.error_kind = "interrupted"


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
    """The newest run of each source."""
    newest = (
        select(SyncRun.source, func.max(SyncRun.id).label("id"))
        .where(SyncRun.source.in_(list(sources)))
        .group_by(SyncRun.source)
        .subquery()
    )
    rows = session.scalars(select(SyncRun).join(newest, SyncRun.id == newest.c.id))
    return {run.source: run for run in rows}


def last_success_by_source(session: Session, sources: Sequence[str]) -> dict[str, datetime]:
    """When each source last finished a run that counts as a success."""
    rows = session.execute(
        select(SyncRun.source, func.max(SyncRun.finished_at))
        .where(
            SyncRun.source.in_(list(sources)),
            SyncRun.status.in_(["success", "partial"]),
        )
        .group_by(SyncRun.source)
    ).all()
    return {source: finished for source, finished in rows if finished is not None}


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
    """When a run of `source` last finished with a completed reconciliation."""
    finished: datetime | None = session.scalar(
        select(func.max(SyncRun.finished_at)).where(
            SyncRun.source == source, SyncRun.reconciled.is_(True)
        )
    )
    return finished
