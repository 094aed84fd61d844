"""What may be asked of the items list: filters, sorts and `as_of`, parsed from strings.

The API and the CLI both hand raw parameter strings (keyed by the API's parameter names)
to `build_item_query`, so both validate alike and name the bad parameter alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from service.metrics.definitions import ACTIVE_STATES, ALL_STATES, CLOSED_STATES, FlagCode

E = TypeVar("E", bound=StrEnum)

_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_SPACED_OFFSET = re.compile(r"^(.*T[\d:.]+) (\d{2}(?::?\d{2})?)$")


class BadParameter(ValueError):
    """A query parameter is missing its mark; `param` names it for the 400 answer."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class StateFilter(StrEnum):
    """The `state` filter: one state, a group, or everything."""

    ACTIVE = "active"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    WONT_DO = "wont_do"
    CLOSED = "closed"
    ALL = "all"

    def states(self) -> tuple[str, ...]:
        """The normalised states this filter admits."""
        if self is StateFilter.ACTIVE:
            return ACTIVE_STATES
        if self is StateFilter.CLOSED:
            return CLOSED_STATES
        if self is StateFilter.ALL:
            return ALL_STATES
        return (self.value,)


class TypeFilter(StrEnum):
    """The `type` filter: an item type, or `none` for untyped items."""

    PREVENTION = "prevention"
    DETECTION = "detection"
    MITIGATION = "mitigation"
    PROCESS = "process"
    NONE = "none"


class Sort(StrEnum):
    """Orders of the items list; ties always break on ascending `id`."""

    OLDEST_FIRST = "-age"
    NEWEST_FIRST = "age"
    DUE = "due"
    MOST_OVERDUE = "-days_overdue"
    UPDATED = "updated"
    RECENTLY_UPDATED = "-updated"


class Boolean(StrEnum):
    """Boolean query parameters take exactly these two words."""

    TRUE = "true"
    FALSE = "false"


@dataclass(frozen=True)
class ItemFilters:
    """Filters of the items list; None means "no filter". They combine with AND."""

    state: StateFilter = StateFilter.ACTIVE
    include_removed: bool = False
    overdue: bool | None = None
    stale: bool | None = None
    unowned: bool | None = None
    undated: bool | None = None
    flag: FlagCode | None = None
    owner: str | None = None
    source: str | None = None
    incident: str | None = None
    type: TypeFilter | None = None
    key: str | None = None


@dataclass(frozen=True)
class ItemQuery:
    """One question to the items list: filters, order, and the instant T it is asked for."""

    filters: ItemFilters
    sort: Sort
    as_of: datetime


ITEM_PARAMS = (
    "state",
    "include_removed",
    "overdue",
    "stale",
    "unowned",
    "undated",
    "flag",
    "owner",
    "source",
    "incident",
    "type",
    "key",
    "sort",
    "as_of",
)


def build_item_query(
    params: Mapping[str, str | None], *, sources: Collection[str], now: datetime
) -> ItemQuery:
    """Validate raw parameters (API names; None = absent) into a query.

    `sources` are the configured source names; `now` is T when `as_of` is absent.
    Raises BadParameter naming the first bad parameter.
    """
    unknown = set(params) - set(ITEM_PARAMS)
    if unknown:
        raise TypeError(f"not item list parameters: {', '.join(sorted(unknown))}")
    get = params.get
    source = parse_source(get("source"), sources)
    filters = ItemFilters(
        state=parse_choice(StateFilter, get("state"), "state") or StateFilter.ACTIVE,
        include_removed=parse_bool(get("include_removed"), "include_removed") or False,
        overdue=parse_bool(get("overdue"), "overdue"),
        stale=parse_bool(get("stale"), "stale"),
        unowned=parse_bool(get("unowned"), "unowned"),
        undated=parse_bool(get("undated"), "undated"),
        flag=parse_choice(FlagCode, get("flag"), "flag"),
        owner=parse_text(get("owner"), "owner"),
        source=source,
        incident=parse_text(get("incident"), "incident"),
        type=parse_choice(TypeFilter, get("type"), "type"),
        key=parse_text(get("key"), "key"),
    )
    sort = parse_choice(Sort, get("sort"), "sort") or Sort.OLDEST_FIRST
    as_of = get("as_of")
    return ItemQuery(filters, sort, now if as_of is None else parse_instant(as_of, "as_of"))


def item_query_params(query: ItemQuery) -> dict[str, str]:
    """The query as canonical parameter strings (the inverse of `build_item_query`)."""
    f = query.filters
    values: dict[str, str | bool | None] = {
        "state": f.state,
        "include_removed": f.include_removed,
        "overdue": f.overdue,
        "stale": f.stale,
        "unowned": f.unowned,
        "undated": f.undated,
        "flag": f.flag,
        "owner": f.owner,
        "source": f.source,
        "incident": f.incident,
        "type": f.type,
        "key": f.key,
        "sort": query.sort,
        "as_of": query.as_of.astimezone(UTC).isoformat(),
    }
    return {
        name: (str(value).lower() if isinstance(value, bool) else str(value))
        for name, value in values.items()
        if value is not None
    }


def parse_instant(value: str, param: str) -> datetime:
    """A date (00:00 UTC) or an ISO 8601 date-time (naive means UTC), as aware UTC."""
    text = value.strip()
    spaced = _SPACED_OFFSET.match(text)
    if spaced:  # a "+" in a query string arrives as a space
        text = f"{spaced.group(1)}+{spaced.group(2)}"
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            param, f"not a date (YYYY-MM-DD) or ISO 8601 date-time: {value!r}"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    try:
        instant = instant.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59-23:59 is past year 9999 in UTC
        instant = _LATEST
    if not _EARLIEST <= instant < _LATEST:
        raise BadParameter(param, "must be between 1970-01-01 and 9998-12-31")
    return instant


def parse_bool(value: str | None, param: str) -> bool | None:
    """`true` or `false` exactly; None when absent."""
    choice = parse_choice(Boolean, value, param)
    return None if choice is None else choice is Boolean.TRUE


def parse_choice(enum: type[E], value: str | None, param: str) -> E | None:
    """One of the enum's values exactly; None when absent."""
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise BadParameter(param, f"{value!r} is not one of: {allowed}") from None


def parse_source(value: str | None, sources: Collection[str]) -> str | None:
    """A configured source's name; None when absent."""
    source = parse_text(value, "source")
    if source is not None and source not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise BadParameter("source", f"unknown source {source!r} (configured: {known})")
    return source


def parse_text(value: str | None, param: str) -> str | None:
    """A non-blank string; None when absent."""
    if value is None:
        return None
    if not value.strip():
        raise BadParameter(param, "must not be empty")
    return value
