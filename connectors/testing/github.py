"""A fake GitHub for tests and the demo: an in-memory model you drive, served as `fake.app`.

Mutations stamp `updated_at` with the fake's own clock (`fake.now`) and record the issue
events GitHub would (closed, reopened, labeled, unlabeled, assigned, unassigned, milestoned,
demilestoned, renamed, transferred). Serve it with `connectors.testing.serve(fake.app)`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Final, Literal

from connectors.testing.github_http import build_app
from connectors.testing.github_listing import ListingCache
from connectors.testing.github_model import (
    FakeComment,
    FakeEvent,
    FakeIssue,
    FakeLabel,
    FakeMilestone,
    FakeRepo,
    IssueStatus,
    opaque_id,
)
from connectors.testing.github_traffic import Traffic

LinkStyle = Literal["page", "cursor"]

DEFAULT_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CLOSED_REASONS = ("completed", "not_planned", "duplicate", None)
_LABEL_COLORS = ("d73a4a", "0e8a16", "1d76db", "fbca04", "5319e7", "b60205", "c5def5")


class _Unset(Enum):
    TOKEN = 0


UNSET: Final = _Unset.TOKEN


def _second(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


class FakeGitHub(Traffic):
    """The model plus its ASGI app; thread-safe, so tests may mutate it while it serves."""

    def __init__(self, *, link_style: LinkStyle = "page", now: datetime = DEFAULT_NOW) -> None:
        super().__init__()
        self.link_style: LinkStyle = link_style
        self.now = now
        self.login = "followthrough-bot"
        self.actor = "sre-lead"
        self.listings = ListingCache()
        self.version = 0
        self._repos: dict[str, FakeRepo] = {}
        self._by_node: dict[str, FakeIssue] = {}
        self._repo_ids = itertools.count(100_000_001)
        self._issue_ids = itertools.count(2_000_000_001)
        self._label_ids = itertools.count(4_000_000_001)
        self._milestone_ids = itertools.count(9_000_001)
        self._event_ids = itertools.count(15_000_000_001)
        self._comment_ids = itertools.count(30_000_000_001)
        self.app = build_app(self)

    # Clock

    @property
    def now(self) -> datetime:
        """The server clock every change is stamped with (UTC, whole seconds)."""
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        self._now = _second(moment)

    def tick(self, seconds: float = 60) -> datetime:
        """Advance the server clock; returns the new time."""
        self.now = self._now + timedelta(seconds=seconds)
        return self._now

    # Reading the model

    def find_repo(self, full_name: str) -> FakeRepo | None:
        """A repo by `owner/name` (case-insensitive, like GitHub), or None."""
        return self._repos.get(full_name.lower())

    def repos_of(self, org: str) -> list[FakeRepo]:
        """The repos an org owns, in creation order."""
        return [repo for repo in self._repos.values() if repo.owner.lower() == org.lower()]

    def issue(self, node_id: str) -> FakeIssue:
        """Any issue ever created, by node id (KeyError when unknown)."""
        return self._by_node[node_id]

    def issues(self, repo: str | None = None) -> list[FakeIssue]:
        """The listable issues and PRs (of one repo, or all), in creation order."""
        with self.lock:
            repos = [self._repo(repo)] if repo else list(self._repos.values())
            return sorted((i for r in repos for i in r.visible.values()), key=lambda i: i.id)

    # Changing the model

    def add_repo(self, full_name: str) -> FakeRepo:
        """Create a repo (owned by the org its owner names); returns the existing one if any."""
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"expected owner/name, got {full_name!r}")
        with self.lock:
            existing = self.find_repo(full_name)
            if existing is not None:
                return existing
            repo = FakeRepo(id=next(self._repo_ids), owner=owner, name=name, created_at=self.now)
            self._repos[full_name.lower()] = repo
            self._changed()
            return repo

    def create_issue(
        self,
        repo: str,
        *,
        title: str,
        body: str = "",
        labels: Iterable[str] = (),
        assignees: Sequence[str] = (),
        milestone_due: date | None = None,
        state: str = "open",
        state_reason: str | None = None,
        created_at: datetime | None = None,
        pull_request: bool = False,
        blocked_by: int = 0,
        closed_at: datetime | None = None,
        updated_at: datetime | None = None,
        user: str | None = None,
        comments: int = 0,
    ) -> FakeIssue:
        """Open (or record an already closed) issue or PR, with GitHub's creation events.

        `created_at` defaults to now; `closed_at` (closed only) to the later of created_at
        and now; `updated_at` to the latest of those.
        """
        _check_state(state, state_reason)
        label_names = list(dict.fromkeys(labels))
        with self.lock:
            target = self._repo(repo)
            created = _second(created_at or self.now)
            closed = _second(closed_at or max(created, self.now)) if state == "closed" else None
            updated = _second(updated_at or max(created, closed or created))
            issue_id = next(self._issue_ids)
            issue = FakeIssue(
                id=issue_id,
                node_id=opaque_id("PR" if pull_request else "I", target.id, issue_id),
                number=target.next_number,
                repo=target.full_name,
                title=title,
                body=body,
                user=user or self.actor,
                labels=[],
                assignees=list(dict.fromkeys(assignees)),
                milestone=self._milestone(target, milestone_due) if milestone_due else None,
                state=state,
                state_reason=state_reason,
                created_at=created,
                updated_at=updated,
                closed_at=closed,
                pull_request=pull_request,
                blocked_by=blocked_by,
                comments=comments,
            )
            target.next_number += 1
            for name in label_names:
                if name.lower() not in {n.lower() for n in issue.label_names()}:
                    issue.labels.append(self._label(target, name))
                    self._record(issue, "labeled", created, label=issue.labels[-1])
            for login in issue.assignees:
                self._record(issue, "assigned", created, assignee=login)
            if issue.milestone is not None:
                self._record(issue, "milestoned", created, milestone=issue.milestone.title)
            if closed is not None:
                self._record(issue, "closed", closed, state_reason=state_reason)
            target.issues[issue.number] = issue
            target.show(issue)
            self._by_node[issue.node_id] = issue
            self._changed()
            return issue

    def update_issue(
        self,
        node_id: str,
        *,
        title: str | _Unset = UNSET,
        body: str | _Unset = UNSET,
        state: str | _Unset = UNSET,
        state_reason: str | _Unset | None = UNSET,
        assignees: Sequence[str] | _Unset = UNSET,
        milestone_due: date | _Unset | None = UNSET,
        blocked_by: int | _Unset = UNSET,
    ) -> FakeIssue:
        """Edit an issue now: record the matching events and stamp `updated_at = now`.

        Closing defaults `state_reason` to `completed`; reopening sets `reopened`.
        """
        with self.lock:
            issue = self._live(node_id)
            repo = self._repo(issue.repo)
            now = self.now
            if not isinstance(title, _Unset) and title != issue.title:
                self._record(issue, "renamed", now, rename=(issue.title, title))
                issue.title = title
            if not isinstance(body, _Unset):
                issue.body = body
            if not isinstance(assignees, _Unset):
                self._reassign(issue, list(dict.fromkeys(assignees)))
            if not isinstance(milestone_due, _Unset):
                self._remilestone(issue, repo, milestone_due)
            if not isinstance(state, _Unset) or not isinstance(state_reason, _Unset):
                self._restate(issue, state, state_reason)
            if not isinstance(blocked_by, _Unset):
                issue.blocked_by = blocked_by
            self._touch(issue)
            return issue

    def comment(
        self, node_id: str, body: str, *, user: str | None = None, at: datetime | None = None
    ) -> FakeComment:
        """Comment on an issue, now or at `at` (seeding the past). A comment made now bumps
        the issue's `updated_at`, as on GitHub."""
        with self.lock:
            issue = self._live(node_id)
            when = _second(at or self.now)
            made = FakeComment(next(self._comment_ids), issue, user or self.actor, body, when, when)
            issue.thread.append(made)
            issue.thread.sort(key=lambda c: (c.created_at, c.id))
            if at is None:
                self._touch(issue)
            else:
                self._changed()
            return made

    def add_label(self, node_id: str, name: str) -> FakeIssue:
        """Label an issue (no-op if it already has the label, case-insensitively)."""
        with self.lock:
            issue = self._live(node_id)
            if name.lower() in {n.lower() for n in issue.label_names()}:
                return issue
            repo = self._repo(issue.repo)
            label = self._label(repo, name)
            issue.labels.append(label)
            repo.index_label(issue, label)
            self._record(issue, "labeled", self.now, label=label)
            self._touch(issue)
            return issue

    def remove_label(self, node_id: str, name: str) -> FakeIssue:
        """Remove a label (no-op if absent); the issue then drops out of that label's lists."""
        with self.lock:
            issue = self._live(node_id)
            label = next((lb for lb in issue.labels if lb.name.lower() == name.lower()), None)
            if label is None:
                return issue
            issue.labels.remove(label)
            self._repo(issue.repo).label_index.get(label.name.lower(), set()).discard(issue)
            self._record(issue, "unlabeled", self.now, label=label)
            self._touch(issue)
            return issue

    def delete_issue(self, node_id: str) -> None:
        """Delete an issue: gone from lists and feeds; its GET answers 410."""
        self._retire(node_id, IssueStatus.DELETED)

    def hide_issue(self, node_id: str) -> None:
        """Make an issue unreadable to the caller: gone from lists; its GET answers 404."""
        self._retire(node_id, IssueStatus.HIDDEN)

    def transfer_issue(self, node_id: str, repo: str) -> FakeIssue:
        """Move an issue to another repo under new ids; the old GET answers 301 to the new one.

        The old repo's events feed gets a `transferred` event; the milestone is dropped.
        """
        with self.lock:
            old = self._live(node_id)
            if self._repo(repo) is self._repo(old.repo):
                raise ValueError("an issue can only be transferred to another repo")
            self._record(old, "transferred", self.now)
            new = self.create_issue(
                repo,
                title=old.title,
                body=old.body,
                labels=old.label_names(),
                assignees=old.assignees,
                state=old.state,
                state_reason=old.state_reason,
                created_at=old.created_at,
                closed_at=old.closed_at,
                updated_at=self.now,
                pull_request=old.pull_request,
                blocked_by=old.blocked_by,
                user=old.user,
                comments=old.comments,
            )
            old.moved_to = new
            self._retire(node_id, IssueStatus.TRANSFERRED)
            return new

    # Internals

    def _changed(self) -> None:
        self.version += 1

    def _touch(self, issue: FakeIssue) -> None:
        issue.updated_at = self.now
        self._changed()

    def _repo(self, full_name: str) -> FakeRepo:
        repo = self.find_repo(full_name)
        if repo is None:
            raise KeyError(f"no repo {full_name!r}: add_repo() it first")
        return repo

    def _live(self, node_id: str) -> FakeIssue:
        issue = self._by_node[node_id]
        if issue.status is not IssueStatus.VISIBLE:
            raise ValueError(f"issue {node_id} is {issue.status.value}")
        return issue

    def _retire(self, node_id: str, status: IssueStatus) -> None:
        with self.lock:
            issue = self._live(node_id)
            issue.status = status
            self._repo(issue.repo).unshow(issue)
            self._changed()

    def _label(self, repo: FakeRepo, name: str) -> FakeLabel:
        key = name.lower()
        if key not in repo.labels:
            color = _LABEL_COLORS[len(repo.labels) % len(_LABEL_COLORS)]
            repo.labels[key] = FakeLabel(next(self._label_ids), name, color)
        return repo.labels[key]

    def _milestone(self, repo: FakeRepo, due: date) -> FakeMilestone:
        if due not in repo.milestones:
            number = len(repo.milestones) + 1
            title = f"Remediation {due.isoformat()}"
            repo.milestones[due] = FakeMilestone(next(self._milestone_ids), number, title, due)
        return repo.milestones[due]

    def _record(
        self,
        issue: FakeIssue,
        event: str,
        at: datetime,
        *,
        label: FakeLabel | None = None,
        assignee: str | None = None,
        milestone: str | None = None,
        rename: tuple[str, str] | None = None,
        state_reason: str | None = None,
    ) -> None:
        record = FakeEvent(
            next(self._event_ids),
            event,
            at,
            self.actor,
            issue,
            label=label,
            assignee=assignee,
            milestone=milestone,
            rename=rename,
            state_reason=state_reason,
        )
        issue.events.append(record)
        self._repo(issue.repo).events.append(record)

    def _reassign(self, issue: FakeIssue, logins: list[str]) -> None:
        for login in issue.assignees:
            if login not in logins:
                self._record(issue, "unassigned", self.now, assignee=login)
        for login in logins:
            if login not in issue.assignees:
                self._record(issue, "assigned", self.now, assignee=login)
        issue.assignees = logins

    def _remilestone(self, issue: FakeIssue, repo: FakeRepo, due: date | None) -> None:
        old = issue.milestone
        if (old.due_on if old else None) == due:
            return
        if old is not None:
            self._record(issue, "demilestoned", self.now, milestone=old.title)
        issue.milestone = self._milestone(repo, due) if due else None
        if issue.milestone is not None:
            self._record(issue, "milestoned", self.now, milestone=issue.milestone.title)

    def _restate(self, issue: FakeIssue, state: str | _Unset, reason: str | _Unset | None) -> None:
        new_state = issue.state if isinstance(state, _Unset) else state
        if new_state == "closed":
            if isinstance(reason, _Unset):
                reason = "completed" if issue.state == "open" else issue.state_reason
            _check_state("closed", reason)
            if issue.state == "open":
                issue.closed_at = self.now
                self._record(issue, "closed", self.now, state_reason=reason)
        else:
            if isinstance(reason, _Unset):
                reason = "reopened" if issue.state == "closed" else issue.state_reason
            _check_state("open", reason)
            if issue.state == "closed":
                issue.closed_at = None
                self._record(issue, "reopened", self.now, state_reason=reason)
        issue.state = new_state
        issue.state_reason = reason


def _check_state(state: str, reason: str | None) -> None:
    if state == "closed" and reason in CLOSED_REASONS:
        return
    if state == "open" and reason in (None, "reopened"):
        return
    raise ValueError(f"invalid state {state!r} with state_reason {reason!r}")
