"""The fake Linear's records (users, workflow states, issues) and their GraphQL JSON.

Shapes follow Linear's public `schema.graphql` for the fields the connector selects.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

WORKSPACE_URL = "https://linear.app/acme"
JSON = dict[str, Any]
PRIORITY_LABELS = ("No priority", "Urgent", "High", "Medium", "Low")


def iso(moment: datetime) -> str:
    """Linear's timestamp format: UTC with milliseconds and a `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass(frozen=True)
class FakeUser:
    """A workspace member; `name` is what followthrough shows, `email` it must never show."""

    id: str
    name: str
    display_name: str
    email: str


@dataclass(frozen=True)
class FakeState:
    """One workflow state of the workspace (shared by every team here)."""

    id: str
    name: str
    type: str


@dataclass
class FakeLinearIssue:
    """The fake's record of one issue."""

    id: str
    team: str
    number: int
    title: str
    description: str
    state: FakeState
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)
    assignee: FakeUser | None = None
    priority: int = 0
    due_date: date | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    canceled_at: datetime | None = None
    archived_at: datetime | None = None
    trashed: bool = False
    previous_identifiers: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)
    history: list[JSON] = field(default_factory=list)
    comments: list[JSON] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        return f"{self.team}-{self.number}"

    @property
    def url(self) -> str:
        return f"{WORKSPACE_URL}/issue/{self.identifier}"


def history_node(entry: Mapping[str, Any]) -> JSON:
    def state(value: FakeState | None) -> JSON | None:
        return state_json(value) if value else None

    def user(value: FakeUser | None) -> JSON | None:
        return user_json(value) if value else None

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": entry["id"],
        "createdAt": iso(entry["createdAt"]),
        "fromState": state(entry.get("fromState")),
        "toState": state(entry.get("toState")),
        "fromStateId": entry["fromState"].id if entry.get("fromState") else None,
        "toStateId": entry["toState"].id if entry.get("toState") else None,
        "fromAssignee": user(entry.get("fromAssignee")),
        "toAssignee": user(entry.get("toAssignee")),
        "fromAssigneeId": entry["fromAssignee"].id if entry.get("fromAssignee") else None,
        "toAssigneeId": entry["toAssignee"].id if entry.get("toAssignee") else None,
        "fromDueDate": day(entry.get("fromDueDate")),
        "toDueDate": day(entry.get("toDueDate")),
    }


def user_json(user: FakeUser) -> JSON:
    return {
        "id": user.id,
        "name": user.name,
        "displayName": user.display_name,
        "email": user.email,
    }


def stable_id(kind: str, name: str) -> str:
    """A stable UUID per kind and name, like Linear's ids."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"linear-fake:{kind}:{name}"))


def issue_json(issue: FakeLinearIssue, blockers: list[FakeLinearIssue]) -> JSON:
    """An Issue node with every field the connector selects (nested connections aside)."""

    def optional(moment: datetime | None) -> str | None:
        return iso(moment) if moment else None

    return {
        "id": issue.id,
        "identifier": issue.identifier,
        "number": issue.number,
        "title": issue.title,
        "description": issue.description,
        "url": issue.url,
        "priority": issue.priority,
        "priorityLabel": PRIORITY_LABELS[issue.priority],
        "previousIdentifiers": list(issue.previous_identifiers),
        "createdAt": iso(issue.created_at),
        "updatedAt": iso(issue.updated_at),
        "startedAt": optional(issue.started_at),
        "completedAt": optional(issue.completed_at),
        "canceledAt": optional(issue.canceled_at),
        "archivedAt": optional(issue.archived_at),
        "trashed": issue.trashed or None,
        "dueDate": issue.due_date.isoformat() if issue.due_date else None,
        "state": state_json(issue.state),
        "team": {"id": stable_id("team", issue.team), "key": issue.team},
        "assignee": user_json(issue.assignee) if issue.assignee else None,
        "labels": {
            "nodes": [{"id": stable_id("label", name), "name": name} for name in issue.labels]
        },
        "inverseRelations": {
            "nodes": [
                {
                    "type": "blocks",
                    "issue": {
                        "id": blocker.id,
                        "identifier": blocker.identifier,
                        "state": state_json(blocker.state),
                    },
                }
                for blocker in blockers
            ]
        },
    }


def state_json(state: FakeState) -> JSON:
    return {"id": state.id, "name": state.name, "type": state.type}


def comment_json(comment: Mapping[str, Any]) -> JSON:
    user = comment["user"]
    return {
        "id": comment["id"],
        "body": comment["body"],
        "createdAt": iso(comment["createdAt"]),
        "user": user_json(user) if user else None,
    }
