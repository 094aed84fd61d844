"""An issue's tracker history from Linear's `IssueHistory` entries: state, owner, due date.

Each entry records what one edit changed (`fromState`/`toState`, `fromAssignee`/
`toAssignee`, `fromDueDate`/`toDueDate`) at its `createdAt`. Workflow states map by type
(CONTRACT §1); Linear records no entry when a blocking issue is added or finishes, so when
the entries end away from the issue as last listed, one closing change at its `updatedAt`
makes the history end where the item is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from connectors.fields import timestamp
from connectors.item import Change, HistoryField, Item
from connectors.linear.normalize import STATE_TYPES, person

Values = dict[HistoryField, str | None]


def changes_from_history(
    external_id: str, entries: Sequence[Mapping[str, object]], current: Item | None = None
) -> list[Change]:
    """The changes the entries record, oldest first, ending at `current` when given.
    Entries without a readable time are skipped."""
    timed = sorted(
        ((at, entry) for entry in entries if (at := _at(entry)) is not None),
        key=lambda pair: pair[0],
    )
    found: list[Change] = []
    last: Values = {}
    for at, entry in timed:
        for field, before, after in _edits(entry):
            if before != after:
                found.append(Change(external_id, at, field, before, after))
                last[field] = after
    if current is not None:
        now = _values_of(current)
        found += [
            Change(external_id, current.updated_at, field, value, now[field])
            for field, value in last.items()
            if value != now[field]
        ]
    return found


def _edits(entry: Mapping[str, object]) -> list[tuple[HistoryField, str | None, str | None]]:
    """(field, before, after) for each tracked field this entry changed."""
    edits: list[tuple[HistoryField, str | None, str | None]] = []
    before_state, after_state = _state(entry.get("fromState")), _state(entry.get("toState"))
    if before_state is not None and after_state is not None:
        edits.append((HistoryField.STATE, before_state, after_state))
    if entry.get("fromAssigneeId") != entry.get("toAssigneeId"):
        edits.append(
            (
                HistoryField.OWNER,
                _person(entry.get("fromAssignee")),
                _person(entry.get("toAssignee")),
            )
        )
    before_due, after_due = entry.get("fromDueDate"), entry.get("toDueDate")
    if before_due != after_due:
        edits.append((HistoryField.DUE_DATE, _text(before_due), _text(after_due)))
    return edits


def _state(value: object) -> str | None:
    kind = value.get("type") if isinstance(value, Mapping) else None
    state = STATE_TYPES.get(kind) if isinstance(kind, str) else None
    return state.value if state else None


def _person(value: object) -> str | None:
    try:
        return person(value, "assignee")
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _values_of(item: Item) -> Values:
    return {
        HistoryField.STATE: item.state.value,
        HistoryField.OWNER: item.owner,
        HistoryField.DUE_DATE: item.due_date.isoformat() if item.due_date else None,
    }


def _at(entry: Mapping[str, object]) -> datetime | None:
    try:
        return timestamp(entry.get("createdAt"), "createdAt")
    except ValueError:
        return None
