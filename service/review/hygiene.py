"""The hygiene flags the review adds to every item they apply to, each with its rule, its
message, and the same rule as SQL for the items list's `flag=` filter.

- `vague`, `too_large`: the title rules of `service.review.titles` (any state).
- `due_date_slipped`: active, and its due date was moved to a later date at least
  `SLIPS_TO_FLAG` (2) times up to T (history entries from one date to a later one).
- `unassigned_after_owned`: active with no owner at T, after having had one at some point
  up to T.
- `moved_back`: open at T, and its latest state change up to T came from in_progress.
- `policy_overdue`: see `service.review.policy`.

History-based flags read only history at or before T, so they hold for any `as_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_

from service.metrics.definitions import ACTIVE_STATES, Flag, FlagCode, is_active
from service.review import titles
from service.review.policy import DueDatePolicy, Target

SLIPS_TO_FLAG = 2
"""How many moves of the due date to a later date make an item `due_date_slipped`."""

HYGIENE_FLAGS = (
    FlagCode.VAGUE,
    FlagCode.TOO_LARGE,
    FlagCode.DUE_DATE_SLIPPED,
    FlagCode.UNASSIGNED_AFTER_OWNED,
    FlagCode.MOVED_BACK,
    FlagCode.POLICY_OVERDUE,
)


@dataclass(frozen=True)
class HistoryFacts:
    """What an item's history up to T says, as the history-based flags need it."""

    slips: int
    """Due-date changes from one date to a later one."""
    owned_before: bool
    """Some owner entry up to T names an owner."""
    last_state_from: str | None
    """The state the latest state change up to T left (None when it was the first)."""


@dataclass(frozen=True)
class HygieneItem:
    """An item's values at T that the hygiene rules read."""

    title: str
    state: str
    owner: str | None
    due_date: date | None
    priority: str | None
    labels: Sequence[str]
    created_at: datetime
    facts: HistoryFacts


def is_slipped(state: str, facts: HistoryFacts) -> bool:
    return is_active(state) and facts.slips >= SLIPS_TO_FLAG


def is_unassigned_after_owned(state: str, owner: str | None, facts: HistoryFacts) -> bool:
    return is_active(state) and owner is None and facts.owned_before


def is_moved_back(state: str, facts: HistoryFacts) -> bool:
    return state == "open" and facts.last_state_from == "in_progress"


def flags(
    item: HygieneItem, as_of: datetime, policy: DueDatePolicy, target: Target | None
) -> list[Flag]:
    """The hygiene flags of one item at T, in `FlagCode` order; `target` is its
    policy-derived target date (None without one)."""
    found: list[Flag] = []
    if titles.is_vague(item.title):
        found.append(Flag(FlagCode.VAGUE, titles.VAGUE_MESSAGE))
    if titles.is_too_large(item.title):
        found.append(Flag(FlagCode.TOO_LARGE, titles.TOO_LARGE_MESSAGE))
    if is_slipped(item.state, item.facts):
        found.append(
            Flag(
                FlagCode.DUE_DATE_SLIPPED,
                f"due date moved later {item.facts.slips} times: agree a date that holds",
            )
        )
    if is_unassigned_after_owned(item.state, item.owner, item.facts):
        found.append(
            Flag(
                FlagCode.UNASSIGNED_AFTER_OWNED,
                "had an owner and now has none: find a new one or drop it",
            )
        )
    if is_moved_back(item.state, item.facts):
        found.append(Flag(FlagCode.MOVED_BACK, "moved back from in progress to open"))
    if target is not None and policy.is_overdue(item.state, target, as_of):
        found.append(
            Flag(
                FlagCode.POLICY_OVERDUE,
                f"no due date, and the policy's target date {target.date.isoformat()} "
                f"({target.key}: {target.days:g} days from creation) has passed",
            )
        )
    return found


@dataclass(frozen=True)
class HygieneColumns:
    """SQL expressions for the values at T the hygiene rules read."""

    title: ColumnElement[Any]
    state: ColumnElement[Any]
    owner: ColumnElement[Any]
    due_date: ColumnElement[Any]
    priority: ColumnElement[Any]
    labels: ColumnElement[Any]
    created_at: ColumnElement[Any]
    slips: ColumnElement[Any]
    owned_before: ColumnElement[Any]
    last_state_from: ColumnElement[Any]


def flag_sql(
    code: FlagCode, c: HygieneColumns, as_of: datetime, policy: DueDatePolicy
) -> ColumnElement[bool]:
    """True where the item carries hygiene flag `code` at T."""
    active = c.state.in_(ACTIVE_STATES)
    if code is FlagCode.VAGUE:
        return titles.vague_sql(c.title)
    if code is FlagCode.TOO_LARGE:
        return titles.too_large_sql(c.title)
    if code is FlagCode.DUE_DATE_SLIPPED:
        return and_(active, c.slips >= SLIPS_TO_FLAG)
    if code is FlagCode.UNASSIGNED_AFTER_OWNED:
        return and_(active, c.owner.is_(None), c.owned_before)
    if code is FlagCode.MOVED_BACK:
        return and_(c.state == "open", c.last_state_from == "in_progress")
    if code is FlagCode.POLICY_OVERDUE:
        return policy.overdue_sql(c.state, c.due_date, c.priority, c.labels, c.created_at, as_of)
    raise ValueError(f"{code} is not a hygiene flag")
