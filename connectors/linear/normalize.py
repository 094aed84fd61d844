"""Turn one Linear issue node (GraphQL JSON) into an `Item` (CONNECTORS.md §5, CONTRACT §1).

Pure: reads only the node the listing returned. Bad data raises ValueError naming the
field, so the connector reports that one item and goes on.

Mapping choices where the contract is silent:
- `raw_status` is the workflow state's name; `resolution` is that name for a closed item
  (completed, canceled, duplicate), null while active.
- `resolved_at` is `completedAt` for a completed issue, else `canceledAt` (Linear stamps
  it for canceled and duplicate), else whichever of the two is set.
- `priority` is `priorityLabel`, except `No priority` (priority 0), which is null.
- An assignee's `name` is the owner; should it be an email address (Linear fills it from
  the email for some accounts), `displayName` is used instead, so no email is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from connectors.extract import (
    has_blocked_label,
    incident_ref,
    item_type,
    parse_date,
)
from connectors.fields import optional_text, optional_timestamp, text, timestamp_field
from connectors.item import Item, ItemState

STATE_TYPES: Mapping[str, ItemState] = {
    "triage": ItemState.OPEN,
    "backlog": ItemState.OPEN,
    "unstarted": ItemState.OPEN,
    "started": ItemState.IN_PROGRESS,
    "completed": ItemState.DONE,
    "canceled": ItemState.WONT_DO,
    "duplicate": ItemState.WONT_DO,
}
FINISHED_TYPES = frozenset({"completed", "canceled", "duplicate"})
BLOCKS = "blocks"
NO_PRIORITY = 0


def normalize(
    node: Mapping[str, object], *, partition: str, incident_pattern: re.Pattern[str]
) -> Item:
    """The item a Linear issue node describes; raises ValueError naming the bad field."""
    labels = label_names(node)
    title = text(node, "title")
    description = optional_text(node, "description")
    state = _mapping(node, "state")
    state_type = text(state, "type", where="state.type")
    if state_type not in STATE_TYPES:
        raise ValueError(f"state.type: unknown workflow state type {state_type!r}")
    state_name = text(state, "name", where="state.name")
    normalised = STATE_TYPES[state_type]
    if normalised.is_active and (_blocked_by_relation(node) or has_blocked_label(labels)):
        normalised = ItemState.BLOCKED
    closed = normalised.is_closed
    return Item(
        external_id=text(node, "id", non_empty=True),
        key=text(node, "identifier", non_empty=True),
        url=text(node, "url", non_empty=True),
        title=title,
        state=normalised,
        raw_status=state_name,
        created_at=timestamp_field(node, "createdAt"),
        updated_at=timestamp_field(node, "updatedAt"),
        partition=partition,
        resolution=state_name if closed else None,
        type=item_type(labels),
        incident=incident_ref(labels, incident_pattern, title, description),
        owners=_owners(node),
        priority=_priority(node),
        due_date=_due_date(node),
        resolved_at=_resolved_at(node, state_type) if closed else None,
        labels=labels,
        previous_keys=_previous_identifiers(node),
    )


def is_trashed(node: Mapping[str, object]) -> bool:
    """True for an issue in Linear's trash (deleted): it is never a tracked item."""
    return node.get("trashed") is True


def team_key(node: Mapping[str, object]) -> str:
    """The key of the issue's team (e.g. `ENG`)."""
    return text(_mapping(node, "team"), "key", non_empty=True, where="team.key")


def label_names(node: Mapping[str, object]) -> tuple[str, ...]:
    """The issue's label names, from `labels.nodes[].name`."""
    return tuple(
        text(label, "name", where="labels.nodes[].name")
        for label in _nodes(node.get("labels"), "labels")
    )


def person(user: object, where: str) -> str | None:
    """A user's display string: `name`, or `displayName` when the name is an email address."""
    if user is None:
        return None
    if not isinstance(user, Mapping):
        raise ValueError(f"{where}: expected an object")
    name = user.get("name")
    display = user.get("displayName")
    if isinstance(name, str) and name.strip() and "@" not in name:
        return name
    if isinstance(display, str) and display.strip() and "@" not in display:
        return display
    raise ValueError(f"{where}: a user without a name")


def _blocked_by_relation(node: Mapping[str, object]) -> bool:
    """An inverse `blocks` relation from an issue that is not finished."""
    for relation in _nodes(node.get("inverseRelations"), "inverseRelations"):
        if relation.get("type") != BLOCKS:
            continue
        blocker = relation.get("issue")
        if not isinstance(blocker, Mapping):
            raise ValueError("inverseRelations.nodes[].issue: expected an object")
        blocker_state = blocker.get("state")
        kind = blocker_state.get("type") if isinstance(blocker_state, Mapping) else None
        if kind not in FINISHED_TYPES:
            return True
    return False


def _owners(node: Mapping[str, object]) -> tuple[str, ...]:
    owner = person(node.get("assignee"), "assignee")
    return (owner,) if owner else ()


def _priority(node: Mapping[str, object]) -> str | None:
    if node.get("priority") == NO_PRIORITY:
        return None
    label = optional_text(node, "priorityLabel")
    return label if label and label.strip() else None


def _due_date(node: Mapping[str, object]) -> date | None:
    value = optional_text(node, "dueDate")
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValueError(f"dueDate: {exc}") from None


def _resolved_at(node: Mapping[str, object], state_type: str) -> datetime | None:
    completed = optional_timestamp(node, "completedAt")
    canceled = optional_timestamp(node, "canceledAt")
    if state_type == "completed":
        return completed or canceled
    return canceled or completed


def _previous_identifiers(node: Mapping[str, object]) -> tuple[str, ...]:
    value = node.get("previousIdentifiers")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("previousIdentifiers: expected a list of identifiers")
    return tuple(value)


def _nodes(value: object, where: str) -> Sequence[Mapping[str, object]]:
    """The `nodes` of a nested connection (absent or null means none)."""
    if value is None:
        return ()
    nodes = value.get("nodes") if isinstance(value, Mapping) else None
    if not isinstance(nodes, list) or not all(isinstance(n, Mapping) for n in nodes):
        raise ValueError(f"{where}: expected a connection with a list of nodes")
    return nodes


def _mapping(node: Mapping[str, object], name: str) -> Mapping[str, object]:
    value = node.get(name)
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: expected an object, got {type(value).__name__}")
    return value
