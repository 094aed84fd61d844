"""The FastAPI application: `create_app(settings)` wires routes, errors, auth and lifespan.

Nothing happens at import time; the engine is created (and later disposed) by the app
unless one is handed in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from connectors.base import Connector
from connectors.registry import load_connectors
from service.api.deps import ReadAccess
from service.api.errors import install_error_handlers
from service.api.hygiene import HeadAsGetMiddleware, NulQueryMiddleware
from service.api.openapi import install_openapi
from service.api.openapi import router as openapi_router
from service.api.ratelimit import RateLimitMiddleware, TokenBuckets
from service.api.routes import health, items, metrics, prometheus, review, runs, sources
from service.api.schemas import ErrorResponse
from service.api.services import Services
from service.clock import Clock, SystemClock
from service.config import Settings
from service.db import make_engine, make_session_factory
from service.logs import RequestLogMiddleware
from service.metrics.items import item_scope
from service.metrics.prometheus import ScrapeCache
from service.scheduler import Scheduler
from service.sync.runner import SyncRunner
from service.web import pages as dashboard

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
    scheduler: bool = False,
) -> FastAPI:
    """The API for `settings`; `engine`, `clock` and `connectors` are injectable for tests.
    With `scheduler`, the app polls its sources while it runs (started and stopped, after
    the current pages, by the lifespan)."""
    owns_engine = engine is None
    db = make_engine(settings.database_url) if engine is None else engine
    time = clock or SystemClock()
    sessions = make_session_factory(db)
    runner = SyncRunner(
        sessions,
        time,
        load_connectors() if connectors is None else connectors,
        lease_ttl=settings.lease_ttl,
    )
    services = Services(
        settings=settings,
        engine=db,
        sessions=sessions,
        clock=time,
        runner=runner,
        scope=item_scope(settings),
        scheduler=Scheduler(settings, runner, sessions, time) if scheduler else None,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if services.scheduler is not None:
            services.scheduler.start()
        yield
        if services.scheduler is not None:
            await run_in_threadpool(services.scheduler.stop)
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
    app.state.scrape_cache = ScrapeCache(time)
    install_error_handlers(app)
    app.add_middleware(NulQueryMiddleware)  # the last added runs first: the log sees all
    if settings.api.rate_limit is not None:
        buckets = TokenBuckets(settings.api.rate_limit, time)
        app.add_middleware(RateLimitMiddleware, buckets=buckets, api=settings.api)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(RequestLogMiddleware)
    api = APIRouter(prefix=API_PREFIX, dependencies=[ReadAccess], responses=UNAUTHORIZED)
    for module in (sources, runs, items, metrics, review):
        api.include_router(module.router)
    app.include_router(health.router)
    app.include_router(prometheus.router)
    app.include_router(api)
    app.include_router(openapi_router)
    app.include_router(dashboard.router)
    install_openapi(
        app,
        sources=[source.name for source in settings.sources],
        rate_limited=settings.api.rate_limit is not None,
    )
    return app
