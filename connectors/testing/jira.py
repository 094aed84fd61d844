"""A fake Jira (Cloud or Data Center) for tests and benchmarks, served as `fake.app`.

Mutations stamp `updated` with the fake's own clock (`fake.now`, milliseconds) and write
the changelog Jira would (status, resolution, assignee, duedate, Flagged, labels, Key,
project). Serve it with `connectors.testing.serve(fake.app)`.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from connectors.testing.github_traffic import Traffic
from connectors.testing.jira_http import build_app
from connectors.testing.jira_model import (
    FLAGGED_FIELD,
    STATUSES,
    FakeComment,
    FakeJiraIssue,
    FakeLink,
    FakeStatus,
)

Flavour = Literal["cloud", "dc"]
DEFAULT_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DEFAULT_ZONE = "Pacific/Honolulu"
EMAIL = "bot@example.com"
TOKEN = "jira-t0k3n"  # noqa: S105 - the fake's test credential
BLOCKS = ("Blocks", "is blocked by", "blocks")
RELATES = ("Relates", "relates to", "relates to")


class _Unset(Enum):
    TOKEN = 0


UNSET: Final = _Unset.TOKEN


class FakeJira(Traffic):
    """The model plus its ASGI app; thread-safe, so tests may mutate it while it serves.

    `max_page` is the server's own cap on `maxResults` for searches with fields (below
    what clients ask); `search_lag` seconds pass before a write shows in search;
    `changelog_bulkfetch=False` makes the Cloud bulk changelog endpoint answer 404.
    """

    def __init__(
        self,
        flavour: Flavour = "cloud",
        *,
        now: datetime = DEFAULT_NOW,
        time_zone: str = DEFAULT_ZONE,
        max_page: int = 50,
        comment_cap: int = 5,
        changelog_page: int = 1000,
        changelog_bulkfetch: bool = True,
    ) -> None:
        super().__init__()
        self.flavour: Flavour = flavour
        self.now = now
        self.zone = ZoneInfo(time_zone)
        self.max_page = max_page
        self.comment_cap = comment_cap
        self.changelog_page = changelog_page
        self.changelog_bulkfetch = changelog_bulkfetch
        self.search_lag = 0.0
        self.email = EMAIL
        self.token = TOKEN
        self.actor = "Incident Bot"
        self.issues: dict[str, FakeJiraIssue] = {}
        self._next_number: dict[str, int] = {}
        self._ids = itertools.count(10_001)
        self._history_ids = itertools.count(50_001)
        self._link_ids = itertools.count(70_001)
        self._comment_ids = itertools.count(90_001)
        self.app = build_app(self)

    @property
    def cloud(self) -> bool:
        return self.flavour == "cloud"

    # Clock

    @property
    def now(self) -> datetime:
        """The server clock every change is stamped with (UTC, whole milliseconds)."""
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        moment = moment.astimezone(UTC)
        self._now = moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def tick(self, seconds: float = 60) -> datetime:
        """Advance the server clock; returns the new time."""
        self.now = self._now + timedelta(seconds=seconds)
        return self._now

    # Auth

    def accepts(self, authorization: str | None) -> bool:
        """Cloud: basic auth with the email and API token; DC: `Bearer <PAT>`."""
        scheme, _, credential = (authorization or "").partition(" ")
        if self.cloud:
            if scheme.lower() != "basic":
                return False
            try:
                decoded = base64.b64decode(credential.strip()).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            return decoded == f"{self.email}:{self.token}"
        return scheme.lower() == "bearer" and credential.strip() == self.token

    # Reading the model

    def issue(self, issue_id: str) -> FakeJiraIssue:
        return self.issues[issue_id]

    def by_key(self, key: str) -> FakeJiraIssue | None:
        """A readable issue by its current key or a key it had before a move."""
        for issue in self.issues.values():
            if issue.readable() and (issue.key == key or key in _old_keys(issue)):
                return issue
        return None

    def status(self, name: str) -> FakeStatus:
        for status in STATUSES:
            if status.name.casefold() == name.casefold():
                return status
        raise KeyError(f"no status {name!r}")

    # Changing the model

    def create_issue(
        self,
        project: str,
        summary: str,
        *,
        description: str = "",
        labels: Iterable[str] = (),
        status: str = "To Do",
        resolution: str | None = None,
        assignee: str | None = None,
        duedate: date | None = None,
        priority: str | None = "Medium",
        flagged: bool = False,
        action_type: str | None = None,
        created: datetime | None = None,
        updated: datetime | None = None,
        number: int | None = None,
    ) -> FakeJiraIssue:
        """Create an issue (no changelog: Jira records none for creation); `number` picks
        its key's number (later issues of the project count on from it)."""
        with self.lock:
            number = number or self._next_number.get(project, 1)
            self._next_number[project] = number + 1
            made = created or self.now
            moment = max(updated or made, made)
            found = self.status(status)
            issue = FakeJiraIssue(
                id=str(next(self._ids)),
                key=f"{project}-{number}",
                project=project,
                summary=summary,
                description=description,
                status=found,
                created=made,
                updated=moment,
                statuscategorychangedate=moment if found.category != "new" else made,
                labels=list(dict.fromkeys(labels)),
                resolution=resolution if found.category == "done" else None,
                resolutiondate=moment if found.category == "done" and resolution else None,
                duedate=duedate,
                priority=priority,
                assignee=assignee,
                flagged=flagged,
                action_type=action_type,
                visible_from=self._visible_from(moment),
            )
            self.issues[issue.id] = issue
            return issue

    def transition(
        self, issue_id: str, status: str, *, resolution: str | _Unset | None = UNSET
    ) -> FakeJiraIssue:
        """Move an issue to a status; into done it takes `resolution` (default Done), out of
        done the resolution is cleared, as Jira's default workflow does."""
        with self.lock:
            issue = self._live(issue_id)
            target = self.status(status)
            items = [_item("status", issue.status.id, issue.status.name, target.id, target.name)]
            if target.category == "done":
                new_resolution = "Done" if isinstance(resolution, _Unset) else resolution
            else:
                new_resolution = None
            if new_resolution != issue.resolution:
                items.append(_item("resolution", None, issue.resolution, None, new_resolution))
                issue.resolutiondate = self.now if new_resolution else None
            if target.category != issue.status.category:
                issue.statuscategorychangedate = self.now
            issue.status, issue.resolution = target, new_resolution
            return self._touch(issue, items)

    def update_issue(
        self,
        issue_id: str,
        *,
        summary: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
        assignee: str | _Unset | None = UNSET,
        duedate: date | _Unset | None = UNSET,
        flagged: bool | _Unset = UNSET,
        priority: str | _Unset | None = UNSET,
    ) -> FakeJiraIssue:
        """Edit fields now, with their changelog entries."""
        with self.lock:
            issue = self._live(issue_id)
            items: list[dict[str, Any]] = []
            if not isinstance(summary, _Unset):
                items.append(_item("summary", None, issue.summary, None, summary))
                issue.summary = summary
            if not isinstance(description, _Unset):
                issue.description = description
                items.append(_item("description", None, None, None, None))
            if not isinstance(assignee, _Unset) and assignee != issue.assignee:
                items.append(
                    _item(
                        "assignee",
                        _account(issue.assignee),
                        issue.assignee,
                        _account(assignee),
                        assignee,
                    )
                )
                issue.assignee = assignee
            if not isinstance(duedate, _Unset) and duedate != issue.duedate:
                items.append(
                    _item(
                        "duedate",
                        _day(issue.duedate),
                        _day(issue.duedate, True),
                        _day(duedate),
                        _day(duedate, True),
                    )
                )
                issue.duedate = duedate
            if not isinstance(flagged, _Unset) and flagged != issue.flagged:
                before, after = (
                    ("Impediment" if issue.flagged else None),
                    ("Impediment" if flagged else None),
                )
                entry = _item("Flagged", None, before, None, after)
                items.append({**entry, "fieldtype": "custom", "fieldId": FLAGGED_FIELD})
                issue.flagged = flagged
            if not isinstance(priority, _Unset):
                issue.priority = priority
            return self._touch(issue, items)

    def add_label(self, issue_id: str, label: str) -> FakeJiraIssue:
        with self.lock:
            issue = self._live(issue_id)
            if label in issue.labels:
                return issue
            before = " ".join(issue.labels)
            issue.labels.append(label)
            return self._touch(issue, [_item("labels", None, before, None, " ".join(issue.labels))])

    def remove_label(self, issue_id: str, label: str) -> FakeJiraIssue:
        with self.lock:
            issue = self._live(issue_id)
            if label not in issue.labels:
                return issue
            before = " ".join(issue.labels)
            issue.labels.remove(label)
            return self._touch(issue, [_item("labels", None, before, None, " ".join(issue.labels))])

    def link(self, blocker_id: str, blocked_id: str, kind: tuple[str, str, str] = BLOCKS) -> None:
        """Link two issues: `blocker` <outward> `blocked` (e.g. blocks), so `blocked` reads
        "<inward> blocker" (is blocked by). Both are updated now."""
        with self.lock:
            blocker, blocked = self._live(blocker_id), self._live(blocked_id)
            link_id = str(next(self._link_ids))
            name, inward, outward = kind
            blocked.links.append(
                FakeLink(link_id, name, inward, outward, blocker, other_is_inward=True)
            )
            blocker.links.append(
                FakeLink(link_id, name, inward, outward, blocked, other_is_inward=False)
            )
            self._touch(
                blocked,
                [_item("Link", None, None, blocker.key, f"This issue {inward} {blocker.key}")],
            )
            self._touch(
                blocker,
                [_item("Link", None, None, blocked.key, f"This issue {outward} {blocked.key}")],
            )

    def move_issue(self, issue_id: str, project: str) -> FakeJiraIssue:
        """Move an issue to another project: same id, a new key (old keys still resolve)."""
        with self.lock:
            issue = self._live(issue_id)
            number = self._next_number.get(project, 1)
            self._next_number[project] = number + 1
            old_key, old_project = issue.key, issue.project
            issue.key, issue.project = f"{project}-{number}", project
            items = [
                _item("Key", None, old_key, None, issue.key),
                _item("project", None, old_project, None, project),
            ]
            return self._touch(issue, items)

    def add_comment(
        self, issue_id: str, body: str, *, author: str = "Priya Shah", at: datetime | None = None
    ) -> FakeComment:
        with self.lock:
            issue = self._live(issue_id)
            comment = FakeComment(str(next(self._comment_ids)), author, body, at or self.now)
            issue.comments.append(comment)
            issue.comments.sort(key=lambda c: c.created)
            self._touch(issue, [])
            return comment

    def delete_issue(self, issue_id: str) -> None:
        """Delete an issue: gone from search; its GET answers 404."""
        with self.lock:
            self._live(issue_id).deleted = True

    def hide_issue(self, issue_id: str) -> None:
        """Make an issue unreadable to the API user (a permission change): like deleted."""
        with self.lock:
            self._live(issue_id).hidden = True

    # Internals

    def _visible_from(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.search_lag)

    def _live(self, issue_id: str) -> FakeJiraIssue:
        issue = self.issues[issue_id]
        if not issue.readable():
            raise ValueError(f"issue {issue_id} is deleted or hidden")
        return issue

    def _touch(self, issue: FakeJiraIssue, items: list[dict[str, Any]]) -> FakeJiraIssue:
        issue.updated = self.now
        issue.visible_from = self._visible_from(self.now)
        if items:
            issue.histories.append(
                {
                    "id": str(next(self._history_ids)),
                    "author": {"displayName": self.actor},
                    "created": self.now,
                    "items": items,
                }
            )
        return issue


def _item(
    field: str,
    before: str | None,
    before_text: str | None,
    after: str | None,
    after_text: str | None,
) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": "jira",
        "fieldId": field.lower()
        if field in ("status", "resolution", "assignee", "duedate", "labels", "summary", "project")
        else field,
        "from": before,
        "fromString": before_text,
        "to": after,
        "toString": after_text,
    }


def _account(name: str | None) -> str | None:
    return f"5b10:{name.lower().replace(' ', '.')}" if name else None


def _day(value: date | None, text: bool = False) -> str | None:
    if value is None:
        return None
    return f"{value.isoformat()} 00:00:00.0" if text else value.isoformat()


def _old_keys(issue: FakeJiraIssue) -> list[str]:
    return [
        item["fromString"]
        for history in issue.histories
        for item in history["items"]
        if item["field"] == "Key" and isinstance(item["fromString"], str)
    ]
