"""The fake GitHub's records (repos, issues, labels, milestones, events) and their REST JSON.

Rendering follows GitHub's REST shapes (api.github.com, version 2022-11-28) so connectors
normalise from the same raw JSON they would get from github.com.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

GITHUB_API = "https://api.github.com"
GHE_API_PREFIX = "/api/v3"

JSON = dict[str, Any]


def iso(moment: datetime) -> str:
    """GitHub's timestamp format: UTC, second precision, `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def web_base(api_base: str) -> str:
    """The web (html_url) root matching an API root: github.com, or the GHE host itself."""
    if api_base == GITHUB_API:
        return "https://github.com"
    return api_base.removesuffix(GHE_API_PREFIX)


def opaque_id(prefix: str, *parts: int) -> str:
    """A GraphQL-style node id: a type prefix and an opaque base64 tail, stable per input."""
    tail = base64.urlsafe_b64encode(":".join(map(str, parts)).encode()).decode().rstrip("=")
    return f"{prefix}_kwDO{tail}"


def user_json(login: str, api_base: str) -> JSON:
    """A simple-user object; the id is derived from the login so it is stable everywhere."""
    user_id = 1000 + zlib.crc32(login.encode()) % 90_000_000
    return {
        "login": login,
        "id": user_id,
        "node_id": opaque_id("U", user_id),
        "type": "User",
        "site_admin": False,
        "url": f"{api_base}/users/{login}",
        "html_url": f"{web_base(api_base)}/{login}",
    }


class IssueStatus(StrEnum):
    """Whether an issue can still be read: deleted answers 410, hidden 404, transferred 301."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    DELETED = "deleted"
    TRANSFERRED = "transferred"


@dataclass(frozen=True)
class FakeLabel:
    """A repository label."""

    id: int
    name: str
    color: str

    def raw(self, api_base: str, repo: str) -> JSON:
        return {
            "id": self.id,
            "node_id": opaque_id("LA", self.id),
            "url": f"{api_base}/repos/{repo}/labels/{quote(self.name)}",
            "name": self.name,
            "color": self.color,
            "default": False,
            "description": None,
        }


@dataclass(frozen=True)
class FakeMilestone:
    """A repository milestone; the fake keys milestones by their due date."""

    id: int
    number: int
    title: str
    due_on: date

    def raw(self, api_base: str, repo: str) -> JSON:
        return {
            "id": self.id,
            "node_id": opaque_id("MI", self.id),
            "number": self.number,
            "title": self.title,
            "description": None,
            "state": "open",
            # GitHub stores a milestone's due date as a UTC instant (midnight Pacific).
            "due_on": f"{self.due_on.isoformat()}T07:00:00Z",
            "url": f"{api_base}/repos/{repo}/milestones/{self.number}",
            "html_url": f"{web_base(api_base)}/{repo}/milestone/{self.number}",
        }


@dataclass(eq=False)
class FakeIssue:
    """One issue or pull request as the fake holds it; `raw()` is its REST JSON."""

    id: int
    node_id: str
    number: int
    repo: str
    title: str
    body: str
    user: str
    labels: list[FakeLabel]
    assignees: list[str]
    milestone: FakeMilestone | None
    state: str
    state_reason: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    pull_request: bool
    blocked_by: int
    comments: int
    status: IssueStatus = IssueStatus.VISIBLE
    moved_to: FakeIssue | None = None
    events: list[FakeEvent] = field(default_factory=list)
    thread: list[FakeComment] = field(default_factory=list)
    """The comments the fake serves; `comments` counts further chatter it only reports."""

    @property
    def api_path(self) -> str:
        """The issue's path below the API root."""
        return f"/repos/{self.repo}/issues/{self.number}"

    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    def raw(self, api_base: str = GITHUB_API) -> JSON:
        """The issue as `GET /repos/{o}/{r}/issues/{n}` and list pages render it."""
        url = f"{api_base}{self.api_path}"
        html = f"{web_base(api_base)}/{self.repo}/{'pull' if self.pull_request else 'issues'}"
        raw: JSON = {
            "url": url,
            "repository_url": f"{api_base}/repos/{self.repo}",
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{html}/{self.number}",
            "id": self.id,
            "node_id": self.node_id,
            "number": self.number,
            "title": self.title,
            "user": user_json(self.user, api_base),
            "labels": [label.raw(api_base, self.repo) for label in self.labels],
            "state": self.state,
            "locked": False,
            "assignee": user_json(self.assignees[0], api_base) if self.assignees else None,
            "assignees": [user_json(login, api_base) for login in self.assignees],
            "milestone": self.milestone.raw(api_base, self.repo) if self.milestone else None,
            "comments": self.comments + len(self.thread),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "closed_at": iso(self.closed_at) if self.closed_at else None,
            "author_association": "MEMBER",
            "type": None,
            "active_lock_reason": None,
            "body": self.body or None,
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
            "state_reason": self.state_reason,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "issue_dependencies_summary": {
                "blocked_by": self.blocked_by,
                "blocking": 0,
                "total_blocked_by": self.blocked_by,
                "total_blocking": 0,
            },
        }
        if self.pull_request:
            pull = f"{api_base}/repos/{self.repo}/pulls/{self.number}"
            raw["draft"] = False
            raw["pull_request"] = {
                "url": pull,
                "html_url": f"{html}/{self.number}",
                "diff_url": f"{html}/{self.number}.diff",
                "patch_url": f"{html}/{self.number}.patch",
                "merged_at": iso(self.closed_at) if self.closed_at else None,
            }
        return raw


@dataclass(eq=False)
class FakeComment:
    """One issue comment: who wrote it, when, and its Markdown body."""

    id: int
    issue: FakeIssue
    user: str
    body: str
    created_at: datetime
    updated_at: datetime

    def raw(self, api_base: str) -> JSON:
        """The comment as `GET /repos/{o}/{r}/issues/{n}/comments` renders it."""
        repo = self.issue.repo
        return {
            "id": self.id,
            "node_id": opaque_id("IC", self.id),
            "url": f"{api_base}/repos/{repo}/issues/comments/{self.id}",
            "html_url": (
                f"{web_base(api_base)}/{repo}/issues/{self.issue.number}#issuecomment-{self.id}"
            ),
            "issue_url": f"{api_base}{self.issue.api_path}",
            "body": self.body,
            "user": user_json(self.user, api_base),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "author_association": "MEMBER",
            "performed_via_github_app": None,
        }


@dataclass(eq=False)
class FakeEvent:
    """One issue event (closed, labeled, assigned, ...) with the details its type carries."""

    id: int
    event: str
    created_at: datetime
    actor: str
    issue: FakeIssue
    label: FakeLabel | None = None
    assignee: str | None = None
    milestone: str | None = None
    rename: tuple[str, str] | None = None
    state_reason: str | None = None

    def raw(self, api_base: str, *, with_issue: bool) -> JSON:
        """The event as the per-issue list renders it; the repo feed adds the `issue`."""
        raw: JSON = {
            "id": self.id,
            "node_id": opaque_id("IE", self.id),
            "url": f"{api_base}/repos/{self.issue.repo}/issues/events/{self.id}",
            "actor": user_json(self.actor, api_base),
            "event": self.event,
            "commit_id": None,
            "commit_url": None,
            "created_at": iso(self.created_at),
            "performed_via_github_app": None,
        }
        if self.label is not None:
            raw["label"] = {"name": self.label.name, "color": self.label.color}
        if self.assignee is not None:
            raw["assignee"] = user_json(self.assignee, api_base)
            raw["assigner"] = user_json(self.actor, api_base)
        if self.milestone is not None:
            raw["milestone"] = {"title": self.milestone}
        if self.rename is not None:
            raw["rename"] = {"from": self.rename[0], "to": self.rename[1]}
        if self.event in ("closed", "reopened"):
            raw["state_reason"] = self.state_reason
        if with_issue:
            raw["issue"] = self.issue.raw(api_base)
        return raw


@dataclass(eq=False)
class FakeRepo:
    """A repository: its issues by number, the visible ones indexed by lower-cased label."""

    id: int
    owner: str
    name: str
    created_at: datetime
    issues: dict[int, FakeIssue] = field(default_factory=dict)
    visible: dict[int, FakeIssue] = field(default_factory=dict)
    label_index: dict[str, set[FakeIssue]] = field(default_factory=dict)
    labels: dict[str, FakeLabel] = field(default_factory=dict)
    milestones: dict[date, FakeMilestone] = field(default_factory=dict)
    events: list[FakeEvent] = field(default_factory=list)
    next_number: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def show(self, issue: FakeIssue) -> None:
        """Make an issue listable (and index its labels)."""
        self.visible[issue.number] = issue
        for label in issue.labels:
            self.index_label(issue, label)

    def unshow(self, issue: FakeIssue) -> None:
        """Take an issue out of every listing."""
        self.visible.pop(issue.number, None)
        for label in issue.labels:
            self.label_index.get(label.name.lower(), set()).discard(issue)

    def index_label(self, issue: FakeIssue, label: FakeLabel) -> None:
        self.label_index.setdefault(label.name.lower(), set()).add(issue)

    def raw(self, api_base: str) -> JSON:
        """The repository object (`GET /repos/{o}/{r}`, and `repository` on org listings)."""
        return {
            "id": self.id,
            "node_id": opaque_id("R", self.id),
            "name": self.name,
            "full_name": self.full_name,
            "private": False,
            "owner": {**user_json(self.owner, api_base), "type": "Organization"},
            "html_url": f"{web_base(api_base)}/{self.full_name}",
            "url": f"{api_base}/repos/{self.full_name}",
            "issues_url": f"{api_base}/repos/{self.full_name}/issues{{/number}}",
            "has_issues": True,
            "archived": False,
            "disabled": False,
            "visibility": "public",
            "default_branch": "main",
            "open_issues_count": sum(1 for i in self.visible.values() if i.state == "open"),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
        }
