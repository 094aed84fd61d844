"""The fake Jira's records and how they render as REST v2 JSON.

Timestamps render as Jira does: milliseconds and an offset without a colon, on the API
user's wall clock (`2026-03-02T02:00:00.000-1000`), so a client that ignores the offset
gets them wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

FLAGGED_FIELD = "customfield_10021"
TYPE_FIELD = "customfield_10050"
TYPE_FIELD_NAME = "Action Type"


@dataclass(frozen=True)
class FakeStatus:
    id: str
    name: str
    category: str


STATUSES = (
    FakeStatus("10000", "To Do", "new"),
    FakeStatus("10102", "Triage", "undefined"),
    FakeStatus("3", "In Progress", "indeterminate"),
    FakeStatus("10101", "In Review", "indeterminate"),
    FakeStatus("10100", "Blocked", "indeterminate"),
    FakeStatus("10001", "Done", "done"),
    FakeStatus("6", "Closed", "done"),
)
CATEGORY_IDS = {"undefined": 1, "new": 2, "done": 3, "indeterminate": 4}
RESOLUTION_IDS = {
    "Done": "10000",
    "Won't Do": "10001",
    "Won't Fix": "10002",
    "Declined": "10003",
    "Duplicate": "10004",
    "Cannot Reproduce": "10005",
    "Not Doing": "10006",
    "Obsolete": "10007",
}


def stamp(moment: datetime, zone: ZoneInfo) -> str:
    """Jira's timestamp text on `zone`'s wall clock: `2026-03-02T02:00:00.000-1000`."""
    local = moment.astimezone(zone)
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + local.strftime("%z")
    )


def status_json(status: FakeStatus) -> dict[str, Any]:
    category = {
        "id": CATEGORY_IDS.get(status.category, 0),
        "key": status.category,
        "name": status.category.title(),
    }
    return {"id": status.id, "name": status.name, "statusCategory": category}


@dataclass
class FakeComment:
    id: str
    author: str
    body: str
    created: datetime


@dataclass
class FakeLink:
    """One side of an issue link: this issue `inward`/`outward` the other issue."""

    id: str
    name: str
    inward: str
    outward: str
    other: FakeJiraIssue
    other_is_inward: bool
    """True: the entry carries `inwardIssue` (read: this issue <inward> other)."""


@dataclass
class FakeJiraIssue:
    id: str
    key: str
    project: str
    summary: str
    description: str
    status: FakeStatus
    created: datetime
    updated: datetime
    statuscategorychangedate: datetime
    labels: list[str] = field(default_factory=list)
    resolution: str | None = None
    resolutiondate: datetime | None = None
    duedate: date | None = None
    priority: str | None = "Medium"
    assignee: str | None = None
    flagged: bool = False
    action_type: str | None = None
    links: list[FakeLink] = field(default_factory=list)
    comments: list[FakeComment] = field(default_factory=list)
    histories: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    hidden: bool = False
    visible_from: datetime | None = None
    """Search (not GET) shows the issue only from this time: eventual consistency."""

    @property
    def number(self) -> int:
        return int(self.key.partition("-")[2])

    def readable(self) -> bool:
        return not self.deleted and not self.hidden

    def fields(self, base: str, zone: ZoneInfo, *, cloud: bool, comment_cap: int) -> dict[str, Any]:
        """Every field the fake knows, as REST v2 renders them."""
        shown = self.comments[:comment_cap]
        return {
            "summary": self.summary,
            "description": self.description or None,
            "status": status_json(self.status),
            "resolution": {"id": RESOLUTION_IDS.get(self.resolution, "1"), "name": self.resolution}
            if self.resolution
            else None,
            "resolutiondate": stamp(self.resolutiondate, zone) if self.resolutiondate else None,
            "statuscategorychangedate": stamp(self.statuscategorychangedate, zone),
            "duedate": self.duedate.isoformat() if self.duedate else None,
            "created": stamp(self.created, zone),
            "updated": stamp(self.updated, zone),
            "labels": list(self.labels),
            "priority": {"name": self.priority} if self.priority else None,
            "assignee": user_json(self.assignee, cloud=cloud) if self.assignee else None,
            "issuelinks": [link_json(link, base) for link in self.links if link.other.readable()],
            "issuetype": {"name": "Task", "subtask": False},
            "project": {"key": self.project, "name": self.project.title()},
            FLAGGED_FIELD: [{"value": "Impediment", "id": "10019"}] if self.flagged else None,
            TYPE_FIELD: {"value": self.action_type, "id": "10200"} if self.action_type else None,
            "comment": {
                "comments": [comment_json(c, zone, cloud=cloud) for c in shown],
                "maxResults": len(shown),
                "total": len(self.comments),
                "startAt": 0,
            },
        }

    def raw(
        self, base: str, zone: ZoneInfo, wanted: set[str] | None, *, cloud: bool, comment_cap: int
    ) -> dict[str, Any]:
        """The issue JSON with only the `wanted` fields (None: all of them)."""
        every = self.fields(base, zone, cloud=cloud, comment_cap=comment_cap)
        chosen = every if wanted is None else {k: v for k, v in every.items() if k in wanted}
        body: dict[str, Any] = {
            "id": self.id,
            "key": self.key,
            "self": f"{base}/rest/api/2/issue/{self.id}",
        }
        if wanted is None or chosen or wanted - {"id", "key"}:
            body["fields"] = chosen
        return body


def user_json(name: str, *, cloud: bool) -> dict[str, Any]:
    """A Jira user: Cloud users have an accountId, Data Center users a name and key."""
    handle = name.lower().replace(" ", ".")
    who: dict[str, Any] = (
        {"accountId": f"5b10:{handle}"} if cloud else {"name": handle, "key": handle}
    )
    return {**who, "displayName": name, "active": True}


def link_json(link: FakeLink, base: str) -> dict[str, Any]:
    other = link.other
    side = "inwardIssue" if link.other_is_inward else "outwardIssue"
    return {
        "id": link.id,
        "type": {"name": link.name, "inward": link.inward, "outward": link.outward},
        side: {
            "id": other.id,
            "key": other.key,
            "self": f"{base}/rest/api/2/issue/{other.id}",
            "fields": {"summary": other.summary, "status": status_json(other.status)},
        },
    }


def comment_json(comment: FakeComment, zone: ZoneInfo, *, cloud: bool) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": user_json(comment.author, cloud=cloud),
        "body": comment.body,
        "created": stamp(comment.created, zone),
        "updated": stamp(comment.created, zone),
    }
