"""The review packet (CONTRACT §5): JSON, or Markdown for `Accept: text/markdown`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from service.api.deps import ServicesDep, SessionDep
from service.api.review_schemas import ReviewOut
from service.api.routes.metrics import AsOfQuery, FiltersDep
from service.metrics.params import parse_as_of
from service.review.markdown import render
from service.review.packet import packet, parse_since

router = APIRouter(tags=["review"])

MARKDOWN = "text/markdown"


@router.get(
    "/review",
    response_model=ReviewOut,
    responses={
        200: {
            "content": {MARKDOWN: {"schema": {"type": "string"}}},
            "description": "The packet as JSON, or as a Markdown agenda for "
            "`Accept: text/markdown`",
        }
    },
)
def get_review(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    filters: FiltersDep,
    as_of: AsOfQuery = None,
    since: Annotated[
        str | None,
        Query(description="Start of the changes section (the last review); default as_of - 14d"),
    ] = None,
) -> ReviewOut | Response:
    """Overdue, blocked, stale, hygiene findings, incidents, themes and what changed since
    `since`, for the items the filters select at `as_of`."""
    now = services.clock.now()
    instant = parse_as_of(as_of, now)
    start = parse_since(since, instant)
    found = packet(session, services.scope, filters, instant, start, now=now)
    if MARKDOWN in request.headers.get("accept", ""):
        return Response(render(found), media_type=f"{MARKDOWN}; charset=utf-8")
    return ReviewOut.model_validate(found)
