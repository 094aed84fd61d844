"""Read-side SQL for items: the filtered, sorted, keyset-paged list, one item, its history.

For T at or after now the current columns answer. For a past T an item's state, owner,
due date and tracked status are the latest history entries at or before T; owners at T
are the current owners when the first owner is unchanged, else just the owner at T.
Filtering and sorting happen in SQL on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from service.metrics.definitions import (
    ItemColumns,
    condition,
    flag_sql,
    overdue_sql,
    stale_sql,
    undated_sql,
    unowned_sql,
)
from service.metrics.people import People
from service.metrics.query import ItemQuery, Sort, StateFilter, TypeFilter
from service.metrics.sqlfuncs import text_as_date
from service.review import hygiene
from service.review.hygiene import HistoryFacts, HygieneColumns
from service.review.policy import DueDatePolicy
from service.store.models import HistoryEntry, Item, ItemKey, ItemOwner

JSONValue = str | int | None
PositionValue = datetime | date | int | None
_MAX_INT = 2**63 - 1


class InvalidPosition(ValueError):
    """A page position (from a cursor) that does not fit the query's sort keys."""


@dataclass(frozen=True)
class ItemScope:
    """What the configuration decides about reads: which sources count, and definitions' knobs.

    `sources` maps each configured source name to its kind; items of other sources are
    excluded everywhere.
    """

    sources: Mapping[str, str]
    stale_after_days: int = 30
    people: People = field(default_factory=People)
    policy: DueDatePolicy = field(default_factory=DueDatePolicy)


@dataclass(frozen=True)
class Decision:
    """The reason given for a wont_do decision: a comment's text, when and by whom."""

    text: str
    at: datetime
    author: str | None


@dataclass(frozen=True)
class ItemRecord:
    """One item as it stood at T: `state`, `owner`, `owners` and `due_date` are values at T."""

    id: int
    source: str
    kind: str
    external_id: str
    key: str
    previous_keys: list[str]
    url: str
    title: str
    state: str
    raw_status: str
    resolution: str | None
    type: str | None
    incident: str | None
    owner: str | None
    owners: list[str]
    priority: str | None
    due_date: date | None
    labels: list[str]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    removed_at: datetime | None
    decision: Decision | None
    facts: HistoryFacts


@dataclass(frozen=True)
class ItemPage:
    """One page of records and, when more follow, the JSON-safe position to continue after."""

    records: list[ItemRecord]
    next_position: list[JSONValue] | None


@dataclass(frozen=True)
class ItemsAt:
    """The items of the configured sources that count at T, with their values at T as SQL.

    `select(...)` starts a statement over them; the later metrics reuse it for counts.
    """

    columns: ItemColumns
    current: bool
    from_clause: FromClause
    where: tuple[ColumnElement[bool], ...]

    def select(self, *entities: Any) -> Select[Any]:
        return select(*entities).select_from(self.from_clause).where(*self.where)


def items_at(
    sources: Sequence[str],
    as_of: datetime,
    *,
    now: datetime,
    include_removed: bool = False,
) -> ItemsAt:
    """Items created by T (and tracked at T unless `include_removed`), valued at T."""
    in_scope = (Item.source.in_(list(sources)), Item.created_at <= as_of)
    if as_of >= now:
        columns = _current_columns()
        tracked: tuple[ColumnElement[bool], ...] = (
            () if include_removed else (Item.removed_at.is_(None),)
        )
        return ItemsAt(columns, True, Item.__table__, (*in_scope, *tracked))
    at = values_at(sources, as_of).subquery("at")
    owner_count = case(
        (at.c.owner.is_(None), 0), (at.c.owner == Item.owner, _owner_count()), else_=1
    )
    columns = _columns(at.c.state, at.c.owner, owner_count, text_as_date(at.c.due_date))
    tracked = () if include_removed else (at.c.tracked == "true",)
    return ItemsAt(columns, False, Item.__table__.join(at, at.c.item_id == Item.id), tracked)


def items_at_split(
    sources: Sequence[str], as_of: datetime, changed: FromClause
) -> tuple[ItemsAt, ItemsAt]:
    """The tracked items at a past T as two disjoint parts: those whose history ends by T,
    whose current columns are their values at T (so the index ranges of the present
    answer them), and those in `changed` (`changed_values_at(sources, as_of)` computed
    into a table with its columns), valued from it."""
    in_scope = (Item.source.in_(list(sources)), Item.created_at <= as_of)
    unchanged = ItemsAt(
        _current_columns(),
        True,
        Item.__table__,
        (*in_scope, Item.removed_at.is_(None), _unchanged_since(as_of)),
    )
    ch = changed.c
    owner_count = case((ch.owner.is_(None), 0), (ch.owner == Item.owner, _owner_count()), else_=1)
    columns = _columns(ch.state, ch.owner, owner_count, text_as_date(ch.due_date))
    joined = Item.__table__.join(changed, ch.item_id == Item.id)
    return unchanged, ItemsAt(columns, False, joined, (*in_scope, ch.tracked == "true"))


def values_at(sources: Sequence[str], as_of: datetime) -> Select[Any]:
    """`(item_id, state, owner, due_date, tracked)` at a past T of the items created by T;
    `due_date` as history text (YYYY-MM-DD), `tracked` as `"true"` or `"false"`."""
    return select(
        Item.id.label("item_id"),
        func.coalesce(_value_at("state", as_of, Item.state.expression), Item.state).label("state"),
        _value_at("owner", as_of, Item.owner.expression).label("owner"),
        _value_at("due_date", as_of, cast(Item.due_date, String)).label("due_date"),
        _value_at("tracked", as_of, _tracked_now()).label("tracked"),
    ).where(Item.source.in_(list(sources)), Item.created_at <= as_of)


def changed_values_at(sources: Sequence[str], as_of: datetime) -> CompoundSelect[Any]:
    """`values_at` of only the items whose history goes on after T (or is empty), all
    looked up in the history: the negation of `_unchanged_since` as two index ranges."""

    def changed(where: ColumnElement[bool]) -> Select[Any]:
        return select(
            Item.id.label("item_id"),
            func.coalesce(_latest("state", as_of), Item.state).label("state"),
            _latest("owner", as_of).label("owner"),
            _latest("due_date", as_of).label("due_date"),
            _latest("tracked", as_of).label("tracked"),
        ).where(where, Item.created_at <= as_of, Item.source.in_(list(sources)))

    return union_all(changed(Item.history_until > as_of), changed(Item.history_until.is_(None)))


def list_items(
    session: Session,
    query: ItemQuery,
    scope: ItemScope,
    *,
    now: datetime,
    limit: int,
    after: Sequence[object] | None = None,
) -> ItemPage:
    """One page of the items `query` selects, after `after` (a previous `next_position`).

    Raises InvalidPosition when `after` does not fit the query's sort.
    """
    at = items_at(
        list(scope.sources), query.as_of, now=now, include_removed=query.filters.include_removed
    )
    keys = _sort_keys(query.sort, at.columns, query.as_of)
    statement = _record_select(
        at, query.as_of, *(key.expr.label(f"k{i}") for i, key in enumerate(keys))
    )
    statement = statement.where(*filter_conditions(at, query, scope))
    if after is not None:
        statement = statement.where(_after(keys, _decode(keys, after)))
    statement = statement.order_by(*(k.expr.desc() if k.descending else k.expr for k in keys))
    rows = session.execute(statement.limit(limit + 1)).all()
    records = [_record(row, at.current, scope) for row in rows[:limit]]
    position = None
    if len(rows) > limit:
        position = [_encode(value) for value in tuple(rows[limit - 1])[_RECORD_COLUMNS:]]
    return ItemPage(records, position)


def get_item(
    session: Session, item_id: int, scope: ItemScope, *, as_of: datetime, now: datetime
) -> ItemRecord | None:
    """The item with this id as it stood at T, or None (unknown, excluded source, or not
    yet created at T). Removed items are returned."""
    at = items_at(list(scope.sources), as_of, now=now, include_removed=True)
    row = session.execute(_record_select(at, as_of).where(Item.id == item_id)).first()
    return None if row is None else _record(row, at.current, scope)


def item_history(session: Session, item_id: int) -> list[HistoryEntry]:
    """Every history entry of the item, oldest first."""
    return list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.item_id == item_id)
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    )


def tracked_counts(session: Session, sources: Sequence[str]) -> dict[str, int]:
    """Tracked (not removed) items per source; sources without items are absent."""
    rows = session.execute(
        select(Item.source, func.count())
        .where(Item.source.in_(list(sources)), Item.removed_at.is_(None))
        .group_by(Item.source)
    ).all()
    return {source: count for source, count in rows}


# Building blocks.


def _columns(
    state: ColumnElement[Any],
    owner: ColumnElement[Any],
    owner_count: ColumnElement[Any],
    due_date: ColumnElement[Any],
) -> ItemColumns:
    return ItemColumns(
        state=state,
        owner=owner,
        owner_count=owner_count,
        due_date=due_date,
        type=Item.type.expression,
        incident=Item.incident.expression,
        created_at=Item.created_at.expression,
        updated_at=Item.updated_at.expression,
        decision=Item.decision.expression,
    )


def _current_columns() -> ItemColumns:
    """The values at T of an item whose history has nothing after T: its current ones."""
    return _columns(
        Item.state.expression, Item.owner.expression, _owner_count(), Item.due_date.expression
    )


def _owner_count() -> ColumnElement[int]:
    return func.json_array_length(Item.owners, type_=Integer)


def _value_at(
    history_field: str, as_of: datetime, current: ColumnElement[Any]
) -> ColumnElement[Any]:
    """The item's value of `history_field` at T: the latest entry at or before T, which is
    the `current` value, read without a lookup, when the history has nothing after T."""
    return case((_unchanged_since(as_of), current), else_=_latest(history_field, as_of))


def _latest(history_field: str, as_of: datetime) -> ColumnElement[Any]:
    """The item's latest entry of `history_field` at or before T (NULL if none)."""
    return (
        select(HistoryEntry.after)
        .where(
            HistoryEntry.item_id == Item.id,
            HistoryEntry.field == history_field,
            HistoryEntry.at <= as_of,
        )
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _unchanged_since(as_of: datetime) -> ColumnElement[bool]:
    """The item's history has no entry after T, so its current values are its values at T
    (NULL, not false, for an item without history)."""
    return Item.history_until <= as_of


def _tracked_now() -> ColumnElement[str]:
    """The tracked status as history writes it, from `removed_at`."""
    return case((Item.removed_at.is_(None), "true"), else_="false")


_RECORD_COLUMNS = 7
"""Columns of `_record_select` before any extra ones: the row, values at T, history facts."""


def _record_select(at: ItemsAt, as_of: datetime, *extra: ColumnElement[Any]) -> Select[Any]:
    c = at.columns
    slips, owned_before, last_state_from = _history_facts(as_of)
    return at.select(
        Item, c.state, c.owner, c.due_date, slips, owned_before, last_state_from, *extra
    )


def _history_facts(
    as_of: datetime,
) -> tuple[ColumnElement[int], ColumnElement[bool], ColumnElement[str | None]]:
    """The item's history up to T as `HistoryFacts` columns: due-date moves to a later
    date, whether some owner entry names an owner, and the state the latest state change
    left."""
    up_to = (HistoryEntry.item_id == Item.id, HistoryEntry.at <= as_of)
    slips = (
        select(func.count())
        .where(
            *up_to,
            HistoryEntry.field == "due_date",
            HistoryEntry.before.is_not(None),
            HistoryEntry.after.is_not(None),
            HistoryEntry.after > HistoryEntry.before,
        )
        .scalar_subquery()
    )
    owned_before = exists().where(
        *up_to, HistoryEntry.field == "owner", HistoryEntry.after.is_not(None)
    )
    last_state_from = (
        select(HistoryEntry.before)
        .where(*up_to, HistoryEntry.field == "state")
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return slips, owned_before, last_state_from


def hygiene_columns(at: ItemsAt, as_of: datetime) -> HygieneColumns:
    """The values at T the hygiene rules read, as SQL over `at`."""
    c = at.columns
    slips, owned_before, last_state_from = _history_facts(as_of)
    return HygieneColumns(
        title=Item.title.expression,
        state=c.state,
        owner=c.owner,
        due_date=c.due_date,
        priority=Item.priority.expression,
        labels=Item.labels.expression,
        created_at=c.created_at,
        slips=slips,
        owned_before=owned_before,
        last_state_from=last_state_from,
    )


def _record(row: Any, current: bool, scope: ItemScope) -> ItemRecord:
    item: Item = row[0]
    state, owner, due_date = row[1], row[2], row[3]
    return ItemRecord(
        id=item.id,
        source=item.source,
        kind=scope.sources[item.source],
        external_id=item.external_id,
        key=item.key,
        previous_keys=list(item.previous_keys),
        url=item.url,
        title=item.title,
        state=state,
        raw_status=item.raw_status,
        resolution=item.resolution,
        type=item.type,
        incident=item.incident,
        owner=owner,
        owners=list(item.owners) if current else _owners_at(owner, item),
        priority=item.priority,
        due_date=due_date,
        labels=list(item.labels),
        created_at=item.created_at,
        updated_at=item.updated_at,
        resolved_at=item.resolved_at,
        removed_at=item.removed_at,
        decision=_decision(item),
        facts=HistoryFacts(int(row[4]), bool(row[5]), row[6]),
    )


def _decision(item: Item) -> Decision | None:
    if item.decision is None or item.decision_at is None:
        return None
    return Decision(item.decision, item.decision_at, item.decision_author)


def _owners_at(owner: str | None, item: Item) -> list[str]:
    """Owners at a past T (history keeps only the first owner); mirrors `owner_count`."""
    if owner is None:
        return []
    return list(item.owners) if owner == item.owner else [owner]


def filter_conditions(at: ItemsAt, query: ItemQuery, scope: ItemScope) -> list[ColumnElement[bool]]:
    """SQL conditions for the query's filters on `at` (the metrics reuse them)."""
    c, f, as_of = at.columns, query.filters, query.as_of
    days = scope.stale_after_days
    found = [
        condition(overdue_sql(c, as_of), f.overdue),
        condition(stale_sql(c, as_of, days), f.stale),
        condition(unowned_sql(c), f.unowned),
        condition(undated_sql(c), f.undated),
    ]
    if f.state is not StateFilter.ALL:
        found.append(c.state.in_(f.state.states()))
    if f.flag in hygiene.HYGIENE_FLAGS:
        found.append(hygiene.flag_sql(f.flag, hygiene_columns(at, as_of), as_of, scope.policy))
    elif f.flag is not None:
        found.append(flag_sql(f.flag, c, as_of, days))
    if f.owner is not None:
        found.append(_owner_matches(at, scope.people.names_for(f.owner)))
    found += fixed_conditions(f.source, f.incident, f.type)
    if f.key is not None:
        found.append(exists().where(ItemKey.item_id == Item.id, ItemKey.key == f.key))
    return found


def fixed_conditions(
    source: str | None, incident: str | None, item_type: TypeFilter | None
) -> list[ColumnElement[bool]]:
    """The filters on values without history (source, incident, type), on `Item`."""
    found: list[ColumnElement[bool]] = []
    if source is not None:
        found.append(Item.source == source)
    if incident is not None:
        found.append(Item.incident == incident)
    if item_type is TypeFilter.NONE:
        found.append(Item.type.is_(None))
    elif item_type is not None:
        found.append(Item.type == item_type.value)
    return found


def _owner_matches(at: ItemsAt, names: frozenset[str]) -> ColumnElement[bool]:
    """Any owner at T matches one of `names` (lower-cased)."""
    current = exists().where(ItemOwner.item_id == Item.id, ItemOwner.owner_lower.in_(names))
    if at.current:
        return current
    owner = at.columns.owner
    return or_(func.lower(owner).in_(names), and_(owner == Item.owner, current))


@dataclass(frozen=True)
class _Key:
    """One sort key: its expression, the Python type of its values, and its direction."""

    expr: ColumnElement[Any]
    kind: type[datetime] | type[date] | type[int]
    descending: bool = False


def _sort_keys(sort: Sort, c: ItemColumns, as_of: datetime) -> list[_Key]:
    """The keys of `sort`, ending with `id`. A nullable key follows a 0/1 bucket key that
    is 1 exactly where it is null, so nulls sort last on every database."""
    by_id = _Key(Item.id.expression, int)
    if sort is Sort.OLDEST_FIRST:
        return [_Key(c.created_at, datetime), by_id]
    if sort is Sort.NEWEST_FIRST:
        return [_Key(c.created_at, datetime, descending=True), by_id]
    if sort is Sort.UPDATED:
        return [_Key(c.updated_at, datetime), by_id]
    if sort is Sort.RECENTLY_UPDATED:
        return [_Key(c.updated_at, datetime, descending=True), by_id]
    if sort is Sort.DUE:
        undated = case((c.due_date.is_(None), 1), else_=0)
        return [_Key(undated, int), _Key(c.due_date, date), by_id]
    overdue = overdue_sql(c, as_of)
    not_overdue = case((overdue, 0), else_=1)
    return [_Key(not_overdue, int), _Key(case((overdue, c.due_date), else_=None), date), by_id]


def _after(keys: Sequence[_Key], position: Sequence[PositionValue]) -> ColumnElement[bool]:
    """Rows strictly after `position` in the order of `keys` (keyset paging)."""
    alternatives = []
    for i, key in enumerate(keys):
        value = position[i]
        if value is None:  # null only inside its bucket, where every row ties on it
            continue
        ties = [
            k.expr.is_(None) if v is None else k.expr == v
            for k, v in zip(keys[:i], position[:i], strict=True)
        ]
        beyond = key.expr < value if key.descending else key.expr > value
        alternatives.append(and_(*ties, beyond))
    return or_(*alternatives)


def _encode(value: object) -> JSONValue:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is None:
        return None
    raise TypeError(f"unexpected sort key value {value!r}")


def _decode(keys: Sequence[_Key], raw: Sequence[object]) -> tuple[PositionValue, ...]:
    if len(raw) != len(keys):
        raise InvalidPosition(f"expected {len(keys)} sort values, got {len(raw)}")
    return tuple(_decode_one(key, value) for key, value in zip(keys, raw, strict=True))


def _decode_one(key: _Key, value: object) -> PositionValue:
    if key.kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _MAX_INT:
            return value
        raise InvalidPosition(f"not an integer sort value: {value!r}")
    if value is None and key.kind is date:
        return None
    if not isinstance(value, str):
        raise InvalidPosition(f"not a {key.kind.__name__} sort value: {value!r}")
    try:
        if key.kind is date:
            return date.fromisoformat(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidPosition(f"not a {key.kind.__name__} sort value: {value!r}") from None
    if parsed.tzinfo is None:
        raise InvalidPosition(f"sort value without an offset: {value!r}")
    return parsed
