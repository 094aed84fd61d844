"""Turn one issue's raw REST JSON into an `Item` (CONNECTORS.md §5, CONTRACT.md §1).

Pure: reads only the JSON a listing returned, never PyGithub's lazy properties. Bad data
raises ValueError naming the field, so the connector reports that one item and goes on.

Mapping choices where the contract is silent:
- `raw_status` is `open`, `closed`, or `closed (<state_reason>)`; `resolution` is the
  `state_reason` of a closed issue (null while open).
- `priority` comes from the first label `priority:<value>` (the value as written) or
  `P0`..`P4` (any case, given upper-case).
- The milestone's `due_on` is a timestamp; its UTC date is the due date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from urllib.parse import urlsplit

from connectors.extract import (
    due_from_body,
    due_from_labels,
    has_blocked_label,
    incident_ref,
    item_type,
)
from connectors.fields import optional_text, optional_timestamp, text, timestamp, timestamp_field
from connectors.item import Item, ItemState

WONT_DO_REASONS = frozenset({"not_planned", "duplicate"})
_PRIORITY_PREFIX = "priority:"
_P_LEVEL = re.compile(r"^p[0-4]$", re.IGNORECASE)


def is_pull_request(raw: Mapping[str, object]) -> bool:
    """True for a pull request in an issue listing (it carries a `pull_request` key)."""
    return raw.get("pull_request") is not None


def normalize(
    raw: Mapping[str, object], *, partition: str, incident_pattern: re.Pattern[str]
) -> Item:
    """The item an issue's JSON describes; raises ValueError naming the bad field."""
    if is_pull_request(raw):
        raise ValueError("pull_request: a pull request is not an item")
    labels = label_names(raw)
    title = text(raw, "title")
    body = optional_text(raw, "body")
    closed = _state(raw) == "closed"
    reason = optional_text(raw, "state_reason")
    return Item(
        external_id=text(raw, "node_id", non_empty=True),
        key=issue_key(raw),
        url=text(raw, "html_url", non_empty=True),
        title=title,
        state=_item_state(closed, reason, _blocked_by(raw) > 0 or has_blocked_label(labels)),
        raw_status=(f"closed ({reason})" if reason else "closed") if closed else "open",
        created_at=timestamp_field(raw, "created_at"),
        updated_at=timestamp_field(raw, "updated_at"),
        partition=partition,
        resolution=reason if closed else None,
        type=item_type(labels),
        incident=incident_ref(labels, incident_pattern, title, body),
        owners=_owners(raw),
        priority=_priority(labels),
        due_date=_milestone_due(raw) or due_from_body(body) or due_from_labels(labels),
        resolved_at=optional_timestamp(raw, "closed_at") if closed else None,
        labels=labels,
    )


def issue_key(raw: Mapping[str, object]) -> str:
    """`owner/repo#number`, the repository read from `repository_url`, else `html_url`."""
    number = raw.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise ValueError(f"number: expected a positive integer, got {number!r}")
    return f"{repo_of(raw)}#{number}"


def repo_of(raw: Mapping[str, object]) -> str:
    """The issue's `owner/name`, from `repository_url` (`…/repos/owner/name`) or `html_url`."""
    api = raw.get("repository_url")
    if isinstance(api, str):
        parts = urlsplit(api).path.rstrip("/").split("/")
        if len(parts) >= 3 and parts[-3] == "repos" and all(parts[-2:]):
            return f"{parts[-2]}/{parts[-1]}"
        raise ValueError(f"repository_url: not a repository API URL: {api!r}")
    html = raw.get("html_url")
    if isinstance(html, str):
        parts = urlsplit(html).path.rstrip("/").split("/")
        if len(parts) >= 5 and parts[-2] == "issues" and all(parts[-4:-2]):
            return f"{parts[-4]}/{parts[-3]}"
    raise ValueError("repository_url: missing, and html_url names no repository")


def _item_state(closed: bool, reason: str | None, blocked: bool) -> ItemState:
    """Closed wins over blocked; GitHub has no in-progress state."""
    if closed:
        return ItemState.WONT_DO if reason in WONT_DO_REASONS else ItemState.DONE
    return ItemState.BLOCKED if blocked else ItemState.OPEN


def _state(raw: Mapping[str, object]) -> str:
    state = raw.get("state")
    if state not in ("open", "closed"):
        raise ValueError(f"state: expected 'open' or 'closed', got {state!r}")
    return str(state)


def _blocked_by(raw: Mapping[str, object]) -> int:
    summary = raw.get("issue_dependencies_summary")
    if summary is None:
        return 0
    if not isinstance(summary, Mapping):
        raise ValueError("issue_dependencies_summary: expected an object")
    count = summary.get("blocked_by", 0)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"issue_dependencies_summary.blocked_by: not a count: {count!r}")
    return count


def label_names(raw: Mapping[str, object]) -> tuple[str, ...]:
    """The issue's label names (labels come as objects, or as plain names)."""
    labels = raw.get("labels", [])
    if not isinstance(labels, list):
        raise ValueError("labels: expected a list")
    names: list[str] = []
    for label in labels:
        name = label.get("name") if isinstance(label, Mapping) else label
        if not isinstance(name, str):
            raise ValueError(f"labels: a label without a name: {label!r}")
        names.append(name)
    return tuple(names)


def _owners(raw: Mapping[str, object]) -> tuple[str, ...]:
    assignees = raw.get("assignees")
    if assignees is None:
        assignees = []
    if not isinstance(assignees, list):
        raise ValueError("assignees: expected a list")
    if not assignees and raw.get("assignee") is not None:
        assignees = [raw["assignee"]]
    logins: list[str] = []
    for user in assignees:
        login = user.get("login") if isinstance(user, Mapping) else None
        if not isinstance(login, str) or not login:
            raise ValueError(f"assignees: a user without a login: {user!r}")
        if login not in logins:
            logins.append(login)
    return tuple(logins)


def _priority(labels: Sequence[str]) -> str | None:
    for label in labels:
        text = label.strip()
        if text.lower().startswith(_PRIORITY_PREFIX) and text[len(_PRIORITY_PREFIX) :].strip():
            return text[len(_PRIORITY_PREFIX) :].strip()
        if _P_LEVEL.match(text):
            return text.upper()
    return None


def _milestone_due(raw: Mapping[str, object]) -> date | None:
    milestone = raw.get("milestone")
    if milestone is None:
        return None
    if not isinstance(milestone, Mapping):
        raise ValueError("milestone: expected an object")
    due_on = milestone.get("due_on")
    if due_on is None:
        return None
    return timestamp(due_on, "milestone.due_on").date()
