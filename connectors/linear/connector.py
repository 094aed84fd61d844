"""The Linear connector: label-filtered issue listings, newest first, with archived issues.

Each partition (the workspace, or one team) lists `issues(filter: {labels: {some: {name:
{eqIgnoreCase: label}}}, updatedAt: {gte: cursor − overlap}, team: …}, orderBy: updatedAt,
includeArchived: true)`. The public schema orders by `updatedAt` newest first only, so a
run keeps its `endCursor` as the resume token and moves the cursor when it completes.
History, comments and reconciliation fetch issues by id in batches (`id: {in: […]}`),
never one request per item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from connectors.base import (
    CheckReport,
    Comment,
    CommentWindow,
    Context,
    ItemError,
    ItemRef,
    Page,
    PageOrder,
    PartitionState,
    Removal,
)
from connectors.config import ConnectorConfig, own_config
from connectors.errors import ConfigError
from connectors.fields import timestamp
from connectors.item import Change, Item
from connectors.linear.check import check
from connectors.linear.client import (
    COMMENTS,
    HISTORY,
    ISSUE_SCOPES,
    Connection,
    LinearClient,
    next_cursor,
)
from connectors.linear.config import TEAM_PARTITION_PREFIX, LinearConfig
from connectors.linear.history import changes_from_history
from connectors.linear.normalize import (
    is_trashed,
    label_names,
    normalize,
    person,
    team_key,
)

T = TypeVar("T")

BATCH = 50
"""Issues per by-id request (history, comments, reconciliation)."""


class LinearConnector:
    """Linear through its GraphQL API with httpx; raw JSON is normalised here, never kept."""

    kind: ClassVar[str] = "linear"
    page_order: ClassVar[PageOrder] = PageOrder.NEWEST_FIRST
    config_model: ClassVar[type[ConnectorConfig]] = LinearConfig

    def __init__(self, config: ConnectorConfig, context: Context) -> None:
        config = own_config(config, LinearConfig, "LinearConnector")
        self._config = config
        self._client = LinearClient(config, context)
        self._pattern = re.compile(config.incident_pattern)
        self._overlap = timedelta(seconds=config.overlap)
        self._teams = {key.casefold(): key for key in config.teams}
        self._listed: dict[str, Item] = {}

    def partitions(self) -> Sequence[str]:
        return self._config.partition_names()

    def fetch_changed(
        self, state: Mapping[str, PartitionState], *, full: bool = False
    ) -> Iterator[Page]:
        for name in self.partitions():
            saved = PartitionState() if full else state.get(name, PartitionState())
            yield from self._changed(name, saved)

    def fetch_history(self, items: Sequence[ItemRef]) -> Iterator[Change]:
        for batch in _batches(items):
            entries: dict[str, list[Mapping[str, Any]]] = {ref.external_id: [] for ref in batch}
            ids = list(entries)
            for issue_id, entry in self._client.nested(HISTORY, ids, what="Linear issue history"):
                if issue_id in entries:
                    entries[issue_id].append(entry)
            for issue_id, found in entries.items():
                yield from changes_from_history(issue_id, found, self._listed.get(issue_id))

    def fetch_comments(self, windows: Sequence[CommentWindow]) -> Iterator[Comment]:
        """The comments on each window's item created within [start, end]: items in the
        windows' order, each item's comments oldest first."""
        by_item: dict[str, list[CommentWindow]] = {}
        for window in windows:
            by_item.setdefault(window.item.external_id, []).append(window)
        for ids in _batches(list(by_item)):
            found: dict[str, list[Comment]] = {issue_id: [] for issue_id in ids}
            for issue_id, node in self._client.nested(COMMENTS, ids, what="Linear comments"):
                comment = _comment(issue_id, node)
                if comment is not None and any(
                    w.start <= comment.at <= w.end for w in by_item.get(issue_id, ())
                ):
                    found[issue_id].append(comment)
            for comments in found.values():
                yield from sorted(comments, key=lambda c: c.at)

    def reconcile(self, items: Sequence[ItemRef]) -> Iterator[Removal]:
        wanted = self._config.label.casefold()
        for batch in _batches(items):
            ids = [ref.external_id for ref in batch]
            found = {
                node.get("id"): node
                for node in self._client.by_ids(ISSUE_SCOPES, ids, what="Linear reconciliation")
            }
            for ref in batch:
                reason = self._gone(found.get(ref.external_id), wanted)
                if reason is not None:
                    yield Removal(ref.external_id, reason)

    def check(self) -> CheckReport:
        return check(self._config, self._client)

    def close(self) -> None:
        self._client.close()

    def _changed(self, partition: str, saved: PartitionState) -> Iterator[Page]:
        """The partition's pages, newest first, resuming after `saved.resume_token`."""
        what = f"Linear {partition}"
        issue_filter = self._filter(partition, saved.cursor)
        high = saved.high_water
        after = saved.resume_token
        followed: set[str] = set()
        while True:
            page = self._client.issues(
                issue_filter, first=self._config.page_size, after=after, what=what
            )
            if not page.nodes and saved == PartitionState():
                self._check_team(partition, what)
            found, errors = self._read(partition, page)
            for item in found:
                high = item.updated_at if high is None else max(high, item.updated_at)
            after = next_cursor(page, followed, what)
            if after is None:
                yield Page(partition, found, _completed(saved.cursor, high), errors)
                return
            state = PartitionState(cursor=saved.cursor, resume_token=after, high_water=high)
            yield Page(partition, found, state, errors)

    def _check_team(self, partition: str, what: str) -> None:
        """A team partition that lists nothing on its first run may name no team: say so
        rather than mirror nothing in silence."""
        key = _team_of(partition)
        if key is not None and not self._client.team_exists(key, what=what):
            raise ConfigError(f"{what}: no team with key {key!r}, or the credential cannot see it")

    def _filter(self, partition: str, cursor: datetime | None) -> dict[str, Any]:
        """The IssueFilter: the label (any case), `updatedAt >= cursor − overlap`, the team."""
        issue_filter: dict[str, Any] = {
            "labels": {"some": {"name": {"eqIgnoreCase": self._config.label}}}
        }
        if cursor is not None:
            since = cursor - self._overlap
            issue_filter["updatedAt"] = {"gte": since.isoformat().replace("+00:00", "Z")}
        key = _team_of(partition)
        if key is not None:
            issue_filter["team"] = {"key": {"eq": key}}
        return issue_filter

    def _read(self, partition: str, page: Connection) -> tuple[list[Item], list[ItemError]]:
        """The page's issues as items; trashed issues are not tracked and are left out."""
        found: list[Item] = []
        errors: list[ItemError] = []
        self._listed = {}
        for node in page.nodes:
            if is_trashed(node):
                continue
            try:
                item = normalize(node, partition=partition, incident_pattern=self._pattern)
            except ValueError as exc:
                errors.append(_item_error(node, exc))
                continue
            found.append(item)
            self._listed[item.external_id] = item
        return found, errors

    def _gone(self, node: Mapping[str, Any] | None, wanted_label: str) -> str | None:
        """Why an issue is no longer tracked, or None while it still is."""
        if node is None:
            return "not found on Linear (deleted for good, or no longer visible to the token)"
        if is_trashed(node):
            return "deleted on Linear (in the trash)"
        try:
            labels, team = label_names(node), team_key(node)
        except ValueError as exc:
            return f"unreadable on Linear: {exc}"
        if all(name.casefold() != wanted_label for name in labels):
            return f"label {self._config.label!r} removed"
        if self._teams and team.casefold() not in self._teams:
            return f"in team {team}, outside the configured teams"
        return None


def _team_of(partition: str) -> str | None:
    """The team key a `team:<KEY>` partition lists, or None for the workspace."""
    if partition.startswith(TEAM_PARTITION_PREFIX):
        return partition[len(TEAM_PARTITION_PREFIX) :]
    return None


def _completed(cursor: datetime | None, high: datetime | None) -> PartitionState:
    """The state after a run's last page: the cursor moves to the newest `updatedAt` seen."""
    candidates = [c for c in (cursor, high) if c is not None]
    return PartitionState(cursor=max(candidates) if candidates else None)


def _batches(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


def _comment(issue_id: str, node: Mapping[str, Any]) -> Comment | None:
    """A comment node as a Comment (author None when nameless, e.g. an integration); one
    without a readable time or body is skipped."""
    body = node.get("body")
    try:
        at = timestamp(node.get("createdAt"), "createdAt")
    except ValueError:
        return None
    try:
        author = person(node.get("user"), "user")
    except ValueError:
        author = None
    return Comment(issue_id, at, author, body) if isinstance(body, str) else None


def _item_error(node: Mapping[str, Any], exc: ValueError) -> ItemError:
    issue_id, key = node.get("id"), node.get("identifier")
    return ItemError(
        str(exc),
        external_id=issue_id if isinstance(issue_id, str) else None,
        key=key if isinstance(key, str) else None,
    )
