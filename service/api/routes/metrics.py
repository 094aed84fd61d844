"""The aggregates: summary, incidents, owners and trends (CONTRACT §2, §5), all at `as_of`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.api.cursor import malformed, pinned, seal
from service.api.deps import ServicesDep, SessionDep
from service.api.schemas import (
    IncidentList,
    IncidentOut,
    OwnerList,
    OwnerOut,
    SummaryOut,
    TrendList,
    TrendPeriodOut,
)
from service.metrics import rollups
from service.metrics.params import (
    Interval,
    MetricFilters,
    parse_as_of,
    parse_filters,
    parse_periods,
    parse_window,
)
from service.metrics.query import Boolean, TypeFilter, parse_bool
from service.metrics.summary import summary
from service.metrics.trends import trends
from service.store.metric_queries import IncidentPosition, IncidentSlice

router = APIRouter(tags=["metrics"])

INCIDENTS = "incidents"
DEFAULT_INCIDENTS = 1000
MAX_INCIDENTS = 5000

AS_OF = "A date (00:00 UTC) or ISO 8601 date-time (no offset = UTC); default now"
SourceQuery = Annotated[str | None, Query(description="A configured source name")]
OwnerQuery = Annotated[
    str | None, Query(description="Any owner, case-insensitive, or a people key or alias")
]
IncidentQuery = Annotated[str | None, Query(description="An incident ref, e.g. INC-481")]
TypeQuery = Annotated[TypeFilter | None, Query(description="An item type; `none` = untyped")]
AsOfQuery = Annotated[str | None, Query(description=AS_OF)]


def _filters(
    services: ServicesDep,
    source: SourceQuery = None,
    owner: OwnerQuery = None,
    incident: IncidentQuery = None,
    type: TypeQuery = None,
) -> MetricFilters:
    raw = {"source": source, "owner": owner, "incident": incident, "type": type}
    return parse_filters(
        {k: None if v is None else str(v) for k, v in raw.items()}, services.scope.sources
    )


FiltersDep = Annotated[MetricFilters, Depends(_filters)]


@router.get("/metrics/summary")
def get_summary(
    services: ServicesDep,
    session: SessionDep,
    filters: FiltersDep,
    as_of: AsOfQuery = None,
    start: Annotated[
        str | None,
        Query(alias="from", description="Completion window start; default 90 days before `to`"),
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", description="Completion window end (exclusive); default T")
    ] = None,
) -> SummaryOut:
    """Counts, ages and buckets over active items at `as_of`; completion over `[from, to)`."""
    now = services.clock.now()
    instant = parse_as_of(as_of, now)
    window = parse_window(start, end, instant)
    found = summary(session, services.scope, filters, instant, window, now=now)
    return SummaryOut.model_validate(found)


@router.get("/incidents")
def list_incidents(
    services: ServicesDep,
    session: SessionDep,
    source: SourceQuery = None,
    incident: IncidentQuery = None,
    all_closed: Annotated[
        Boolean | None, Query(description="Only incidents with (true) or without every item closed")
    ] = None,
    none_closed: Annotated[
        Boolean | None, Query(description="Only incidents with (true) or without no item closed")
    ] = None,
    as_of: AsOfQuery = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_INCIDENTS, description="Incidents per page (1–5000)")
    ] = DEFAULT_INCIDENTS,
    cursor: Annotated[
        str | None, Query(description="A next_cursor; pins the filters and as_of")
    ] = None,
) -> IncidentList:
    """Items with an incident ref at `as_of`, grouped by ref: `active` descending, then ref.

    Lists longer than `limit` come in pages: follow `next_cursor` until it is null.
    """
    now = services.clock.now()
    sent = {"source": source, "incident": incident, "all_closed": all_closed}
    sent |= {"none_closed": none_closed}
    canonical = {name: str(value) for name, value in sent.items() if value is not None}
    if as_of is not None:
        canonical["as_of"] = parse_as_of(as_of, now).isoformat()
    params, position = pinned(INCIDENTS, cursor, canonical)
    instant = parse_as_of(params.get("as_of"), now)
    filters = parse_filters(params, services.scope.sources)
    cut = IncidentSlice(
        all_closed=parse_bool(params.get("all_closed"), "all_closed"),
        none_closed=parse_bool(params.get("none_closed"), "none_closed"),
        after=_incident_position(position),
        limit=limit,
    )
    found = rollups.incident_page(session, services.scope, filters, instant, now=now, cut=cut)
    next_cursor = None
    if found.next_position is not None:
        pins = params | {"as_of": instant.isoformat()}
        next_cursor = seal(INCIDENTS, pins, list(found.next_position))
    return IncidentList(
        as_of=instant,
        incidents=[IncidentOut.model_validate(i) for i in found.incidents],
        next_cursor=next_cursor,
    )


def _incident_position(position: list[object] | None) -> IncidentPosition | None:
    if position is None:
        return None
    match position:
        case [int(active), str(ref)]:
            return active, ref
    raise malformed()


@router.get("/owners")
def list_owners(
    services: ServicesDep, session: SessionDep, filters: FiltersDep, as_of: AsOfQuery = None
) -> OwnerList:
    """Owners of active items at `as_of` (an item with several owners counts for each);
    `active` descending, then owner. `owner=` keeps that person's row."""
    now = services.clock.now()
    instant = parse_as_of(as_of, now)
    found = rollups.owners(session, services.scope, filters, instant, now=now)
    return OwnerList(as_of=instant, owners=[OwnerOut.model_validate(o) for o in found])


@router.get("/trends")
def list_trends(
    services: ServicesDep,
    session: SessionDep,
    interval: Annotated[
        Interval, Query(description="`week` (from Monday 00:00 UTC) or `month`")
    ] = Interval.WEEK,
    start: Annotated[
        str | None,
        Query(alias="from", description="Range start; default 12 periods before `to`"),
    ] = None,
    end: Annotated[str | None, Query(alias="to", description="Range end; default T")] = None,
    source: SourceQuery = None,
    incident: IncidentQuery = None,
    type: TypeQuery = None,
    as_of: AsOfQuery = None,
) -> TrendList:
    """Whole periods covering `[from, to)` (at most 520): created, done and wont_do events
    per period, and the items counted and active at each period's end."""
    now = services.clock.now()
    instant = parse_as_of(as_of, now)
    unit, periods = parse_periods(interval.value, start, end, instant)
    raw = {"source": source, "incident": incident, "type": None if type is None else type.value}
    filters = parse_filters(raw, services.scope.sources)
    found = trends(session, services.scope, filters, instant, periods, now=now)
    return TrendList(
        as_of=instant,
        interval=unit.value,
        periods=[TrendPeriodOut.model_validate(p) for p in found],
    )
