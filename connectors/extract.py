"""Shared parsing every connector uses: incident refs, type labels, due dates, timestamps."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

from connectors.item import ItemType

_TYPE_PREFIXES = ("type:", "action-type:")
_DUE_LINE = re.compile(r"^\s*Due:\s*(\d{4}-\d{2}-\d{2})\s*$", re.IGNORECASE | re.MULTILINE)
_DUE_LABEL = re.compile(r"^due:(\d{4}-\d{2}-\d{2})$", re.IGNORECASE)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INCIDENT_LABEL = "incident:"
BLOCKED_LABEL = "blocked"


def item_type(labels: Iterable[str], *extra_values: str | None) -> ItemType | None:
    """The type named by a label `<type>`, `type:<type>` or `action-type:<type>`
    (case-insensitive), or by a tracker field value; the first match wins."""
    for value in (*labels, *extra_values):
        if not value:
            continue
        text = value.strip().lower()
        for prefix in _TYPE_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix) :].strip()
                break
        try:
            return ItemType(text)
        except ValueError:
            continue
    return None


def incident_ref(labels: Iterable[str], pattern: re.Pattern[str], *texts: str | None) -> str | None:
    """The item's incident: an `incident:<ref>` label wins, else the first pattern match in
    the texts in order (title, then body or description), else None."""
    return incident_from_label(labels) or incident_from_text(pattern, *texts)


def incident_from_label(labels: Iterable[str]) -> str | None:
    """The ref of the first `incident:<ref>` label."""
    for label in labels:
        if label.lower().startswith(_INCIDENT_LABEL):
            ref = label[len(_INCIDENT_LABEL) :].strip()
            if ref:
                return ref
    return None


def incident_from_text(pattern: re.Pattern[str], *texts: str | None) -> str | None:
    """The first match of the incident pattern, searching each text in order."""
    for text in texts:
        if text:
            match = pattern.search(text)
            if match:
                return match.group(0)
    return None


def has_blocked_label(labels: Iterable[str]) -> bool:
    """True when a label is exactly `blocked` (any case)."""
    return any(label.strip().lower() == BLOCKED_LABEL for label in labels)


def due_from_body(body: str | None) -> date | None:
    """The date of the first `Due: YYYY-MM-DD` line in an issue body that is a real date."""
    if not body:
        return None
    for match in _DUE_LINE.finditer(body):
        parsed = _parse_date(match.group(1))
        if parsed:
            return parsed
    return None


def due_from_labels(labels: Iterable[str]) -> date | None:
    """The date of the first valid `due:YYYY-MM-DD` label."""
    for label in labels:
        match = _DUE_LABEL.match(label.strip())
        if match:
            parsed = _parse_date(match.group(1))
            if parsed:
                return parsed
    return None


def parse_date(value: str) -> date:
    """A `YYYY-MM-DD` date; raises ValueError naming the value otherwise."""
    parsed = _parse_date(value)
    if parsed is None:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")
    return parsed


def parse_timestamp(value: str) -> datetime:
    """A tracker timestamp as aware UTC: accepts `Z`, `+00:00` and Jira's `+0000` offsets.

    Raises ValueError naming the value when it is not a timestamp or has no offset.
    """
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {value!r}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamp out of range: {value!r}") from None


def _parse_date(text: str) -> date | None:
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
