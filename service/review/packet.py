"""The review packet (CONTRACT §5): what a biweekly review of the open incident actions
walks through, computed at `as_of` from the mirror and its history.

Every number reuses the metrics' definitions: the counts are the summary's active counts,
the lists are item views (`service.metrics.items`) filtered by their own `overdue`,
`stale` and flags, and the incident lists are the incident rollups. Lists are complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.metrics import rollups
from service.metrics.definitions import FlagCode
from service.metrics.items import ItemView, list_item_views
from service.metrics.params import MetricFilters
from service.metrics.query import BadParameter, ItemFilters, ItemQuery, Sort, parse_instant
from service.metrics.rollups import IncidentRollup
from service.review.changes import Changes, changes
from service.review.themes import Theme, ThemeCandidate, themes
from service.store import metric_queries
from service.store.item_queries import ItemScope

DEFAULT_PERIOD = timedelta(days=14)
PAGE = 500
NOT_HYGIENE = frozenset({FlagCode.STALE})
"""Flags the packet lists elsewhere rather than under hygiene (stale has its own list)."""
INCIDENT_BUCKETS: dict[str, Callable[[IncidentRollup], bool]] = {
    "all_closed": lambda incident: incident.all_closed,
    "none_closed": lambda incident: incident.none_closed,
    "missing_detection": lambda incident: "detection" in incident.missing_types,
}
"""The packet's incident lists, each by the rule that puts an incident in it."""


@dataclass(frozen=True)
class ReviewCounts:
    """The headline numbers: the summary's active counts plus the packet's own lists."""

    active: int
    open: int
    in_progress: int
    blocked: int
    overdue: int
    stale: int
    unowned: int
    undated: int
    policy_overdue: int
    hygiene: int
    themes: int
    created: int
    closed: int
    done: int
    wont_do: int
    reopened: int
    newly_overdue: int
    slipped: int


@dataclass(frozen=True)
class Packet:
    """The review packet of CONTRACT §5."""

    as_of: datetime
    since: datetime
    counts: ReviewCounts
    overdue: list[ItemView]
    blocked: list[ItemView]
    stale: list[ItemView]
    hygiene: list[ItemView]
    incidents_all_closed: list[IncidentRollup]
    incidents_none_closed: list[IncidentRollup]
    incidents_missing_detection: list[IncidentRollup]
    themes: list[Theme]
    changes: Changes


def parse_since(value: str | None, as_of: datetime) -> datetime:
    """`since`: an instant no later than T; default 14 days before T."""
    since = as_of - DEFAULT_PERIOD if value is None else parse_instant(value, "since")
    if since > as_of:
        raise BadParameter("since", f"{since.isoformat()} is after as_of ({as_of.isoformat()})")
    return since


def packet(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    as_of: datetime,
    since: datetime,
    *,
    now: datetime,
) -> Packet:
    """The packet for the items `filters` select, at T, with changes since `since`."""
    active = list(_active_views(session, scope, filters, as_of, now=now))
    chosen = metric_queries.selection(scope, filters, as_of, now=now)
    counts = metric_queries.active_counts(session, chosen, scope.stale_after_days)
    incidents = rollups.incidents(session, scope, filters, as_of, now=now)
    found_changes = changes(session, scope, filters, since, as_of, now=now)
    overdue = sorted((v for v in active if v.overdue), key=lambda v: (-(v.days_overdue or 0), v.id))
    hygiene = [v for v in active if any(f.code not in NOT_HYGIENE for f in v.flags)]
    found_themes = themes(
        ThemeCandidate(v.id, v.key, v.title, v.incident) for v in active if v.incident is not None
    )
    closed = found_changes.closed
    return Packet(
        as_of=as_of,
        since=since,
        counts=ReviewCounts(
            active=counts["active"],
            open=counts["open"],
            in_progress=counts["in_progress"],
            blocked=counts["blocked"],
            overdue=counts["overdue"],
            stale=counts["stale"],
            unowned=counts["unowned"],
            undated=counts["undated"],
            policy_overdue=sum(_has(v, FlagCode.POLICY_OVERDUE) for v in active),
            hygiene=len(hygiene),
            themes=len(found_themes),
            created=len(found_changes.created),
            closed=len(closed),
            done=sum(i.state == "done" for i in closed),
            wont_do=sum(i.state == "wont_do" for i in closed),
            reopened=len(found_changes.reopened),
            newly_overdue=len(found_changes.newly_overdue),
            slipped=len(found_changes.slipped),
        ),
        overdue=overdue,
        blocked=[v for v in active if v.state == "blocked"],
        stale=sorted((v for v in active if v.stale), key=lambda v: (v.updated_at, v.id)),
        hygiene=hygiene,
        incidents_all_closed=[i for i in incidents if INCIDENT_BUCKETS["all_closed"](i)],
        incidents_none_closed=[i for i in incidents if INCIDENT_BUCKETS["none_closed"](i)],
        incidents_missing_detection=[
            i for i in incidents if INCIDENT_BUCKETS["missing_detection"](i)
        ],
        themes=found_themes,
        changes=found_changes,
    )


def _has(view: ItemView, code: FlagCode) -> bool:
    return any(f.code is code for f in view.flags)


def _active_views(
    session: Session, scope: ItemScope, filters: MetricFilters, as_of: datetime, *, now: datetime
) -> Iterator[ItemView]:
    """Every active item the filters select at T, oldest first, a page at a time."""
    query = ItemQuery(
        ItemFilters(
            owner=filters.owner, source=filters.source, incident=filters.incident, type=filters.type
        ),
        Sort.OLDEST_FIRST,
        as_of,
    )
    after: list[object] | None = None
    while True:
        listing = list_item_views(session, query, scope, now=now, limit=PAGE, after=after)
        yield from listing.items
        if listing.next_position is None:
            return
        after = list(listing.next_position)
