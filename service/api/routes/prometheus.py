"""`GET /metrics`: the Prometheus exposition (CONTRACT §6), behind the read-token rule."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from service.api.deps import ReadAccess, ServicesDep
from service.metrics import prometheus

router = APIRouter(tags=["prometheus"], dependencies=[ReadAccess])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {prometheus.CONTENT_TYPE: {}}, "description": "Text format"}},
)
def scrape(request: Request, services: ServicesDep) -> PlainTextResponse:
    """Gauges of the mirror at now and counters from the sync-runs table, cached ~15 s."""
    cache: prometheus.ScrapeCache = request.app.state.scrape_cache

    def compute(now: datetime) -> str:
        with services.sessions() as session:
            return prometheus.render(prometheus.families(session, services.scope, now))

    return PlainTextResponse(cache.get(compute), media_type=prometheus.CONTENT_TYPE)
