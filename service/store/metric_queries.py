"""Read-side SQL for the aggregates: summary counts, ranks for percentiles, completion,
incident and owner rollups, and per-source figures for the Prometheus scrape.

Every query starts from `item_queries.items_at`, so `as_of`, history and the filters mean
exactly what they mean in the items list. Aggregation happens in the database; Python only
receives counts and the few rows a percentile needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from service.metrics.definitions import (
    ACTIVE_STATES,
    ALL_STATES,
    active_sql,
    overdue_sql,
    stale_sql,
    undated_sql,
    unowned_sql,
    utc_date,
)
from service.metrics.params import MetricFilters
from service.metrics.people import People
from service.metrics.sqlfuncs import days_between
from service.store.item_queries import ItemsAt, ItemScope, filter_conditions, items_at
from service.store.models import Item, ItemOwner
from service.store.types import UTCDateTime

TYPES = ("prevention", "detection", "mitigation", "process")
BUCKET_EDGES = (8, 31, 91)
"""Ages (whole days) at which the next age bucket starts: 0-7, 8-30, 31-90, 91+."""


@dataclass(frozen=True)
class Selection:
    """The items that count at T under the filters: `at` plus the filter conditions."""

    at: ItemsAt
    conditions: tuple[ColumnElement[bool], ...]
    as_of: datetime

    def select(self, *entities: Any) -> Select[Any]:
        return self.at.select(*entities).where(*self.conditions)


def selection(
    scope: ItemScope, filters: MetricFilters, as_of: datetime, *, now: datetime
) -> Selection:
    """The counted items at T (never removed ones) that pass `filters`."""
    at = items_at(list(scope.sources), as_of, now=now)
    conditions = filter_conditions(at, filters.item_query(as_of), scope)
    return Selection(at, tuple(conditions), as_of)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def active_counts(session: Session, chosen: Selection, stale_after_days: int) -> dict[str, int]:
    """Counts over the active items: per state, overdue, stale, unowned, undated, per type
    (`none` for untyped) and per age bucket."""
    c, as_of = chosen.at.columns, chosen.as_of
    columns: dict[str, ColumnElement[int]] = {"active": func.count()}
    for state in ACTIVE_STATES:
        columns[state] = _count(c.state == state)
    columns["overdue"] = _count(overdue_sql(c, as_of))
    columns["stale"] = _count(stale_sql(c, as_of, stale_after_days))
    columns["unowned"] = _count(unowned_sql(c))
    columns["undated"] = _count(undated_sql(c))
    for kind in TYPES:
        columns[kind] = _count(c.type == kind)
    columns["none"] = _count(c.type.is_(None))
    for days in BUCKET_EDGES:
        columns[f"under_{days}"] = _count(c.created_at > as_of - timedelta(days=days))
    statement = chosen.select(*(v.label(k) for k, v in columns.items())).where(active_sql(c))
    row = session.execute(statement).one()
    return {name: int(value) for name, value in zip(columns, row, strict=True)}


def oldest_active(session: Session, chosen: Selection) -> tuple[int, str, datetime] | None:
    """(id, key, created_at) of the oldest active item; ties go to the lowest id."""
    c = chosen.at.columns
    row = session.execute(
        chosen.select(Item.id, Item.key, c.created_at)
        .where(active_sql(c))
        .order_by(c.created_at, Item.id)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def active_created_at_from(session: Session, chosen: Selection, rank: int) -> list[datetime]:
    """`created_at` of the active items at ascending-age ranks `rank` and `rank + 1`."""
    c = chosen.at.columns
    statement = (
        chosen.select(c.created_at)
        .where(active_sql(c))
        .order_by(c.created_at.desc(), Item.id)
        .offset(rank)
        .limit(2)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True)
class CohortCounts:
    """Items created in the window, by their state at T."""

    created: int
    done: int
    wont_do: int
    active: int


def cohort_counts(
    session: Session, chosen: Selection, start: datetime, end: datetime
) -> CohortCounts:
    """The completion cohort: counted items with `created_at` in `[start, end)`."""
    c = chosen.at.columns
    row = session.execute(
        chosen.select(
            func.count(),
            _count(c.state == "done"),
            _count(c.state == "wont_do"),
            _count(active_sql(c)),
        ).where(c.created_at >= start, c.created_at < end)
    ).one()
    return CohortCounts(*(int(value) for value in row))


def on_time_counts(
    session: Session, chosen: Selection, first_day: date, after_last_day: date
) -> tuple[int, int]:
    """(items due in `[first_day, after_last_day)`, of which done by their due date)."""
    c = chosen.at.columns
    resolved_day = func.date(Item.resolved_at, type_=Date)
    on_time = and_(c.state == "done", Item.resolved_at.is_not(None), resolved_day <= c.due_date)
    row = session.execute(
        chosen.select(func.count(), _count(on_time)).where(
            c.due_date.is_not(None), c.due_date >= first_day, c.due_date < after_last_day
        )
    ).one()
    return int(row[0]), int(row[1])


def _closed_in(chosen: Selection, start: datetime, end: datetime) -> Select[Any]:
    c = chosen.at.columns
    return chosen.select().where(
        c.state == "done",
        Item.resolved_at.is_not(None),
        Item.resolved_at >= start,
        Item.resolved_at < end,
    )


def closed_count(session: Session, chosen: Selection, start: datetime, end: datetime) -> int:
    """Done items resolved in `[start, end)`."""
    statement = _closed_in(chosen, start, end).add_columns(func.count())
    return int(session.execute(statement).scalar_one())


def close_times_from(
    session: Session, chosen: Selection, start: datetime, end: datetime, rank: int
) -> list[tuple[datetime, datetime]]:
    """(created_at, resolved_at) of done items resolved in the window, at time-to-close
    ranks `rank` and `rank + 1` (shortest first)."""
    c = chosen.at.columns
    duration = days_between(Item.resolved_at, c.created_at)
    statement = (
        _closed_in(chosen, start, end)
        .add_columns(c.created_at, Item.resolved_at)
        .order_by(duration, Item.id)
        .offset(rank)
        .limit(2)
    )
    return [(row[0], row[1]) for row in session.execute(statement)]


@dataclass(frozen=True)
class IncidentRow:
    """One incident's counts at T; `types` are the types of its items that are not wont_do."""

    ref: str
    items: int
    active: int
    done: int
    wont_do: int
    oldest_active_created_at: datetime | None
    types: list[str]


def incident_rows(
    session: Session,
    chosen: Selection,
    *,
    all_closed: bool | None = None,
    none_closed: bool | None = None,
) -> list[IncidentRow]:
    """Counted items with an incident ref, grouped by ref; `active` descending, then ref."""
    c = chosen.at.columns
    active = func.sum(case((active_sql(c), 1), else_=0))
    closed = func.sum(case((c.state.in_(("done", "wont_do")), 1), else_=0))
    typed = [_count(and_(c.type == kind, c.state != "wont_do")) for kind in TYPES]
    statement = (
        chosen.select(
            c.incident,
            func.count(),
            active,
            _count(c.state == "done"),
            _count(c.state == "wont_do"),
            func.min(case((active_sql(c), c.created_at), else_=None), type_=UTCDateTime()),
            *typed,
        )
        .where(c.incident.is_not(None))
        .group_by(c.incident)
        .order_by(active.desc(), c.incident)
    )
    if all_closed is not None:
        statement = statement.having((active == 0) if all_closed else (active > 0))
    if none_closed is not None:
        statement = statement.having((closed == 0) if none_closed else (closed > 0))
    return [
        IncidentRow(
            ref=row[0],
            items=int(row[1]),
            active=int(row[2]),
            done=int(row[3]),
            wont_do=int(row[4]),
            oldest_active_created_at=row[5],
            types=[kind for kind, n in zip(TYPES, row[6:], strict=True) if n],
        )
        for row in session.execute(statement)
    ]


@dataclass(frozen=True)
class OwnerRow:
    """One owner's active items at T (an item with several owners counts for each)."""

    owner: str
    active: int
    overdue: int
    stale: int
    oldest_active_created_at: datetime


def owner_rows(
    session: Session, chosen: Selection, stale_after_days: int, people: People, owner: str | None
) -> list[OwnerRow]:
    """Owners of active items (joined by the people map), `active` descending, then owner.

    `owner` keeps only the rows of that person (a name, key or alias, case-insensitively).
    Owners at a past T follow `items_at`: the current owners while the first is unchanged.
    """
    at, as_of = chosen.at, chosen.as_of
    c = at.columns
    held = at.from_clause.outerjoin(
        ItemOwner, and_(ItemOwner.item_id == Item.id, c.owner == Item.owner)
    )
    name = func.coalesce(ItemOwner.owner, c.owner)
    shown = _displayed(name, people)

    def distinct_items(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(func.distinct(case((condition, Item.id), else_=None)))

    active = func.count(func.distinct(Item.id))
    statement = (
        select(
            shown,
            active,
            distinct_items(overdue_sql(c, as_of)),
            distinct_items(stale_sql(c, as_of, stale_after_days)),
            func.min(c.created_at),
        )
        .select_from(held)
        .where(*at.where, *chosen.conditions, active_sql(c), name.is_not(None))
        .group_by(shown)
        .order_by(active.desc(), shown)
    )
    if owner is not None:
        statement = statement.where(func.lower(name).in_(people.names_for(owner)))
    return [
        OwnerRow(row[0], int(row[1]), int(row[2]), int(row[3]), row[4])
        for row in session.execute(statement)
    ]


def _displayed(name: ColumnElement[Any], people: People) -> ColumnElement[Any]:
    """`name` as the people map shows it: its key for any of its names."""
    groups = [
        (func.lower(name).in_({key.lower(), *(a.lower() for a in aliases)}), literal(key))
        for key, aliases in people.groups.items()
    ]
    return case(*groups, else_=name) if groups else name


@dataclass(frozen=True)
class SourceFigures:
    """Per-source gauges for the scrape, at now."""

    states: dict[str, int]
    overdue: int
    stale: int
    oldest_active_created_at: datetime | None
    cohort: int
    cohort_done: int
    cohort_wont_do: int


def source_figures(
    session: Session,
    sources: Sequence[str],
    now: datetime,
    stale_after_days: int,
    cohort_start: datetime,
) -> dict[str, SourceFigures]:
    """Items per state, overdue, stale, oldest active and the completion cohort since
    `cohort_start`, per source: three grouped queries, each over a covering index."""
    at = items_at(list(sources), now, now=now)
    c = at.columns
    states: dict[str, dict[str, int]] = {source: dict.fromkeys(ALL_STATES, 0) for source in sources}
    for source, state, n in session.execute(
        at.select(Item.source, c.state, func.count()).group_by(Item.source, c.state)
    ):
        states[source][state] = int(n)
    active: dict[str, tuple[int, int, datetime | None]] = {}
    for source, overdue, stale, oldest in session.execute(
        at.select(
            Item.source,
            _count(overdue_sql(c, now)),
            _count(stale_sql(c, now, stale_after_days)),
            func.min(c.created_at),
        )
        .where(active_sql(c))
        .group_by(Item.source)
    ):
        active[source] = (int(overdue), int(stale), oldest)
    cohort: dict[str, tuple[int, int, int]] = {}
    for source, created, done, wont_do in session.execute(
        at.select(
            Item.source, func.count(), _count(c.state == "done"), _count(c.state == "wont_do")
        )
        .where(c.created_at >= cohort_start)
        .group_by(Item.source)
    ):
        cohort[source] = (int(created), int(done), int(wont_do))
    return {
        source: SourceFigures(
            states[source],
            *active.get(source, (0, 0, None)),
            *cohort.get(source, (0, 0, 0)),
        )
        for source in sources
    }


def due_window(first: datetime, end: datetime, as_of: datetime) -> tuple[date, date]:
    """On-time due dates: `from`'s date ≤ d < min(`to`'s date, T's date)."""
    return utc_date(first), min(utc_date(end), utc_date(as_of))
