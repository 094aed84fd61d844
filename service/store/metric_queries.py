"""Read-side SQL for the aggregates: summary counts, ranks for percentiles, completion,
incident and owner rollups, and per-source figures for the Prometheus scrape.

Every query starts from `item_queries.items_at`, so `as_of`, history and the filters mean
exactly what they mean in the items list. Aggregation happens in the database; Python only
receives counts and the few rows a percentile needs. The counted items come as disjoint
parts (`Counted`): each statement reads every part's rows and aggregates them together.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from service.metrics.definitions import (
    ACTIVE_STATES,
    ALL_STATES,
    ItemColumns,
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
from service.store.item_queries import (
    ItemsAt,
    ItemScope,
    changed_values_at,
    filter_conditions,
    items_at,
    items_at_split,
)
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


@dataclass(frozen=True)
class Counted:
    """The counted items at T under the filters, as disjoint parts: one at now; at a past T
    the items unchanged since T (answered from the index ranges of the present) and those
    changed after it (see `selected`)."""

    parts: tuple[Selection, ...]
    as_of: datetime

    def rows(self, row: Callable[[Selection], Select[Any]]) -> Subquery:
        """The rows `row` selects from each part (same labelled columns), as one subquery
        for a statement to aggregate."""
        statements = [row(part) for part in self.parts]
        if len(statements) == 1:
            return statements[0].subquery("counted")
        return union_all(*statements).subquery("counted")


@contextmanager
def selected(
    session: Session, scope: ItemScope, filters: MetricFilters, as_of: datetime, *, now: datetime
) -> Iterator[Counted]:
    """The counted items that pass `filters` at T. At a past T, the values at T of the
    items whose history goes on after T are computed once into a temporary table for the
    statements of one request, and every other item is read as it stands now; the table is
    dropped on a normal exit."""
    if as_of >= now:
        yield Counted((selection(scope, filters, as_of, now=now),), as_of)
        return
    sources = list(scope.sources)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # For this request's transaction: these statements' estimated costs pass
        # `jit_above_cost` while they run in well under a second, so compiling them (about
        # 0.2 s) costs more than it saves; and the changed items, a few percent of the
        # table, are joined to their rows by primary key, which the default
        # `random_page_cost` (set for spinning disks) prices above reading the whole table.
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL random_page_cost = 1.1"))
    table = _changed_table()
    table.drop(connection, checkfirst=True)  # left by a request that failed (SQLite)
    table.create(connection)
    values = changed_values_at(sources, as_of)
    session.execute(insert(table).from_select(CHANGED_COLUMNS, values))
    if connection.dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {table.name}"))
    query = filters.item_query(as_of)
    parts = tuple(
        Selection(at, tuple(filter_conditions(at, query, scope)), as_of)
        for at in items_at_split(sources, as_of, table)
    )
    yield Counted(parts, as_of)
    # Not after an error: PostgreSQL's rollback drops the table, and a failed
    # transaction would refuse the DROP and hide the error.
    table.drop(connection)


CHANGED_COLUMNS = ("item_id", "state", "owner", "due_date", "tracked")


def _changed_table() -> Table:
    """The temporary table `selected` fills from `item_queries.changed_values_at`."""
    return Table(
        "ft_changed_at",
        MetaData(),
        Column("item_id", Integer, primary_key=True),
        Column("state", String(20)),
        Column("owner", String(300)),
        Column("due_date", String(300)),
        Column("tracked", String(10)),
        prefixes=["TEMPORARY"],
    )


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return total(flag(condition))


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 on a row where `condition` holds, else 0: a row's share of a count."""
    return case((condition, 1), else_=0)


def total(column: ColumnElement[Any]) -> ColumnElement[int]:
    """The sum of a column of `flag`s: the count (0 over no rows)."""
    return func.coalesce(func.sum(column), 0)


def _active_conditions(
    c: ItemColumns, as_of: datetime, stale_after_days: int
) -> dict[str, ColumnElement[bool]]:
    """What `active_counts` counts among the active items, by name."""
    found: dict[str, ColumnElement[bool]] = {state: c.state == state for state in ACTIVE_STATES}
    found["overdue"] = overdue_sql(c, as_of)
    found["stale"] = stale_sql(c, as_of, stale_after_days)
    found["unowned"] = unowned_sql(c)
    found["undated"] = undated_sql(c)
    for kind in TYPES:
        found[kind] = c.type == kind
    found["none"] = c.type.is_(None)
    for days in BUCKET_EDGES:
        found[f"under_{days}"] = c.created_at > as_of - timedelta(days=days)
    return found


def _active_rows(chosen: Counted, stale_after_days: int) -> Subquery:
    """Per active item: `created_at` and a `flag` for each of `_active_conditions`."""

    def row(part: Selection) -> Select[Any]:
        c = part.at.columns
        flags = _active_conditions(c, chosen.as_of, stale_after_days)
        return part.select(
            c.created_at.label("created_at"), *(flag(v).label(k) for k, v in flags.items())
        ).where(active_sql(c))

    return chosen.rows(row)


def _count_columns(rows: Subquery) -> dict[str, ColumnElement[int]]:
    """`active` and the totals of the flags of `_active_rows`."""
    flags = [column for column in rows.c if column.name != "created_at"]
    return {"active": func.count(), **{column.name: total(column) for column in flags}}


def active_counts(
    session: Session, chosen: Counted | Selection, stale_after_days: int
) -> dict[str, int]:
    """Counts over the active items: per state, overdue, stale, unowned, undated, per type
    (`none` for untyped) and per age bucket (of `selection`'s one part, or `selected`'s)."""
    if isinstance(chosen, Selection):
        chosen = Counted((chosen,), chosen.as_of)
    columns = _count_columns(_active_rows(chosen, stale_after_days))
    row = session.execute(select(*columns.values())).one()
    return {name: int(value) for name, value in zip(columns, row, strict=True)}


def active_by_age(
    session: Session, chosen: Counted, ranks: Collection[int]
) -> dict[int, tuple[datetime, int]]:
    """(created_at, id) of the active items at these ascending-age ranks, from one sort
    over index columns: rank 0 is the youngest, the last rank the oldest (ties to the
    lowest id)."""

    def row(part: Selection) -> Select[Any]:
        c = part.at.columns
        return part.select(c.created_at.label("created_at"), Item.id.label("id")).where(
            active_sql(c)
        )

    rows = chosen.rows(row)
    order = (rows.c.created_at.desc(), rows.c.id.desc())
    found = _at_ranks(session, select(rows.c.created_at, rows.c.id), order, ranks)
    return {rank: (row[0], row[1]) for rank, row in found.items()}


def percentiles_in_database(session: Session) -> bool:
    """Whether the database interpolates percentiles itself: PostgreSQL's `percentile_cont`
    is the same linear interpolation between closest ranks as `summary.percentiles`, from
    one aggregate instead of a window numbering every row."""
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class ActiveFigures:
    """`active_counts`, the quantiles of the active items' ages in days at T, and (id,
    created_at) of the oldest active item (ties to the lowest id)."""

    counts: dict[str, int]
    age_quantiles: list[float | None]
    oldest: tuple[int, datetime] | None


def active_figures(
    session: Session, chosen: Counted, stale_after_days: int, quantiles: Sequence[float]
) -> ActiveFigures:
    """`ActiveFigures` from one pass over the active items, the ages by `percentile_cont`
    (see `percentiles_in_database`), then the oldest one's id from an index lookup."""
    rows = _active_rows(chosen, stale_after_days)
    columns = _count_columns(rows)
    age = days_between(literal(chosen.as_of, UTCDateTime()), rows.c.created_at)
    statement = select(
        func.min(rows.c.created_at),
        *(func.percentile_cont(q).within_group(age) for q in quantiles),
        *columns.values(),
    )
    first, *values = session.execute(statement).one()
    ages, counted = values[: len(quantiles)], values[len(quantiles) :]
    counts = {name: int(value) for name, value in zip(columns, counted, strict=True)}
    if first is None:
        return ActiveFigures(counts, [None for _ in quantiles], None)

    def oldest_row(part: Selection) -> Select[Any]:
        c = part.at.columns
        return part.select(Item.id.label("id")).where(active_sql(c), c.created_at == first)

    oldest = session.execute(select(func.min(chosen.rows(oldest_row).c.id))).scalar_one()
    return ActiveFigures(counts, [float(value) for value in ages], (int(oldest), first))


def _closed_rows(chosen: Counted, start: datetime, end: datetime) -> Subquery:
    """(id, created_at, resolved_at) of done items resolved in `[start, end)`."""

    def row(part: Selection) -> Select[Any]:
        c = part.at.columns
        return part.select(
            Item.id.label("id"),
            c.created_at.label("created_at"),
            Item.resolved_at.label("resolved_at"),
        ).where(
            c.state == "done",
            Item.resolved_at.is_not(None),
            Item.resolved_at >= start,
            Item.resolved_at < end,
        )

    return chosen.rows(row)


def close_time_percentiles(
    session: Session,
    chosen: Counted,
    start: datetime,
    end: datetime,
    quantiles: Sequence[float],
) -> list[float | None]:
    """The quantiles of time to close in days of done items resolved in `[start, end)`
    (`percentile_cont`, see `percentiles_in_database`); None over none."""
    rows = _closed_rows(chosen, start, end)
    duration = days_between(rows.c.resolved_at, rows.c.created_at)
    statement = select(*(func.percentile_cont(q).within_group(duration) for q in quantiles))
    row = session.execute(statement).one()
    return [None if value is None else float(value) for value in row]


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
    session: Session, chosen: Counted, start: datetime, end: datetime
) -> CohortCounts:
    """The completion cohort: counted items with `created_at` in `[start, end)`."""

    def row(part: Selection) -> Select[Any]:
        c = part.at.columns
        return part.select(
            flag(c.state == "done").label("done"),
            flag(c.state == "wont_do").label("wont_do"),
            flag(active_sql(c)).label("active"),
        ).where(c.created_at >= start, c.created_at < end)

    rows = chosen.rows(row)
    statement = select(
        func.count(), total(rows.c.done), total(rows.c.wont_do), total(rows.c.active)
    )
    return CohortCounts(*(int(value) for value in session.execute(statement).one()))


def on_time_counts(
    session: Session, chosen: Counted, first_day: date, after_last_day: date
) -> tuple[int, int]:
    """(items due in `[first_day, after_last_day)`, of which done by their due date)."""

    def row(part: Selection) -> Select[Any]:
        c = part.at.columns
        resolved_day = func.date(Item.resolved_at, type_=Date)
        on_time = and_(c.state == "done", Item.resolved_at.is_not(None), resolved_day <= c.due_date)
        return part.select(flag(on_time).label("on_time")).where(
            c.due_date.is_not(None), c.due_date >= first_day, c.due_date < after_last_day
        )

    rows = chosen.rows(row)
    due, on_time = session.execute(select(func.count(), total(rows.c.on_time))).one()
    return int(due), int(on_time)


def closed_count(session: Session, chosen: Counted, start: datetime, end: datetime) -> int:
    """Done items resolved in `[start, end)`."""
    rows = _closed_rows(chosen, start, end)
    return int(session.execute(select(func.count()).select_from(rows)).scalar_one())


def close_times_at_ranks(
    session: Session, chosen: Counted, start: datetime, end: datetime, ranks: Collection[int]
) -> dict[int, tuple[datetime, datetime]]:
    """(created_at, resolved_at) of done items resolved in the window, at these
    time-to-close ranks (0 is the quickest), from one sort."""
    rows = _closed_rows(chosen, start, end)
    duration = days_between(rows.c.resolved_at, rows.c.created_at)
    statement = select(rows.c.created_at, rows.c.resolved_at)
    found = _at_ranks(session, statement, (duration, rows.c.id), ranks)
    return {rank: (row[0], row[1]) for rank, row in found.items()}


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
    chosen: Counted,
    cut: IncidentSlice = IncidentSlice(),
) -> list[IncidentRow]:
    """Counted items with an incident ref, grouped by ref; `active` descending, then ref;
    the slice `cut` of them."""

    def row(part: Selection) -> Select[Any]:
        c = part.at.columns
        return part.select(
            c.incident.label("incident"),
            flag(active_sql(c)).label("active"),
            flag(c.state == "done").label("done"),
            flag(c.state == "wont_do").label("wont_do"),
            case((active_sql(c), c.created_at), else_=None).label("active_created_at"),
            *(flag(and_(c.type == kind, c.state != "wont_do")).label(kind) for kind in TYPES),
        ).where(c.incident.is_not(None))

    rows = chosen.rows(row)
    active = total(rows.c.active)
    statement = select(
        rows.c.incident,
        func.count(),
        active,
        total(rows.c.done),
        total(rows.c.wont_do),
        func.min(rows.c.active_created_at, type_=UTCDateTime()),
        *(total(rows.c[kind]) for kind in TYPES),
    ).group_by(rows.c.incident)
    closed = total(rows.c.done + rows.c.wont_do)
    statement = _incident_page(statement, rows.c.incident, active, closed, cut)
    return [_incident_row(row) for row in session.execute(statement)]


def rollups_answer(
    session: Session, sources: Sequence[str], as_of: datetime, now: datetime
) -> bool:
    """Whether the tables derived from items as they stand now (incident rollups,
    closings) answer for T: T is not in the past and no tracked item was created after T."""
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
    """`incident_rows` at now, summed from the per-source rollups (see `rollups_answer`).

    A page is found first from the counts its order and filters read (over a covering
    index), then only its incidents are summed in full."""
    r = IncidentRollup
    in_scope: list[ColumnElement[bool]] = [r.source.in_(list(sources))]
    if incident is not None:
        in_scope.append(r.incident == incident)
    refs: list[str] | None = None
    if cut.limit is not None:
        active, closed = func.sum(r.active), func.sum(r.done + r.wont_do)
        page = select(r.incident).where(*in_scope).group_by(r.incident)
        page = _incident_page(page, r.incident.expression, active, closed, cut)
        refs = list(session.scalars(page))
        if not refs:
            return []
        in_scope.append(r.incident.in_(refs))
        cut = IncidentSlice()
    active, closed = func.sum(r.active), func.sum(r.done + r.wont_do)
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
        .where(*in_scope)
        .group_by(r.incident)
    )
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
    session: Session, chosen: Counted, stale_after_days: int, people: People, owner: str | None
) -> list[OwnerRow]:
    """Owners of active items (joined by the people map), `active` descending, then owner.

    `owner` keeps only the rows of that person (a name, key or alias, case-insensitively).
    Owners at a past T follow `items_at`: the current owners while the first is unchanged.
    """
    as_of = chosen.as_of

    def row(part: Selection) -> Select[Any]:
        at = part.at
        c = at.columns
        held = at.from_clause.outerjoin(
            ItemOwner, and_(ItemOwner.item_id == Item.id, c.owner == Item.owner)
        )
        name = func.coalesce(ItemOwner.owner, c.owner)
        statement = (
            select(
                _displayed(name, people).label("owner"),
                Item.id.label("id"),
                flag(overdue_sql(c, as_of)).label("overdue"),
                flag(stale_sql(c, as_of, stale_after_days)).label("stale"),
                c.created_at.label("created_at"),
            )
            .select_from(held)
            .where(*at.where, *part.conditions, active_sql(c), name.is_not(None))
        )
        if owner is not None:
            statement = statement.where(func.lower(name).in_(people.names_for(owner)))
        return statement

    rows = chosen.rows(row)

    def distinct_items(flagged: ColumnElement[int]) -> ColumnElement[int]:
        return func.count(func.distinct(case((flagged == 1, rows.c.id), else_=None)))

    active = func.count(func.distinct(rows.c.id))
    statement = (
        select(
            rows.c.owner,
            active,
            distinct_items(rows.c.overdue),
            distinct_items(rows.c.stale),
            func.min(rows.c.created_at),
        )
        .group_by(rows.c.owner)
        .order_by(active.desc(), rows.c.owner)
    )
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
    `cohort_start`, per source: three statements, each over index ranges of a covering
    index (the state counts one range per source and state, cheaper than grouping)."""
    at = items_at(list(sources), now, now=now)
    c = at.columns
    pairs = [(source, state) for source in sources for state in ALL_STATES]
    counted = [
        at.select(func.count()).where(Item.source == source, c.state == state).scalar_subquery()
        for source, state in pairs
    ]
    states: dict[str, dict[str, int]] = {source: {} for source in sources}
    if pairs:
        for (source, state), n in zip(pairs, session.execute(select(*counted)).one(), strict=True):
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
