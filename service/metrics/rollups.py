"""Incident and owner rollups at `as_of` (CONTRACT §2, §5): which incidents have every item
closed or none, which types they lack, and who owns what."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from service.metrics import definitions
from service.metrics.params import MetricFilters
from service.store import metric_queries as q
from service.store.item_queries import ItemScope


@dataclass(frozen=True)
class IncidentRollup:
    """One incident's row of `GET /api/v1/incidents`."""

    ref: str
    items: int
    active: int
    done: int
    wont_do: int
    all_closed: bool
    none_closed: bool
    oldest_active_age_days: float | None
    types: list[str]
    missing_types: list[str]


@dataclass(frozen=True)
class OwnerRollup:
    """One owner's row of `GET /api/v1/owners`."""

    owner: str
    active: int
    overdue: int
    stale: int
    oldest_active_age_days: float


@dataclass(frozen=True)
class IncidentPage:
    """One page of incidents and, when more follow, the position to continue after."""

    incidents: list[IncidentRollup]
    next_position: q.IncidentPosition | None


def incidents(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    as_of: datetime,
    *,
    now: datetime,
    all_closed: bool | None = None,
    none_closed: bool | None = None,
) -> list[IncidentRollup]:
    """Every incident of the counted items, `active` descending then ref."""
    cut = q.IncidentSlice(all_closed, none_closed)
    return incident_page(session, scope, filters, as_of, now=now, cut=cut).incidents


def incident_page(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    as_of: datetime,
    *,
    now: datetime,
    cut: q.IncidentSlice,
) -> IncidentPage:
    """The slice `cut` of the incidents of the counted items, `active` descending then ref.

    At now only the source and incident filters apply, and the per-source rollups kept at
    write time answer; a past T groups the items valued at T.
    """
    limit = cut.limit
    if limit is not None:  # one more row tells whether another page follows
        cut = replace(cut, limit=limit + 1)
    sources = [filters.source] if filters.source else list(scope.sources)
    plain = filters.owner is None and filters.type is None
    if plain and q.rollups_answer(session, sources, as_of, now):
        rows = q.incident_rollup_rows(session, sources, filters.incident, cut)
    else:
        with q.selected(session, scope, filters, as_of, now=now) as chosen:
            rows = q.incident_rows(session, chosen, cut)
    more = limit is not None and len(rows) > limit
    rows = rows[:limit]
    return IncidentPage(
        [_incident(row, as_of) for row in rows],
        (rows[-1].active, rows[-1].ref) if more else None,
    )


def _incident(row: q.IncidentRow, as_of: datetime) -> IncidentRollup:
    return IncidentRollup(
        ref=row.ref,
        items=row.items,
        active=row.active,
        done=row.done,
        wont_do=row.wont_do,
        all_closed=row.active == 0,
        none_closed=row.items == row.active,
        oldest_active_age_days=(
            None
            if row.oldest_active_created_at is None
            else definitions.age_days(row.oldest_active_created_at, as_of)
        ),
        types=row.types,
        missing_types=[kind for kind in q.TYPES if kind not in row.types],
    )


def owners(
    session: Session,
    scope: ItemScope,
    filters: MetricFilters,
    as_of: datetime,
    *,
    now: datetime,
) -> list[OwnerRollup]:
    """Owners of active items at T (people-map keys for aliases), `active` descending."""
    items_filter = MetricFilters(
        source=filters.source, incident=filters.incident, type=filters.type
    )
    with q.selected(session, scope, items_filter, as_of, now=now) as chosen:
        rows = q.owner_rows(session, chosen, scope.stale_after_days, scope.people, filters.owner)
    return [
        OwnerRollup(
            owner=row.owner,
            active=row.active,
            overdue=row.overdue,
            stale=row.stale,
            oldest_active_age_days=definitions.age_days(row.oldest_active_created_at, as_of),
        )
        for row in rows
    ]
