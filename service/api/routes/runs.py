"""Sync runs, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import ServicesDep, SessionDep
from service.api.schemas import SyncRunList, SyncRunOut
from service.metrics.query import BadParameter
from service.store import runs as run_store

router = APIRouter(tags=["sync runs"])


@router.get("/sync-runs")
def list_runs(
    services: ServicesDep,
    session: SessionDep,
    source: Annotated[str | None, Query(description="Only this configured source")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SyncRunList:
    """Runs of configured sources, newest first."""
    names = [s.name for s in services.settings.sources]
    if source is not None:
        if source not in names:
            known = ", ".join(names) or "none"
            raise BadParameter("source", f"unknown source {source!r} (configured: {known})")
        names = [source]
    runs = run_store.recent(session, names, limit)
    return SyncRunList(runs=[SyncRunOut.model_validate(run) for run in runs])
