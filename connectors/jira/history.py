"""An issue's tracker history from its Jira changelog: changes of state, owner, due date.

The changelog records every status, resolution, assignee, due-date and Flagged change
with its time and both sides, so the issue's starting values are the `from` side of
each field's first change (or, for a field that never changed, its current value). The
state is replayed from status category, resolution and blocked-ness. Blocking links are
not in the changelog, so when the replay ends away from the issue as last listed, one
closing change at its `updated_at` makes the history end where the item is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from connectors.extract import parse_date, parse_timestamp
from connectors.item import Change, HistoryField, Item, ItemState
from connectors.jira.normalize import blocked_status, item_state
from connectors.jira.site import Status

FIELDS = (HistoryField.STATE, HistoryField.OWNER, HistoryField.DUE_DATE)
CHANGELOG_FIELDS = ("status", "resolution", "assignee", "duedate")
Values = dict[HistoryField, str | None]


@dataclass(frozen=True)
class Replay:
    """The issue between changelog entries (None: not known from what we have)."""

    status: Status | None
    resolution: str | None
    flagged: bool
    linked_block: bool
    owner: str | None
    due: str | None

    def values(self, wont_do: frozenset[str]) -> Values:
        state = None
        if self.status is not None:
            blocked = blocked_status(self.status.name) or self.flagged or self.linked_block
            try:
                state = item_state(self.status.category, self.resolution, blocked, wont_do).value
            except ValueError:
                state = None
        return {
            HistoryField.STATE: state,
            HistoryField.OWNER: self.owner,
            HistoryField.DUE_DATE: self.due,
        }


@dataclass(frozen=True)
class Known:
    """What the replay needs to read a changelog: statuses by id, the Flagged field id,
    the won't-do resolutions (case-folded)."""

    statuses: Mapping[str, Status]
    flagged_field: str | None
    wont_do: frozenset[str]

    def status(self, status_id: object, name: object) -> Status | None:
        if isinstance(status_id, str) and status_id in self.statuses:
            return self.statuses[status_id]
        if isinstance(name, str):
            for status in self.statuses.values():
                if status.name.casefold() == name.casefold():
                    return status
        return None


def changes_from_changelog(
    external_id: str,
    histories: Sequence[Mapping[str, Any]],
    known: Known,
    current: Item | None = None,
) -> list[Change]:
    """The changes the changelog records, ending at `current` (the issue as last listed)
    when given. Entries without a readable time are skipped."""
    timed = sorted(
        (
            (at, _items(entry))
            for entry in histories
            if (at := changelog_time(entry.get("created")))
        ),
        key=lambda pair: pair[0],
    )
    issue = _start(timed, known, current)
    before = issue.values(known.wont_do)
    found: list[Change] = []
    for at, items in timed:
        for item in items:
            issue = _apply(issue, item, known)
        after = issue.values(known.wont_do)
        found += _differences(external_id, at, before, after)
        before = after
    if current is not None:
        found += _differences(external_id, current.updated_at, before, _values_of(current))
    return found


def changelog_time(value: object) -> datetime | None:
    """A changelog `created`: Jira's timestamp text, or epoch milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def _items(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = entry.get("items")
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _kind(item: Mapping[str, Any], known: Known) -> str | None:
    field_id, name = item.get("fieldId"), item.get("field")
    if known.flagged_field is not None and field_id == known.flagged_field:
        return "flagged"
    if isinstance(name, str) and name.casefold() == "flagged":
        return "flagged"
    for kind in CHANGELOG_FIELDS:
        if field_id == kind or (isinstance(name, str) and name.casefold() == kind):
            return kind
    return None


def _start(
    timed: Sequence[tuple[datetime, list[Mapping[str, Any]]]], known: Known, current: Item | None
) -> Replay:
    """How the issue began: each field's first `from`, else its current value."""
    first: dict[str, Mapping[str, Any]] = {}
    for _, items in timed:
        for item in items:
            kind = _kind(item, known)
            if kind is not None:
                first.setdefault(kind, item)
    status = None
    if "status" in first:
        status = known.status(first["status"].get("from"), first["status"].get("fromString"))
    elif current is not None:
        status = known.status(None, current.raw_status)
    linked_block = False
    if current is not None and current.state is ItemState.BLOCKED:
        linked_block = not blocked_status(current.raw_status) and "flagged" not in first
    return Replay(
        status=status,
        resolution=_text(first["resolution"], "fromString")
        if "resolution" in first
        else (current.resolution if current else None),
        flagged=bool(_text(first["flagged"], "fromString")) if "flagged" in first else False,
        linked_block=linked_block,
        owner=_text(first["assignee"], "fromString")
        if "assignee" in first
        else (current.owner if current else None),
        due=_due(first["duedate"].get("from"))
        if "duedate" in first
        else (_iso(current.due_date) if current else None),
    )


def _apply(issue: Replay, item: Mapping[str, Any], known: Known) -> Replay:
    kind = _kind(item, known)
    if kind == "status":
        return replace(issue, status=known.status(item.get("to"), item.get("toString")))
    if kind == "resolution":
        return replace(issue, resolution=_text(item, "toString"))
    if kind == "flagged":
        return replace(issue, flagged=bool(_text(item, "toString")))
    if kind == "assignee":
        return replace(issue, owner=_text(item, "toString"))
    if kind == "duedate":
        return replace(issue, due=_due(item.get("to")))
    return issue


def _values_of(item: Item) -> Values:
    return {
        HistoryField.STATE: item.state.value,
        HistoryField.OWNER: item.owner,
        HistoryField.DUE_DATE: _iso(item.due_date),
    }


def _differences(external_id: str, at: datetime, before: Values, after: Values) -> list[Change]:
    return [
        Change(external_id, at, name, before[name], after[name])
        for name in FIELDS
        if before[name] != after[name]
        and not (name is HistoryField.STATE and (before[name] is None or after[name] is None))
    ]


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) and value else None


def _due(value: object) -> str | None:
    """A changelog due date (`2026-03-10`, sometimes with a time after it) as ISO text."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return parse_date(value[:10]).isoformat()
    except ValueError:
        return None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
