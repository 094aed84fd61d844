"""Liveness and readiness: open to all, for orchestrators' probes."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import ServicesDep
from service.api.errors import unavailable
from service.api.schemas import ErrorResponse, HealthStatus

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> HealthStatus:
    """200 while the process runs."""
    return HealthStatus()


@router.get(
    "/readyz",
    responses={503: {"model": ErrorResponse, "description": "Database down or not migrated"}},
)
def readyz(services: ServicesDep) -> HealthStatus:
    """200 when the database answers and its schema is at head (trackers do not count)."""
    if not services.database_ready():
        raise unavailable("the database is unreachable or its schema is not at head")
    return HealthStatus()
