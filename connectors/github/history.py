"""An issue's tracker history from its events: changes of state, owner and due date.

The events (closed/reopened, labeled/unlabeled, assigned/unassigned, milestoned/
demilestoned) are replayed forward from how an issue starts: open, unassigned, no
milestone, due by its body's `Due:` line if any. Events do not record everything (a
blocking dependency, a milestone's due date, a body edit), so when the replay ends
away from the issue as last listed, one closing change at its `updated_at` makes the
history end where the item is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from connectors.extract import (
    due_from_body,
    due_from_labels,
    has_blocked_label,
    parse_timestamp,
)
from connectors.github.normalize import WONT_DO_REASONS
from connectors.item import Change, HistoryField, Item, ItemState

Values = dict[HistoryField, str | None]
FIELDS = (HistoryField.STATE, HistoryField.OWNER, HistoryField.DUE_DATE)


@dataclass(frozen=True)
class Known:
    """What the issue as last listed says about due dates the events cannot tell."""

    body_due: date | None = None
    milestone_title: str | None = None
    milestone_due: date | None = None

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> Known:
        if raw is None:
            return cls()
        body = raw.get("body")
        milestone = raw.get("milestone")
        if not isinstance(milestone, Mapping):
            return cls(due_from_body(body if isinstance(body, str) else None))
        due_on = milestone.get("due_on")
        try:
            due = parse_timestamp(due_on).date() if isinstance(due_on, str) else None
        except ValueError:
            due = None
        title = milestone.get("title")
        return cls(
            due_from_body(body if isinstance(body, str) else None),
            title if isinstance(title, str) else None,
            due,
        )


@dataclass
class _Issue:
    """The replayed issue between events."""

    known: Known
    closed: bool = False
    reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: str | None = None

    def values(self) -> Values:
        if self.closed:
            state = ItemState.WONT_DO if self.reason in WONT_DO_REASONS else ItemState.DONE
        else:
            state = ItemState.BLOCKED if has_blocked_label(self.labels) else ItemState.OPEN
        milestone_due = (
            self.known.milestone_due
            if self.milestone is not None and self.milestone == self.known.milestone_title
            else None
        )
        due = milestone_due or self.known.body_due or due_from_labels(self.labels)
        return {
            HistoryField.STATE: state.value,
            HistoryField.OWNER: self.assignees[0] if self.assignees else None,
            HistoryField.DUE_DATE: due.isoformat() if due else None,
        }

    def apply(self, event: Mapping[str, Any], final_reason: str | None) -> None:
        kind = event.get("event")
        if kind == "closed":
            self.closed = True
            reason = event.get("state_reason")
            self.reason = reason if isinstance(reason, str) else final_reason
        elif kind == "reopened":
            self.closed, self.reason = False, None
        elif kind in ("labeled", "unlabeled"):
            name = _name(event.get("label"), "name")
            if name is not None:
                self.labels = [n for n in self.labels if n.casefold() != name.casefold()]
                if kind == "labeled":
                    self.labels.append(name)
        elif kind in ("assigned", "unassigned"):
            login = _name(event.get("assignee"), "login")
            if login is not None:
                self.assignees = [a for a in self.assignees if a != login]
                if kind == "assigned":
                    self.assignees.append(login)
        elif kind == "milestoned":
            self.milestone = _name(event.get("milestone"), "title")
        elif kind == "demilestoned":
            self.milestone = None


def changes_from_events(
    external_id: str,
    events: Sequence[Mapping[str, Any]],
    current: Item | None = None,
    raw: Mapping[str, Any] | None = None,
) -> list[Change]:
    """The changes the events record, ending at `current` (the issue as last listed) when
    given. Events without a readable time or type are skipped."""
    timed = sorted(
        ((at, event) for event in events if (at := _at(event)) is not None),
        key=lambda pair: pair[0],
    )
    closes = [i for i, (_, event) in enumerate(timed) if event.get("event") == "closed"]
    final_reason = current.resolution if current and current.state.is_closed else None
    issue = _Issue(Known.of(raw))
    before = issue.values()
    found: list[Change] = []
    for index, (at, event) in enumerate(timed):
        issue.apply(event, final_reason if closes and index == closes[-1] else None)
        after = issue.values()
        found += _differences(external_id, at, before, after)
        before = after
    if current is not None:
        found += _differences(external_id, current.updated_at, before, _values_of(current))
    return found


def _values_of(item: Item) -> Values:
    return {
        HistoryField.STATE: item.state.value,
        HistoryField.OWNER: item.owner,
        HistoryField.DUE_DATE: item.due_date.isoformat() if item.due_date else None,
    }


def _differences(external_id: str, at: datetime, before: Values, after: Values) -> list[Change]:
    return [
        Change(external_id, at, name, before[name], after[name])
        for name in FIELDS
        if before[name] != after[name]
    ]


def _at(event: Mapping[str, Any]) -> datetime | None:
    value = event.get("created_at")
    if not isinstance(event.get("event"), str) or not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def _name(value: object, key: str) -> str | None:
    name = value.get(key) if isinstance(value, Mapping) else None
    return name if isinstance(name, str) and name else None
