"""What each dashboard page shows, gathered from the services the API calls.

Nothing here computes a metric: summaries, rollups, trends, item views and the review
packet come from `service.metrics` and `service.review`, and source health from the same
function that answers `GET /api/v1/sources`. This module only picks, orders and charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from service.api.cursor import decode_cursor, encode_cursor
from service.api.routes.sources import list_sources
from service.api.schemas import SourceOut
from service.api.services import Services
from service.metrics import rollups
from service.metrics.items import ItemView, list_item_views
from service.metrics.params import Interval, MetricFilters, parse_periods, parse_window
from service.metrics.query import BadParameter, build_item_query, parse_choice
from service.metrics.rollups import IncidentRollup, OwnerRollup
from service.metrics.summary import AGE_BUCKETS, Summary, summary
from service.metrics.trends import TrendPeriod, trends
from service.review.packet import INCIDENT_BUCKETS, Packet, packet, parse_since
from service.web.charts import Chart, RowChart, Series, bar_chart, line_chart, row_chart
from service.web.params import PageFilters, form_values

TOP_INCIDENTS = 10
TOP_OVERDUE_OWNERS = 10
ITEMS_PER_PAGE = 100
DEFAULT_INTERVAL = Interval.MONTH
"""Twelve months show a year of incidents at a glance; weeks are one choice away."""

ACTIVE = Series("active", "Active items")
CREATED = Series("created", "Created")
DONE = Series("done", "Done")
WONT_DO = Series("wont_do", "Won't do")
OVERDUE = Series("overdue", "Overdue")


@dataclass(frozen=True)
class IncidentCounts:
    """How many incidents of the selection fall in each review bucket."""

    total: int
    all_closed: int
    none_closed: int
    missing_detection: int


@dataclass(frozen=True)
class Overview:
    """The `/` page: cards, charts, owners, incidents at a glance and source health."""

    summary: Summary
    age_chart: Chart
    interval: Interval
    trend: list[TrendPeriod]
    open_chart: Chart
    flow_chart: Chart
    owners: list[OwnerRollup]
    overdue_chart: RowChart
    incident_counts: IncidentCounts
    top_incidents: list[IncidentRollup]
    sources: list[SourceOut]


@dataclass(frozen=True)
class ItemsPage:
    """The `/items` page: one page of the items list and the link options for the next."""

    items: list[ItemView]
    options: dict[str, str]
    next_cursor: str | None


@dataclass(frozen=True)
class IncidentsPage:
    """The `/incidents` page: every incident of the selection, or one review bucket."""

    status: str
    incidents: list[IncidentRollup]
    counts: IncidentCounts


INCIDENT_STATUSES = ("all", *INCIDENT_BUCKETS)
ITEM_OPTIONS = ("state", "sort", "overdue", "stale", "flag", "key", "cursor")


def overview(
    session: Session, services: Services, filters: PageFilters, params: Mapping[str, str]
) -> Overview:
    """Everything `/` shows, for `filters` at their T."""
    now, as_of, metric = services.clock.now(), filters.as_of, filters.metric
    scope = services.scope
    interval_value = form_values(params, ("interval",)).get("interval")
    interval = parse_choice(Interval, interval_value, "interval") or DEFAULT_INTERVAL
    _, periods = parse_periods(interval.value, None, None, as_of)
    found = summary(session, scope, metric, as_of, parse_window(None, None, as_of), now=now)
    # Trends take no owner (owners change over time): the API's /trends has no owner filter.
    trend_filters = MetricFilters(source=metric.source, incident=metric.incident, type=metric.type)
    trend = trends(session, scope, trend_filters, as_of, periods, now=now)
    labels = [period_label(p.period_start, interval) for p in trend]
    owners = rollups.owners(session, scope, metric, as_of, now=now)
    overdue = sorted((o for o in owners if o.overdue), key=lambda o: (-o.overdue, o.owner))
    incidents = rollups.incidents(session, scope, metric, as_of, now=now)
    return Overview(
        summary=found,
        age_chart=bar_chart(
            [f"{bucket} days" for bucket in AGE_BUCKETS],
            [(ACTIVE, [found.age_buckets[bucket] for bucket in AGE_BUCKETS])],
        ),
        interval=interval,
        trend=trend,
        open_chart=line_chart(labels, [p.active_at_end for p in trend]),
        flow_chart=bar_chart(
            labels,
            [
                (CREATED, [p.created for p in trend]),
                (DONE, [p.done for p in trend]),
                (WONT_DO, [p.wont_do for p in trend]),
            ],
        ),
        owners=owners,
        overdue_chart=row_chart([(o.owner, o.overdue) for o in overdue[:TOP_OVERDUE_OWNERS]]),
        incident_counts=incident_counts(incidents),
        top_incidents=[i for i in incidents if i.active][:TOP_INCIDENTS],
        sources=sources(session, services, metric),
    )


def items_page(
    session: Session, services: Services, filters: PageFilters, params: Mapping[str, str]
) -> ItemsPage:
    """One page of items: the filters plus the list's own options (state, sort, …)."""
    now = services.clock.now()
    names = services.scope.sources
    options = form_values(params, ITEM_OPTIONS)
    cursor = options.pop("cursor", None)
    if cursor is None:
        query = build_item_query({**filters.sent, **options}, sources=names, now=now)
        after = None
    else:
        query, after = decode_cursor(cursor, sources=names, now=now)
    listing = list_item_views(
        session, query, services.scope, now=now, limit=ITEMS_PER_PAGE, after=after
    )
    next_cursor = None
    if listing.next_position is not None:
        next_cursor = encode_cursor(query, listing.next_position)
    return ItemsPage(listing.items, options, next_cursor)


def incidents_page(
    session: Session, services: Services, filters: PageFilters, params: Mapping[str, str]
) -> IncidentsPage:
    """Every incident of the selection, or those of one review bucket (`status`)."""
    status = form_values(params, ("status",)).get("status", "all")
    if status not in INCIDENT_STATUSES:
        raise BadParameter("status", f"{status!r} is not one of: {', '.join(INCIDENT_STATUSES)}")
    found = rollups.incidents(
        session, services.scope, filters.metric, filters.as_of, now=services.clock.now()
    )
    chosen = [i for i in found if status == "all" or INCIDENT_BUCKETS[status](i)]
    return IncidentsPage(status, chosen, incident_counts(found))


def review_page(
    session: Session, services: Services, filters: PageFilters, params: Mapping[str, str]
) -> Packet:
    """The review packet for the filters, with changes since `since` (default 14 days)."""
    since = parse_since(form_values(params, ("since",)).get("since"), filters.as_of)
    return packet(
        session, services.scope, filters.metric, filters.as_of, since, now=services.clock.now()
    )


def sources(session: Session, services: Services, filters: MetricFilters) -> list[SourceOut]:
    """Source health as `GET /api/v1/sources` reports it; only the filtered source if any."""
    found = list_sources(services, session).sources
    return [s for s in found if filters.source is None or s.name == filters.source]


def incident_counts(incidents: list[IncidentRollup]) -> IncidentCounts:
    """The review buckets' sizes (the packet's incident lists, counted)."""
    return IncidentCounts(
        total=len(incidents),
        all_closed=sum(INCIDENT_BUCKETS["all_closed"](i) for i in incidents),
        none_closed=sum(INCIDENT_BUCKETS["none_closed"](i) for i in incidents),
        missing_detection=sum(INCIDENT_BUCKETS["missing_detection"](i) for i in incidents),
    )


def period_label(start: date, interval: Interval) -> str:
    """A short axis label: "2 Mar" for a week, "Mar 26" for a month."""
    if interval is Interval.WEEK:
        return f"{start.day} {start:%b}"
    return f"{start:%b %y}"
