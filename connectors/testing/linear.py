"""A fake Linear for tests, benchmarks and the demo: an in-memory workspace served as `fake.app`.

Mutations stamp `updatedAt` with the fake's own clock (`fake.now`) and record the issue
history Linear would (state, assignee and due-date changes). The traps of the real API are
modelled: closed issues can be archived (hidden unless `includeArchived`), deleted issues
sit in the trash (`trashed: true`) until purged, and a team move gives a new identifier
while `previousIdentifiers` keeps the old ones. Serve it with `connectors.testing.serve`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any, Final, Literal

from connectors.testing.github_traffic import Traffic
from connectors.testing.linear_http import build_app
from connectors.testing.linear_model import (
    JSON,
    FakeLinearIssue,
    FakeState,
    FakeUser,
    stable_id,
)

DEFAULT_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
API_KEY = "lin_api_fake0000000000000000000000000000000000"
OAUTH_TOKEN = "lin_oauth_fake000000000000000000000000000000"  # noqa: S105 - a fake's token
WORKFLOW: tuple[tuple[str, str], ...] = (
    ("Triage", "triage"),
    ("Backlog", "backlog"),
    ("Todo", "unstarted"),
    ("In Progress", "started"),
    ("In Review", "started"),
    ("Done", "completed"),
    ("Canceled", "canceled"),
    ("Duplicate", "duplicate"),
)
RateLimitForm = Literal["http", "graphql"]


class _Unset(Enum):
    TOKEN = 0


UNSET: Final = _Unset.TOKEN


class FakeLinear(Traffic):
    """The model plus its ASGI app; thread-safe, so tests may mutate it while it serves.

    Accepted credentials: `api_keys` sent bare (`Authorization: lin_api_…`) and
    `oauth_tokens` sent as `Bearer`; anything else is refused as Linear does.
    """

    def __init__(self, *, now: datetime = DEFAULT_NOW) -> None:
        super().__init__()
        self.now = now
        self.api_keys: set[str] = {API_KEY}
        self.oauth_tokens: set[str] = {OAUTH_TOKEN}
        self.viewer = "Followthrough Bot"
        """The name `viewer` answers with: the user the credential belongs to."""
        self.list_pages = 0
        """Ordered `issues` listing pages answered so far; `on_list_page` (from Traffic) is
        called with this count after each, so a test can edit the workspace mid-sync."""
        self.states = {
            name: FakeState(stable_id("state", name), name, kind) for name, kind in WORKFLOW
        }
        self.users: dict[str, FakeUser] = {}
        self._teams: dict[str, itertools.count[int]] = {}
        self._issues: dict[str, FakeLinearIssue] = {}
        self._ids = itertools.count(1)
        self.app = build_app(self)

    # Clock

    @property
    def now(self) -> datetime:
        """The server clock every change is stamped with (UTC, whole seconds)."""
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        self._now = moment.astimezone(UTC).replace(microsecond=0)

    def tick(self, seconds: float = 60) -> datetime:
        """Move the server clock forward."""
        self.now = self.now + timedelta(seconds=seconds)
        return self.now

    # Reading

    def issue(self, issue_id: str) -> FakeLinearIssue:
        with self.lock:
            return self._issues[issue_id]

    def find(self, issue_id: object) -> FakeLinearIssue | None:
        """The issue with this id, or None when there is none (or it was purged)."""
        with self.lock:
            return self._issues.get(issue_id) if isinstance(issue_id, str) else None

    def issues(self) -> list[FakeLinearIssue]:
        """Every issue not purged, trashed and archived ones included."""
        with self.lock:
            return list(self._issues.values())

    def team_keys(self) -> list[str]:
        with self.lock:
            return list(self._teams)

    # Writing

    def add_team(self, key: str) -> None:
        with self.lock:
            self._teams.setdefault(key, itertools.count(1))

    def user(self, name: str) -> FakeUser:
        """The member called `name`, created on first use."""
        with self.lock:
            if name not in self.users:
                handle = name.lower().replace(" ", ".")
                self.users[name] = FakeUser(
                    stable_id("user", name), name, handle.split(".")[0], f"{handle}@acme.example"
                )
            return self.users[name]

    def create_issue(
        self,
        team: str,
        *,
        title: str,
        description: str = "",
        labels: Iterable[str] = (),
        state: str = "Todo",
        assignee: str | None = None,
        priority: int = 0,
        due_date: date | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> FakeLinearIssue:
        """A new issue in `team` (created on first use), stamped `created_at` or now."""
        with self.lock:
            self.add_team(team)
            when = created_at or self.now
            issue = FakeLinearIssue(
                id=stable_id("issue", str(next(self._ids))),
                team=team,
                number=next(self._teams[team]),
                title=title,
                description=description,
                state=self.states[state],
                created_at=when,
                updated_at=when,
                labels=list(labels),
                assignee=self.user(assignee) if assignee else None,
                priority=priority,
                due_date=due_date,
            )
            self._stamp_state(issue, issue.state, when)
            self._issues[issue.id] = issue
            self._record(issue, when, toState=issue.state)
            issue.updated_at = updated_at or when
            return issue

    def update_issue(
        self,
        issue_id: str,
        *,
        state: str | None = None,
        assignee: str | _Unset | None = UNSET,
        due_date: date | _Unset | None = UNSET,
        title: str | None = None,
        priority: int | None = None,
    ) -> FakeLinearIssue:
        """Edit an issue now; state, assignee and due-date edits enter its history."""
        with self.lock:
            issue = self._issues[issue_id]
            entry: JSON = {}
            if state is not None and self.states[state] != issue.state:
                entry.update(fromState=issue.state, toState=self.states[state])
                issue.state = self.states[state]
                self._stamp_state(issue, issue.state, self.now)
            if assignee is not UNSET:
                after = self.user(assignee) if assignee else None
                if after != issue.assignee:
                    entry.update(fromAssignee=issue.assignee, toAssignee=after)
                    issue.assignee = after
            if due_date is not UNSET and due_date != issue.due_date:
                entry.update(fromDueDate=issue.due_date, toDueDate=due_date)
                issue.due_date = due_date
            if title is not None:
                issue.title = title
            if priority is not None:
                issue.priority = priority
            if entry:
                self._record(issue, self.now, **entry)
            issue.updated_at = self.now
            return issue

    def add_label(self, issue_id: str, name: str) -> FakeLinearIssue:
        with self.lock:
            issue = self._issues[issue_id]
            if all(label.casefold() != name.casefold() for label in issue.labels):
                issue.labels.append(name)
            issue.updated_at = self.now
            return issue

    def remove_label(self, issue_id: str, name: str) -> FakeLinearIssue:
        with self.lock:
            issue = self._issues[issue_id]
            issue.labels = [label for label in issue.labels if label.casefold() != name.casefold()]
            issue.updated_at = self.now
            return issue

    def block(self, issue_id: str, blocker_id: str) -> None:
        """Record that `blocker_id` blocks `issue_id` (an inverse `blocks` relation)."""
        with self.lock:
            self._issues[issue_id].blocked_by.append(blocker_id)
            self._issues[issue_id].updated_at = self.now

    def move_issue(self, issue_id: str, team: str) -> FakeLinearIssue:
        """Move an issue to another team: a new identifier, the old one kept as previous."""
        with self.lock:
            self.add_team(team)
            issue = self._issues[issue_id]
            issue.previous_identifiers.append(issue.identifier)
            issue.team, issue.number = team, next(self._teams[team])
            issue.updated_at = self.now
            return issue

    def archive(self, issue_id: str) -> None:
        """Archive an issue, as Linear does on its own with closed issues after a while."""
        with self.lock:
            self._issues[issue_id].archived_at = self.now

    def trash(self, issue_id: str) -> None:
        """Delete an issue: it goes to the trash (archived, `trashed: true`)."""
        with self.lock:
            issue = self._issues[issue_id]
            issue.trashed, issue.archived_at, issue.updated_at = True, self.now, self.now

    def purge(self, issue_id: str) -> None:
        """Delete an issue for good: every query acts as if it never existed."""
        with self.lock:
            del self._issues[issue_id]

    def comment(self, issue_id: str, body: str, *, user: str, at: datetime | None = None) -> JSON:
        """Add a comment (not an edit of the issue's fields, so `updatedAt` stays)."""
        with self.lock:
            issue = self._issues[issue_id]
            when = at or self.now
            node = {
                "id": stable_id("comment", f"{issue_id}:{len(issue.comments)}"),
                "body": body,
                "createdAt": when,
                "user": self.user(user),
            }
            issue.comments.append(node)
            return node

    def rate_limit_next(
        self,
        form: RateLimitForm = "http",
        *,
        status: int | None = None,
        retry_after: float | None = None,
        reset: datetime | None = None,
        bucket: Literal["requests", "complexity"] = "requests",
        times: int = 1,
        operation: str | None = None,
    ) -> None:
        """Refuse the next `times` requests as rate limited: `http` is a bare HTTP 429;
        `graphql` an HTTP 400 (or `status`) whose `errors[0].extensions.code` is RATELIMITED.
        `reset` sets `X-RateLimit-<bucket>-Remaining: 0` and its reset (epoch ms)."""
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        if reset is not None:
            headers[f"X-RateLimit-{bucket.title()}-Remaining"] = "0"
            headers[f"X-RateLimit-{bucket.title()}-Reset"] = str(int(reset.timestamp() * 1000))
        if form == "http":
            self.fail_next(
                status or 429,
                times=times,
                headers=headers,
                body="Too Many Requests",
                path_contains=operation,
            )
            return
        error = {
            "message": "Rate limit exceeded",
            "extensions": {
                "code": "RATELIMITED",
                "type": "Ratelimited",
                "userPresentableMessage": "Too many requests; please slow down.",
            },
        }
        self.fail_next(
            status or 400,
            times=times,
            headers=headers,
            body=json.dumps({"data": None, "errors": [error]}),
            path_contains=operation,
        )

    def operations(self) -> list[str]:
        """The operation name of every request answered, in order."""
        with self.lock:
            return [r.query.get("operation", "") for r in self.requests]

    def variables(self, operation: str) -> list[JSON]:
        """The variables of every `operation` request answered, in order."""
        with self.lock:
            asked = [r.query for r in self.requests if r.query.get("operation") == operation]
        return [json.loads(query["variables"]) or {} for query in asked]

    def _stamp_state(self, issue: FakeLinearIssue, state: FakeState, when: datetime) -> None:
        issue.started_at = when if state.type == "started" else issue.started_at
        issue.completed_at = when if state.type == "completed" else None
        issue.canceled_at = when if state.type in ("canceled", "duplicate") else None

    def _record(self, issue: FakeLinearIssue, when: datetime, **changes: Any) -> None:
        entry = {"id": stable_id("history", f"{issue.id}:{len(issue.history)}"), "createdAt": when}
        entry.update(changes)
        issue.history.append(entry)
