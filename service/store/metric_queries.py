"""Read-side SQL for the aggregates: summary counts, ranks for percentiles, completion,
incident and owner rollups, and per-source figures for the Prometheus scrape.

Every query starts from `item_queries.items_at`, so `as_of`, history and the filters mean
exactly what they mean in the items list. Aggregation happens in the database; Python only
receives counts and the few rows a percentile needs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, case, func, literal, or_, select
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
from service.store.models import IncidentRollup, Item, ItemOwner
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

    def select(self, *entities: Any, first: Sequence[ColumnElement[bool]] = ()) -> Select[Any]:
        """A statement over the selection; `first` conditions lead the WHERE clause, since
        SQLite bounds an index range by the first bound it meets on the column, so a
        narrow range must come before `created_at <= T`."""
        at = self.at
        return (
            select(*entities).select_from(at.from_clause).where(*first, *at.where, *self.conditions)
        )


def selection(
    scope: ItemScope, filters: MetricFilters, as_of: datetime, *, now: datetime
) -> Selection:
    """The counted items at T (never removed ones) that pass `filters`."""
    at = items_at(list(scope.sources), as_of, now=now)
    conditions = filter_conditions(at, filters.item_query(as_of), scope)
    return Selection(at, tuple(conditions), as_of)


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def active_counts(session: Session, chosen: Selection, stale_after_days: int) -> dict[str, int]:
    """Counts over the active items: per state, overdue, stale, unowned, undated, per type
    (`none` for untyped) and per age bucket."""
    c, as_of = chosen.at.columns, chosen.as_of
    columns: dict[str, ColumnElement[int]] = {"active": func.count()}
    for state in ACTIVE_STATES:
        columns[state] = count_where(c.state == state)
    columns["overdue"] = count_where(overdue_sql(c, as_of))
    columns["stale"] = count_where(stale_sql(c, as_of, stale_after_days))
    columns["unowned"] = count_where(unowned_sql(c))
    columns["undated"] = count_where(undated_sql(c))
    for kind in TYPES:
        columns[kind] = count_where(c.type == kind)
    columns["none"] = count_where(c.type.is_(None))
    for days in BUCKET_EDGES:
        columns[f"under_{days}"] = count_where(c.created_at > as_of - timedelta(days=days))
    statement = chosen.select(*(v.label(k) for k, v in columns.items())).where(active_sql(c))
    row = session.execute(statement).one()
    return {name: int(value) for name, value in zip(columns, row, strict=True)}


def active_by_age(
    session: Session, chosen: Selection, ranks: Collection[int]
) -> dict[int, tuple[datetime, int]]:
    """(created_at, id) of the active items at these ascending-age ranks, from one sort
    over index columns: rank 0 is the youngest, the last rank the oldest (ties to the
    lowest id)."""
    c = chosen.at.columns
    order = (c.created_at.desc(), Item.id.desc())
    statement = chosen.select(c.created_at, Item.id).where(active_sql(c))
    rows = _at_ranks(session, statement, order, ranks)
    return {rank: (row[0], row[1]) for rank, row in rows.items()}


def item_key(session: Session, item_id: int) -> str:
    """The current key of a mirrored item."""
    return session.execute(select(Item.key).where(Item.id == item_id)).scalar_one()


def _at_ranks(
    session: Session,
    statement: Select[Any],
    order: tuple[ColumnElement[Any], ...],
    ranks: Collection[int],
) -> dict[int, tuple[Any, ...]]:
    """`statement`'s rows at these ranks (0-based) in `order`."""
    if not ranks:
        return {}
    ranked = statement.add_columns(
        (func.row_number().over(order_by=order) - 1).label("rank")
    ).subquery()
    *columns, rank = ranked.c
    rows = session.execute(select(rank, *columns).where(rank.in_(sorted(ranks))))
    return {int(row[0]): tuple(row[1:]) for row in rows}


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
            count_where(c.state == "done"),
            count_where(c.state == "wont_do"),
            count_where(active_sql(c)),
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
        chosen.select(func.count(), count_where(on_time)).where(
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


def close_times_at_ranks(
    session: Session, chosen: Selection, start: datetime, end: datetime, ranks: Collection[int]
) -> dict[int, tuple[datetime, datetime]]:
    """(created_at, resolved_at) of done items resolved in the window, at these
    time-to-close ranks (0 is the quickest), from one sort."""
    c = chosen.at.columns
    duration = days_between(Item.resolved_at, c.created_at)
    statement = _closed_in(chosen, start, end).add_columns(c.created_at, Item.resolved_at)
    rows = _at_ranks(session, statement, (duration, Item.id.expression), ranks)
    return {rank: (row[0], row[1]) for rank, row in rows.items()}


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


IncidentPosition = tuple[int, str]
"""Where an incidents page ends: (active, ref) of its last row."""


@dataclass(frozen=True)
class IncidentSlice:
    """Which incidents to list: filters on their counts, and the keyset page."""

    all_closed: bool | None = None
    none_closed: bool | None = None
    after: IncidentPosition | None = None
    limit: int | None = None


def incident_rows(
    session: Session,
    chosen: Selection,
    cut: IncidentSlice = IncidentSlice(),
) -> list[IncidentRow]:
    """Counted items with an incident ref, grouped by ref; `active` descending, then ref;
    the slice `cut` of them."""
    c = chosen.at.columns
    active = count_where(active_sql(c))
    closed = count_where(c.state.in_(("done", "wont_do")))
    statement = (
        chosen.select(
            c.incident,
            func.count(),
            active,
            count_where(c.state == "done"),
            count_where(c.state == "wont_do"),
            func.min(case((active_sql(c), c.created_at), else_=None), type_=UTCDateTime()),
            *(count_where(and_(c.type == kind, c.state != "wont_do")) for kind in TYPES),
        )
        .where(c.incident.is_not(None))
        .group_by(c.incident)
    )
    statement = _incident_page(statement, c.incident, active, closed, cut)
    return [_incident_row(row) for row in session.execute(statement)]


def rollups_answer(
    session: Session, sources: Sequence[str], as_of: datetime, now: datetime
) -> bool:
    """Whether the incident rollups (items as they stand now) answer for T: T is not in
    the past and no tracked item was created after T."""
    if as_of < now:
        return False
    later = session.execute(
        select(Item.id)
        .where(Item.source.in_(list(sources)), Item.removed_at.is_(None), Item.created_at > as_of)
        .limit(1)
    ).first()
    return later is None


def incident_rollup_rows(
    session: Session,
    sources: Sequence[str],
    incident: str | None,
    cut: IncidentSlice = IncidentSlice(),
) -> list[IncidentRow]:
    """`incident_rows` at now, summed from the per-source rollups (see `rollups_answer`)."""
    r = IncidentRollup
    active = func.sum(r.active)
    closed = func.sum(r.done + r.wont_do)
    statement = (
        select(
            r.incident,
            func.sum(r.items),
            active,
            func.sum(r.done),
            func.sum(r.wont_do),
            func.min(r.oldest_active_created_at, type_=UTCDateTime()),
            *(func.sum(getattr(r, kind)) for kind in TYPES),
        )
        .where(r.source.in_(list(sources)))
        .group_by(r.incident)
    )
    if incident is not None:
        statement = statement.where(r.incident == incident)
    statement = _incident_page(statement, r.incident.expression, active, closed, cut)
    return [_incident_row(row) for row in session.execute(statement)]


def _incident_page(
    statement: Select[Any],
    ref: ColumnElement[Any],
    active: ColumnElement[Any],
    closed: ColumnElement[Any],
    cut: IncidentSlice,
) -> Select[Any]:
    """The filters on an incident's counts, its order (`active` descending, then ref) and
    the keyset page of `cut`."""
    if cut.all_closed is not None:
        statement = statement.having((active == 0) if cut.all_closed else (active > 0))
    if cut.none_closed is not None:
        statement = statement.having((closed == 0) if cut.none_closed else (closed > 0))
    if cut.after is not None:
        last_active, last_ref = cut.after
        statement = statement.having(
            or_(active < last_active, and_(active == last_active, ref > last_ref))
        )
    return statement.order_by(active.desc(), ref).limit(cut.limit)


def _incident_row(row: Any) -> IncidentRow:
    return IncidentRow(
        ref=row[0],
        items=int(row[1]),
        active=int(row[2]),
        done=int(row[3]),
        wont_do=int(row[4]),
        oldest_active_created_at=row[5],
        types=[kind for kind, n in zip(TYPES, row[6:], strict=True) if n],
    )


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
            count_where(overdue_sql(c, now)),
            count_where(stale_sql(c, now, stale_after_days)),
            func.min(c.created_at),
        )
        .where(active_sql(c))
        .group_by(Item.source)
    ):
        active[source] = (int(overdue), int(stale), oldest)
    cohort: dict[str, tuple[int, int, int]] = {}
    for source, created, done, wont_do in session.execute(
        at.select(
            Item.source,
            func.count(),
            count_where(c.state == "done"),
            count_where(c.state == "wont_do"),
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
