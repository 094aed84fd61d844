"""The FastAPI application: `create_app(settings)` wires routes, errors, auth and lifespan.

Nothing happens at import time; the engine is created (and later disposed) by the app
unless one is handed in.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from connectors.base import Connector
from connectors.registry import load_connectors
from service.api.deps import ReadAccess
from service.api.errors import install_error_handlers
from service.api.openapi import install_openapi
from service.api.openapi import router as openapi_router
from service.api.routes import health, items, runs, sources
from service.api.schemas import ErrorResponse
from service.api.services import Services
from service.clock import Clock, SystemClock
from service.config import Settings
from service.db import make_engine, make_session_factory
from service.metrics.items import item_scope
from service.migrate import is_at_head
from service.store import runs as run_store
from service.sync.owner import is_other_live_process
from service.sync.runner import SyncRunner

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or unknown token"}
}


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    connectors: Mapping[str, type[Connector]] | None = None,
) -> FastAPI:
    """The API for `settings`; `engine`, `clock` and `connectors` are injectable for tests."""
    owns_engine = engine is None
    db = make_engine(settings.database_url) if engine is None else engine
    time = clock or SystemClock()
    sessions = make_session_factory(db)
    services = Services(
        settings=settings,
        engine=db,
        sessions=sessions,
        clock=time,
        runner=SyncRunner(sessions, time, load_connectors() if connectors is None else connectors),
        scope=item_scope(settings),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(_close_orphaned_runs, services)
        yield
        if owns_engine:
            db.dispose()

    app = FastAPI(
        title="followthrough",
        version="0.1.0",
        description="Incident action items mirrored from trackers, with their metrics.",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX, dependencies=[ReadAccess], responses=UNAUTHORIZED)
    for module in (sources, runs, items):
        api.include_router(module.router)
    app.include_router(health.router)
    app.include_router(api)
    app.include_router(openapi_router)
    install_openapi(app)
    return app


def _close_orphaned_runs(services: Services) -> None:
    """Close runs left `running` by a process that no longer runs (one that crashed)."""
    try:
        if not is_at_head(services.engine):
            return
        with services.sessions.begin() as session:
            closed = run_store.interrupt_orphans(
                session, services.clock.now(), alive=is_other_live_process
            )
    except SQLAlchemyError:
        log.warning("could not close orphaned sync runs at start-up", exc_info=True)
        return
    if closed:
        log.warning("closed %d sync run(s) left running by a stopped process", closed)
