"""Configured sources with their sync status, and triggering a sync."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path

from service.api.deps import AdminAccess, ServicesDep, SessionDep
from service.api.errors import conflict, not_found
from service.api.schemas import ErrorResponse, SourceList, SourceOut, SourceStatus, SyncStarted
from service.store import item_queries
from service.store import leases as lease_store
from service.store import runs as run_store
from service.store.models import SyncRun
from service.sync.runner import SyncAlreadyRunning

router = APIRouter(tags=["sources"])

OK_STATUSES = frozenset({"success", "partial", "rate_limited"})


@router.get("/sources")
def list_sources(services: ServicesDep, session: SessionDep) -> SourceList:
    """Every configured source, in config order. A source is syncing while its lease is
    held; `next_run_at` comes from this process's scheduler (null when it runs none)."""
    names = [source.name for source in services.settings.sources]
    running = run_store.running_sources(session, names) & lease_store.held_sources(session, names)
    scheduler = services.scheduler
    latest = run_store.latest_by_source(session, names)
    succeeded = run_store.last_success_by_source(session, names)
    counts = item_queries.tracked_counts(session, names)
    return SourceList(
        sources=[
            SourceOut(
                name=source.name,
                kind=source.kind,
                status=source_status(source.name in running, latest.get(source.name)),
                items=counts.get(source.name, 0),
                last_sync_started_at=_started(latest.get(source.name)),
                last_success_at=succeeded.get(source.name),
                last_error=_error(latest.get(source.name)),
                next_run_at=None if scheduler is None else scheduler.next_run_at(source.name),
            )
            for source in services.settings.sources
        ]
    )


@router.post(
    "/sources/{name}/sync",
    status_code=202,
    dependencies=[AdminAccess],
    responses={
        403: {"model": ErrorResponse, "description": "Not an admin token"},
        404: {"model": ErrorResponse, "description": "No such source"},
        409: {"model": ErrorResponse, "description": "A sync of this source is running"},
    },
)
def trigger_sync(
    name: Annotated[str, Path(description="A configured source name")],
    services: ServicesDep,
    background: BackgroundTasks,
) -> SyncStarted:
    """Start a sync of one source in the background; answers at once with the run id.

    The run takes the source's lease, so it never overlaps a sync on any replica (409)."""
    source = services.settings.source(name)
    if source is None:
        raise not_found(f"no configured source named {name!r}")
    try:
        run_id = services.runner.open_run(source)
    except SyncAlreadyRunning:
        raise conflict(f"a sync of {name!r} is already running") from None
    background.add_task(services.runner.run, run_id, source)
    return SyncStarted(run_id=run_id)


def source_status(running: bool, last: SyncRun | None) -> SourceStatus:
    """CONTRACT §5: syncing while a run is open, else from the last run."""
    if running:
        return "syncing"
    if last is None:
        return "never_synced"
    if last.status in OK_STATUSES:
        return "ok"
    if last.error_kind == "misconfigured":
        return "misconfigured"
    return "failing"


def _started(run: SyncRun | None) -> datetime | None:
    return None if run is None else run.started_at


def _error(run: SyncRun | None) -> str | None:
    return None if run is None else run.error
