"""What may be asked of the aggregates: filters, `as_of`, the `[from, to)` window, trend periods.

Parsed from raw strings like `service.metrics.query` parses the items list, so the API and
the CLI reject the same input with the same `BadParameter` naming the same parameter.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from service.metrics.query import (
    BadParameter,
    ItemFilters,
    ItemQuery,
    Sort,
    StateFilter,
    TypeFilter,
    parse_choice,
    parse_instant,
    parse_source,
    parse_text,
)

DEFAULT_WINDOW = timedelta(days=90)
DEFAULT_PERIODS = 12
MAX_PERIODS = 520


class Interval(StrEnum):
    """Trend period lengths: weeks start Monday 00:00 UTC, months on the 1st."""

    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class MetricFilters:
    """The item filters every aggregate takes (CONTRACT §2); None means no filter."""

    source: str | None = None
    owner: str | None = None
    incident: str | None = None
    type: TypeFilter | None = None

    def item_query(self, as_of: datetime) -> ItemQuery:
        """The same filters as an items-list query over every state, so SQL is shared."""
        filters = ItemFilters(
            state=StateFilter.ALL,
            owner=self.owner,
            source=self.source,
            incident=self.incident,
            type=self.type,
        )
        return ItemQuery(filters, Sort.OLDEST_FIRST, as_of)


@dataclass(frozen=True)
class Window:
    """A half-open interval of instants `[start, end)`."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Period:
    """One trend period `[start, end)`, both UTC dates at 00:00."""

    start: date
    end: date

    def start_at(self) -> datetime:
        return _midnight(self.start)

    def end_at(self) -> datetime:
        return _midnight(self.end)


def parse_filters(params: Mapping[str, str | None], sources: Collection[str]) -> MetricFilters:
    """`source` (a configured name), `owner`, `incident`, `type` from raw strings."""
    return MetricFilters(
        source=parse_source(params.get("source"), sources),
        owner=parse_text(params.get("owner"), "owner"),
        incident=parse_text(params.get("incident"), "incident"),
        type=parse_choice(TypeFilter, params.get("type"), "type"),
    )


def parse_as_of(value: str | None, now: datetime) -> datetime:
    """T: the `as_of` parameter, else now."""
    return now if value is None else parse_instant(value, "as_of")


def parse_window(start: str | None, end: str | None, as_of: datetime) -> Window:
    """`[from, to)`; `to` defaults to T and `from` to 90 days before `to`."""
    stop = as_of if end is None else parse_instant(end, "to")
    begin = stop - DEFAULT_WINDOW if start is None else parse_instant(start, "from")
    if begin > stop:
        raise BadParameter("from", f"{begin.isoformat()} is after to ({stop.isoformat()})")
    return Window(begin, stop)


def parse_periods(
    interval: str | None, start: str | None, end: str | None, as_of: datetime
) -> tuple[Interval, list[Period]]:
    """Whole periods covering `[from, to)`: from the period holding `from` to the one
    holding the last instant before `to`. `to` defaults to T, `from` to 12 periods before
    the end of the last period. At most 520 periods."""
    unit = parse_choice(Interval, interval, "interval") or Interval.WEEK
    stop = as_of if end is None else parse_instant(end, "to")
    last = _floor(unit, stop)
    last_end = last if _midnight(last) == stop else _step(unit, last, 1)
    if start is None:
        first = _step(unit, last_end, -DEFAULT_PERIODS)
    else:
        begin = parse_instant(start, "from")
        if begin > stop:
            raise BadParameter("from", f"{begin.isoformat()} is after to ({stop.isoformat()})")
        first = _floor(unit, begin)
    bounds = [first]
    while bounds[-1] < last_end:
        if len(bounds) > MAX_PERIODS:
            raise BadParameter("from", f"the range spans more than {MAX_PERIODS} {unit}s")
        bounds.append(_step(unit, bounds[-1], 1))
    return unit, [Period(a, b) for a, b in itertools.pairwise(bounds)]


def _floor(unit: Interval, instant: datetime) -> date:
    day = instant.astimezone(UTC).date()
    if unit is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _step(unit: Interval, day: date, count: int) -> date:
    if unit is Interval.WEEK:
        return day + timedelta(weeks=count)
    months = day.year * 12 + day.month - 1 + count
    return date(months // 12, months % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
