"""Item-level definitions (CONTRACT §2): age, overdue, stale, unowned, undated and flags.

Each definition exists twice, side by side: a plain-Python reference over one item's
values at T, and a SQL expression over the columns of `ItemColumns`, so the API can
filter and sort in the database. Tests hold the two to agreement on random data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, literal, not_, true

from service.store.types import UTCDateTime

ACTIVE_STATES = ("open", "in_progress", "blocked")
CLOSED_STATES = ("done", "wont_do")
ALL_STATES = (*ACTIVE_STATES, *CLOSED_STATES)
SECONDS_PER_DAY = 86400.0


class FlagCode(StrEnum):
    """Codes of the item flags, in the order an item lists them."""

    MULTIPLE_OWNERS = "multiple_owners"
    UNOWNED = "unowned"
    UNDATED = "undated"
    UNTYPED = "untyped"
    NO_INCIDENT = "no_incident"
    STALE = "stale"
    WONT_DO_WITHOUT_REASON = "wont_do_without_reason"
    VAGUE = "vague"
    TOO_LARGE = "too_large"
    DUE_DATE_SLIPPED = "due_date_slipped"
    UNASSIGNED_AFTER_OWNED = "unassigned_after_owned"
    MOVED_BACK = "moved_back"
    POLICY_OVERDUE = "policy_overdue"


@dataclass(frozen=True)
class Flag:
    """One flag on an item: a stable code and a message a person can act on."""

    code: FlagCode
    message: str


@dataclass(frozen=True)
class ItemAt:
    """The values of one item at the instant T that the definitions read."""

    state: str
    owners: Sequence[str]
    due_date: date | None
    type: str | None
    incident: str | None
    created_at: datetime
    updated_at: datetime
    has_decision: bool
    """Whether a reason for a wont_do decision was found (see `service.sync.decisions`)."""


def utc_date(instant: datetime) -> date:
    """The UTC calendar date of an aware instant ("T's date")."""
    return instant.astimezone(UTC).date()


def stale_before(as_of: datetime, stale_after_days: int) -> datetime:
    """The instant an active item must have been updated since to not be stale at T."""
    return as_of - timedelta(days=stale_after_days)


# Plain-Python reference.


def is_active(state: str) -> bool:
    return state in ACTIVE_STATES


def age_days(created_at: datetime, as_of: datetime) -> float:
    """(T − created_at) in days, a float."""
    return (as_of - created_at).total_seconds() / SECONDS_PER_DAY


def is_overdue(state: str, due_date: date | None, as_of: datetime) -> bool:
    """Active, due date set, and due date before T's date."""
    return is_active(state) and due_date is not None and due_date < utc_date(as_of)


def days_overdue(state: str, due_date: date | None, as_of: datetime) -> int | None:
    """T's date − due date for an overdue item (≥ 1), else None."""
    if due_date is None or not is_overdue(state, due_date, as_of):
        return None
    return (utc_date(as_of) - due_date).days


def is_stale(state: str, updated_at: datetime, as_of: datetime, stale_after_days: int) -> bool:
    """Active and not updated for `stale_after_days`; an update after T counts as at T."""
    effective = min(updated_at, as_of)
    return is_active(state) and effective < stale_before(as_of, stale_after_days)


def is_unowned(state: str, owners: Sequence[str]) -> bool:
    return is_active(state) and not owners


def is_undated(state: str, due_date: date | None) -> bool:
    return is_active(state) and due_date is None


def is_wont_do_without_reason(state: str, has_decision: bool) -> bool:
    """Closed as wont_do with no comment giving the reason near the decision."""
    return state == "wont_do" and not has_decision


def flags(item: ItemAt, as_of: datetime, stale_after_days: int) -> list[Flag]:
    """The core flags of one item at T, in `FlagCode` order."""
    found: list[Flag] = []
    if len(item.owners) > 1:
        found.append(
            Flag(
                FlagCode.MULTIPLE_OWNERS,
                f"assigned to {len(item.owners)} people; one owner makes it someone's job",
            )
        )
    if is_unowned(item.state, item.owners):
        found.append(Flag(FlagCode.UNOWNED, "active with no assignee"))
    if is_undated(item.state, item.due_date):
        found.append(Flag(FlagCode.UNDATED, "active with no due date"))
    if item.type is None:
        found.append(
            Flag(FlagCode.UNTYPED, "no type: prevention, detection, mitigation or process")
        )
    if item.incident is None:
        found.append(Flag(FlagCode.NO_INCIDENT, "no incident reference"))
    if is_stale(item.state, item.updated_at, as_of, stale_after_days):
        found.append(Flag(FlagCode.STALE, f"no update in the last {stale_after_days} days"))
    if is_wont_do_without_reason(item.state, item.has_decision):
        found.append(
            Flag(
                FlagCode.WONT_DO_WITHOUT_REASON,
                "closed as won't do with no comment within an hour of the decision saying why",
            )
        )
    return found


# SQL expressions.


@dataclass(frozen=True)
class ItemColumns:
    """SQL expressions for an item's values at T (current columns, or history at T).

    `owner` is the first owner and `owner_count` the number of owners at T.
    """

    state: ColumnElement[Any]
    owner: ColumnElement[Any]
    owner_count: ColumnElement[Any]
    due_date: ColumnElement[Any]
    type: ColumnElement[Any]
    incident: ColumnElement[Any]
    created_at: ColumnElement[Any]
    updated_at: ColumnElement[Any]
    decision: ColumnElement[Any]


def active_sql(c: ItemColumns) -> ColumnElement[bool]:
    return c.state.in_(ACTIVE_STATES)


def overdue_sql(c: ItemColumns, as_of: datetime) -> ColumnElement[bool]:
    return and_(active_sql(c), c.due_date.is_not(None), c.due_date < utc_date(as_of))


def stale_sql(c: ItemColumns, as_of: datetime, stale_after_days: int) -> ColumnElement[bool]:
    threshold = literal(stale_before(as_of, stale_after_days), UTCDateTime())
    return and_(active_sql(c), c.updated_at < threshold)


def unowned_sql(c: ItemColumns) -> ColumnElement[bool]:
    return and_(active_sql(c), c.owner.is_(None))


def undated_sql(c: ItemColumns) -> ColumnElement[bool]:
    return and_(active_sql(c), c.due_date.is_(None))


def flag_sql(
    code: FlagCode, c: ItemColumns, as_of: datetime, stale_after_days: int
) -> ColumnElement[bool]:
    """True where the item carries core flag `code` at T (never NULL). The review's hygiene
    flags read more than `ItemColumns` and have their SQL in `service.review.hygiene`."""
    if code is FlagCode.MULTIPLE_OWNERS:
        return c.owner_count > 1
    if code is FlagCode.UNOWNED:
        return unowned_sql(c)
    if code is FlagCode.UNDATED:
        return undated_sql(c)
    if code is FlagCode.UNTYPED:
        return c.type.is_(None)
    if code is FlagCode.NO_INCIDENT:
        return c.incident.is_(None)
    if code is FlagCode.WONT_DO_WITHOUT_REASON:
        return and_(c.state == "wont_do", c.decision.is_(None))
    if code is FlagCode.STALE:
        return stale_sql(c, as_of, stale_after_days)
    return false()  # the review's hygiene flags: `flags` never sets them either


def condition(expression: ColumnElement[bool], wanted: bool | None) -> ColumnElement[bool]:
    """`expression` when `wanted` is true, its negation when false, no filter when None."""
    if wanted is None:
        return true()
    return expression if wanted else not_(expression)
