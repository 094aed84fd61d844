"""Read-side SQL for trends: events per period, and the active count at period ends from
intervals of the history (no per-period scan of the items).

An item is counted and active at instant E iff its state at E is active and its tracked
status at E is "true" (values at E are the `after` of the latest entry at or before E, ties
to the highest id). Each such stretch is an interval `[start, end)` built with LEAD over the
history; the active count at E is the number of starts at or before E minus the number of
ends at or before E, summed per period bucket in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from service.metrics.definitions import ACTIVE_STATES
from service.metrics.params import Interval, MetricFilters
from service.metrics.sqlfuncs import at_midnight_of, month_start, week_start
from service.store.item_queries import ItemScope, fixed_conditions
from service.store.metric_queries import Selection
from service.store.models import HistoryEntry, Item
from service.store.types import UTCDateTime

CLOSING_STATES = ("done", "wont_do")


@dataclass(frozen=True)
class BucketDelta:
    """Changes of the active count in one period bucket: all of them, and those exactly at
    the bucket's start instant."""

    total: int
    at_start: int


def bucket(unit: Interval, instant: ColumnElement[Any]) -> ColumnElement[date]:
    """The start date of the period holding `instant`."""
    return week_start(instant) if unit is Interval.WEEK else month_start(instant)


def created_per_period(
    session: Session, chosen: Selection, unit: Interval, start: datetime, end: datetime
) -> dict[date, int]:
    """Counted items created in `[start, end)`, per period start."""
    c = chosen.at.columns
    key = bucket(unit, c.created_at)
    statement = (
        chosen.select(key, func.count())
        .where(c.created_at >= start, c.created_at < end)
        .group_by(key)
    )
    return {_day(day): int(n) for day, n in session.execute(statement)}


def closed_per_period(
    session: Session, chosen: Selection, unit: Interval, start: datetime, end: datetime
) -> dict[tuple[date, str], int]:
    """History transitions into done / wont_do at `[start, min(end, T)]`, of counted
    items, per (period start, state)."""
    key = bucket(unit, HistoryEntry.at.expression)
    statement = (
        select(key, HistoryEntry.after, func.count())
        .where(
            # `+ 0` keeps planners on the (field, value, at) index: the range is small.
            (HistoryEntry.item_id + 0).in_(chosen.select(Item.id)),
            HistoryEntry.field == "state",
            HistoryEntry.after.in_(CLOSING_STATES),
            or_(HistoryEntry.before.is_(None), HistoryEntry.before != HistoryEntry.after),
            HistoryEntry.at >= start,
            HistoryEntry.at < end,
            HistoryEntry.at <= chosen.as_of,
        )
        .group_by(key, HistoryEntry.after)
    )
    return {(_day(day), str(state)): int(n) for day, state, n in session.execute(statement)}


def active_deltas(
    session: Session,
    item_conditions: Sequence[ColumnElement[bool]],
    unit: Interval,
    since: datetime,
    until: datetime,
) -> dict[date, BucketDelta]:
    """Per period bucket, the change in the count of items counted and active, over every
    change at or before `until`. `item_conditions` restrict the items (on `Item` columns).

    Stretches that ended by `since` (the first period's start) are left out: they add and
    remove the same item before any period ends, so no count changes.
    """
    state = _intervals("state")
    tracked = _intervals("tracked")
    start = case((state.c.start >= tracked.c.start, state.c.start), else_=tracked.c.start)
    end = case(
        (state.c.end.is_(None), tracked.c.end),
        (tracked.c.end.is_(None), state.c.end),
        (state.c.end <= tracked.c.end, state.c.end),
        else_=tracked.c.end,
    )
    both = (
        select(start.label("start"), end.label("end"))
        .select_from(
            state.join(tracked, state.c.item_id == tracked.c.item_id).join(
                Item, Item.id == state.c.item_id
            )
        )
        .where(
            state.c.value.in_(ACTIVE_STATES),
            tracked.c.value == "true",
            or_(tracked.c.end.is_(None), state.c.start < tracked.c.end),
            or_(state.c.end.is_(None), tracked.c.start < state.c.end),
            or_(state.c.end.is_(None), state.c.end > since),
            or_(tracked.c.end.is_(None), tracked.c.end > since),
            *item_conditions,
        )
        .cte("both")
    )
    events = union_all(
        select(both.c.start.label("at"), literal(1, Integer).label("delta")),
        select(both.c.end.label("at"), literal(-1, Integer).label("delta")).where(
            both.c.end.is_not(None)
        ),
    ).subquery("events")
    key = bucket(unit, events.c.at)
    exact = case((at_midnight_of(events.c.at, key), events.c.delta), else_=0)
    statement = (
        select(key, func.sum(events.c.delta), func.sum(exact))
        .where(events.c.at <= literal(until, UTCDateTime()))
        .group_by(key)
    )
    return {
        _day(day): BucketDelta(int(total), int(at_start))
        for day, total, at_start in session.execute(statement)
    }


def _intervals(history_field: str) -> Any:
    """Each entry of `history_field` as `[start, end)` with the value it set."""
    following = func.lead(HistoryEntry.at).over(
        partition_by=HistoryEntry.item_id, order_by=(HistoryEntry.at, HistoryEntry.id)
    )
    return (
        select(
            HistoryEntry.item_id.label("item_id"),
            HistoryEntry.at.label("start"),
            following.label("end"),
            HistoryEntry.after.label("value"),
        )
        .where(HistoryEntry.field == history_field)
        .subquery(f"{history_field}_intervals")
    )


def _day(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def item_conditions(scope: ItemScope, filters: MetricFilters) -> list[ColumnElement[bool]]:
    """The filters that do not change over time (source, incident, type) on `Item`."""
    return [
        Item.source.in_(list(scope.sources)),
        *fixed_conditions(filters.source, filters.incident, filters.type),
    ]
