"""Turn one Jira issue's REST v2 JSON into an `Item` (CONNECTORS.md §5, CONTRACT.md §1).

Pure: reads only the issue JSON a search returned (with explicit `fields`). Bad data
raises ValueError naming the field, so the connector reports that one item and goes on.

Mapping choices where the contract is silent:
- `raw_status` is the status name; `resolution` the resolution name (null when none).
- `resolved_at` is set for closed items only: `resolutiondate`, else
  `statuscategorychangedate`.
- The type field may hold text, a select option (`{"value": …}`) or a list of either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from connectors.extract import (
    incident_from_label,
    incident_from_text,
    item_type,
    parse_date,
)
from connectors.fields import optional_text, text, timestamp_field
from connectors.item import Item, ItemState

BLOCKED_STATUS = re.compile(r"blocked", re.IGNORECASE)
BLOCKED_BY = "is blocked by"
DONE = "done"
IN_PROGRESS = "indeterminate"
NOT_STARTED = frozenset({"new", "undefined"})
CATEGORIES = frozenset({DONE, IN_PROGRESS, *NOT_STARTED})

T = TypeVar("T")


@dataclass(frozen=True)
class Rules:
    """What a source configures about mapping, plus the site's field ids."""

    site: str
    partition: str
    incident_pattern: re.Pattern[str]
    wont_do: frozenset[str]
    """Resolution names meaning won't do, case-folded."""
    flagged_field: str | None = None
    type_field: str | None = None
    incident_project: str | None = None


def item_state(
    category: str, resolution: str | None, blocked: bool, wont_do: frozenset[str]
) -> ItemState:
    """The normalised state: closed > blocked > in_progress > open."""
    if category not in CATEGORIES:
        raise ValueError(f"status.statusCategory.key: unknown category {category!r}")
    if category == DONE:
        if resolution is not None and resolution.casefold() in wont_do:
            return ItemState.WONT_DO
        return ItemState.DONE
    if blocked:
        return ItemState.BLOCKED
    return ItemState.IN_PROGRESS if category == IN_PROGRESS else ItemState.OPEN


def blocked_status(name: str | None) -> bool:
    """True for a status whose name says blocked (any case, anywhere in the name)."""
    return bool(name and BLOCKED_STATUS.search(name))


def flagged(value: object) -> bool:
    """True when the Flagged field holds a value (Jira sends a list of options, or null)."""
    if isinstance(value, list):
        return len(value) > 0
    return value not in (None, "", {})


def normalize(raw: Mapping[str, Any], rules: Rules) -> Item:
    """The item an issue's JSON describes; raises ValueError naming the bad field."""
    key = text(raw, "key", non_empty=True)
    fields = raw.get("fields")
    if not isinstance(fields, Mapping):
        raise ValueError("fields: expected an object")
    labels = _labels(fields)
    title = optional_text(fields, "summary") or ""
    status = _object(fields, "status", required=True)
    status_name = optional_text(status, "name") or ""
    category = _category(status)
    resolution = _name_of(fields, "resolution")
    links = _links(fields)
    blocked = (
        blocked_status(status_name)
        or (rules.flagged_field is not None and flagged(fields.get(rules.flagged_field)))
        or any(_blocks_this(link) for link in links)
    )
    state = item_state(category, resolution, blocked, rules.wont_do)
    assignee = fields.get("assignee")
    owner = optional_text(assignee, "displayName") if isinstance(assignee, Mapping) else None
    return Item(
        external_id=text(raw, "id", non_empty=True),
        key=key,
        url=f"{rules.site}/browse/{key}",
        title=title,
        state=state,
        raw_status=status_name,
        created_at=timestamp_field(fields, "created"),
        updated_at=timestamp_field(fields, "updated"),
        partition=rules.partition,
        resolution=resolution,
        type=item_type(labels, *_type_values(fields, rules.type_field)),
        incident=incident_from_label(labels)
        or _incident_link(links, rules.incident_project)
        or incident_from_text(rules.incident_pattern, title, optional_text(fields, "description")),
        owners=(owner,) if owner else (),
        priority=_name_of(fields, "priority"),
        due_date=_due(fields),
        resolved_at=_resolved_at(fields) if state.is_closed else None,
        labels=labels,
    )


def _category(status: Mapping[str, Any]) -> str:
    category = status.get("statusCategory")
    value = category.get("key") if isinstance(category, Mapping) else None
    if not isinstance(value, str):
        raise ValueError("status.statusCategory.key: missing")
    return value


def _links(fields: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    links = fields.get("issuelinks")
    if links is None:
        return ()
    if not isinstance(links, list) or not all(isinstance(link, Mapping) for link in links):
        raise ValueError("issuelinks: expected a list of objects")
    return links


def _blocks_this(link: Mapping[str, Any]) -> bool:
    """An "is blocked by" link to an issue whose status category is not done."""
    other = link.get("inwardIssue")
    kind = link.get("type")
    inward = kind.get("inward") if isinstance(kind, Mapping) else None
    if not isinstance(other, Mapping) or not isinstance(inward, str):
        return False
    if inward.strip().casefold() != BLOCKED_BY:
        return False
    other_fields = other.get("fields")
    status = other_fields.get("status") if isinstance(other_fields, Mapping) else None
    if not isinstance(status, Mapping):
        return True  # a blocker whose status we cannot see still blocks
    return _category(status) != DONE


def _incident_link(links: Sequence[Mapping[str, Any]], project: str | None) -> str | None:
    """The key of the first linked issue (either direction) in the incident project."""
    if project is None:
        return None
    for link in links:
        for side in ("inwardIssue", "outwardIssue"):
            other = link.get(side)
            key = other.get("key") if isinstance(other, Mapping) else None
            if isinstance(key, str) and key.partition("-")[0] == project:
                return key
    return None


def _type_values(fields: Mapping[str, Any], field_id: str | None) -> list[str | None]:
    if field_id is None:
        return []
    value = fields.get(field_id)
    values = value if isinstance(value, list) else [value]
    found: list[str | None] = []
    for entry in values:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, Mapping) and isinstance(entry.get("value"), str):
            found.append(entry["value"])
    return found


def _labels(fields: Mapping[str, Any]) -> tuple[str, ...]:
    labels = fields.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise ValueError("labels: expected a list of strings")
    return tuple(labels)


def _due(fields: Mapping[str, Any]) -> date | None:
    return None if fields.get("duedate") is None else _parsed(fields, "duedate", parse_date)


def _resolved_at(fields: Mapping[str, Any]) -> datetime | None:
    for name in ("resolutiondate", "statuscategorychangedate"):
        if fields.get(name) is not None:
            return timestamp_field(fields, name)
    return None


def _object(fields: Mapping[str, Any], name: str, *, required: bool = False) -> Mapping[str, Any]:
    value = fields.get(name)
    if isinstance(value, Mapping):
        return value
    if value is None and not required:
        return {}
    raise ValueError(f"{name}: expected an object, got {type(value).__name__}")


def _name_of(fields: Mapping[str, Any], name: str) -> str | None:
    return optional_text(_object(fields, name), "name")


def _parsed(fields: Mapping[str, Any], name: str, parse: Callable[[str], T]) -> T:
    """A text field parsed by `parse`; ValueError naming the field otherwise."""
    value = fields.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected text, got {value!r}")
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
