"""The dashboard's routes: `/`, `/items`, `/incidents`, `/review` and the stylesheet.

Each page parses the shared filters, asks `service.web.views` for its content and renders
a template. A bad parameter is a 400 page naming it, as the API's 400 does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from service.api.deps import PageAccess, ServicesDep, SessionDep
from service.api.services import Services
from service.metrics.query import BadParameter
from service.web import views
from service.web.params import PageFilters, form_values, page_filters
from service.web.render import render, stylesheet

router = APIRouter(include_in_schema=False, dependencies=[PageAccess])

Build = Callable[[Session, Services, PageFilters, dict[str, str]], Any]
PAGES = (
    ("overview", "/", "Overview"),
    ("items", "/items", "Items"),
    ("incidents", "/incidents", "Incidents"),
    ("review", "/review", "Review"),
)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, services: ServicesDep, session: SessionDep) -> HTMLResponse:
    """Cards, charts, owners, incidents at a glance and source health."""
    return _page(request, services, session, "overview", views.overview, ("interval",))


@router.get("/items", response_class=HTMLResponse)
def items(request: Request, services: ServicesDep, session: SessionDep) -> HTMLResponse:
    """The items list with its filters, each linked back to its tracker."""
    return _page(request, services, session, "items", views.items_page, views.ITEM_OPTIONS)


@router.get("/incidents", response_class=HTMLResponse)
def incidents(request: Request, services: ServicesDep, session: SessionDep) -> HTMLResponse:
    """Incidents with their closure and missing types."""
    return _page(request, services, session, "incidents", views.incidents_page, ("status",))


@router.get("/review", response_class=HTMLResponse)
def review(request: Request, services: ServicesDep, session: SessionDep) -> HTMLResponse:
    """The review packet: overdue, blocked, stale, hygiene, incidents, themes, changes."""
    return _page(request, services, session, "review", views.review_page, ("since",))


@router.get("/static/dashboard.css")
def css() -> Response:
    """The dashboard's one stylesheet."""
    return Response(
        stylesheet(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


def _page(
    request: Request,
    services: Services,
    session: Session,
    name: str,
    build: Build,
    options: tuple[str, ...],
) -> HTMLResponse:
    """Render page `name` with what `build` gathers; a 400 page for a bad parameter."""
    params = dict(request.query_params)
    context: dict[str, Any] = {
        "page": name,
        "pages": PAGES,
        "sources": list(services.scope.sources),
        "options": form_values(params, options),
        "stale_after_days": services.scope.stale_after_days,
    }
    try:
        filters = page_filters(params, services.scope.sources, services.clock.now())
        data = build(session, services, filters, params)
    except BadParameter as bad:
        context |= {"filters": None, "error": bad}
        return HTMLResponse(render("error.html", context), status_code=400)
    context |= {"filters": filters, "data": data}
    return HTMLResponse(render(f"{name}.html", context))
