"""The due-date policy: a target date for items that have no due date of their own.

The config's `due_date_policy` maps a priority or severity (matched against the item's
priority and its labels, ignoring case and the characters ` -_:.`, so `SEV-1`, `sev 1`
and `Sev1` are one key) to a window from the item's creation; the key `default` applies
to items no other key matches. When several keys match, the shortest window wins.
`target_date` is the UTC date of `created_at + window`; `policy_overdue` means active, no
due date, and a target date before T's date. `overdue` keeps its CONTRACT meaning.

Presets (`due_date_policy: pagerduty`, …):
- `pagerduty`: 15 days for items from a SEV-1, 30 days from a SEV-2 (PagerDuty's
  postmortem guidance for actions preventing a repeat).
- `atlassian-4w` / `atlassian-8w`: every item 4 or 8 weeks (Atlassian's handbook sets
  one of the two SLOs for priority actions "depending on the service").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, false, func, literal, or_

from service.metrics.definitions import ACTIVE_STATES, is_active, utc_date
from service.store.types import UTCDateTime

DEFAULT_KEY = "default"
IGNORED = " -_:."
PRESETS: dict[str, dict[str, timedelta]] = {
    "pagerduty": {"sev1": timedelta(days=15), "sev2": timedelta(days=30)},
    "atlassian-4w": {DEFAULT_KEY: timedelta(weeks=4)},
    "atlassian-8w": {DEFAULT_KEY: timedelta(weeks=8)},
}


def normalise(name: str) -> str:
    """A priority, label or policy key as matched: lower-case, without ` -_:.`."""
    text = name.lower()
    for character in IGNORED:
        text = text.replace(character, "")
    return text


@dataclass(frozen=True)
class Target:
    """A policy-derived target date and the key and window that set it."""

    date: date
    key: str
    days: float


@dataclass(frozen=True)
class DueDatePolicy:
    """Windows by normalised key; empty means no policy."""

    windows: Mapping[str, timedelta] = field(default_factory=dict)

    @classmethod
    def from_config(cls, windows: Mapping[str, timedelta]) -> DueDatePolicy:
        return cls({normalise(key): window for key, window in windows.items()})

    def target(
        self, priority: str | None, labels: Sequence[str], created_at: datetime
    ) -> Target | None:
        """The target for an item with this priority and labels, None when no key applies."""
        names = {normalise(name) for name in (priority, *labels) if name is not None}
        matched = [key for key in self.windows if key in names and key != DEFAULT_KEY]
        if not matched and DEFAULT_KEY in self.windows:
            matched = [DEFAULT_KEY]
        if not matched:
            return None
        key = min(matched, key=lambda k: (self.windows[k], k))
        window = self.windows[key]
        return Target(utc_date(created_at + window), key, window / timedelta(days=1))

    def is_overdue(self, state: str, target: Target | None, as_of: datetime) -> bool:
        """Active with a policy target date (so no due date) before T's date."""
        return is_active(state) and target is not None and target.date < utc_date(as_of)

    def overdue_sql(
        self,
        state: ColumnElement[Any],
        due_date: ColumnElement[Any],
        priority: ColumnElement[Any],
        labels: ColumnElement[Any],
        created_at: ColumnElement[Any],
        as_of: datetime,
    ) -> ColumnElement[bool]:
        """`is_overdue` in SQL: some applicable key's window has passed (the shortest
        window passes first, so "some" equals "the one that wins")."""
        midnight = datetime.combine(utc_date(as_of), time(), tzinfo=UTC)
        named = [key for key in self.windows if key != DEFAULT_KEY]
        matches = {key: _matches_sql(key, priority, labels) for key in named}
        passed = [
            and_(matches[key], created_at < _instant(midnight - self.windows[key])) for key in named
        ]
        if DEFAULT_KEY in self.windows:
            unmatched = and_(*(~m for m in matches.values())) if matches else literal(True)
            threshold = _instant(midnight - self.windows[DEFAULT_KEY])
            passed.append(and_(unmatched, created_at < threshold))
        return and_(
            state.in_(ACTIVE_STATES),
            due_date.is_(None),
            or_(false(), *passed),
        )


def _instant(value: datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime())


def _normalised_sql(value: ColumnElement[Any]) -> ColumnElement[Any]:
    text: ColumnElement[Any] = func.lower(value)
    for character in IGNORED:
        text = func.replace(text, character, "")
    return text


def _matches_sql(
    key: str, priority: ColumnElement[Any], labels: ColumnElement[Any]
) -> ColumnElement[bool]:
    """The priority or a label normalises to `key` (labels: in their JSON text)."""
    in_labels = _normalised_sql(cast(labels, String)).like(f'%"{key}"%')
    return or_(func.coalesce(_normalised_sql(priority), "") == key, in_labels)
