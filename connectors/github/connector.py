"""The GitHub Issues connector: label-filtered listings per repo and per org, ascending.

Each partition is listed with `labels=<label>&state=all&sort=updated&direction=asc`
from `since = cursor − overlap`, re-anchored page by page (see `listing`). A run that
moved the cursor ends with one request from the new `since`, whose `ETag` is kept, so
the next unchanged poll is a single 304. Reconciliation re-lists the labelled items and
GETs only the held ones missing from the listing; history comes from issue events.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

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
from connectors.errors import BadResponse
from connectors.github.check import check
from connectors.github.client import GONE_STATUSES, GitHubClient, Response
from connectors.github.comments import comments_in
from connectors.github.config import GitHubConfig
from connectors.github.history import changes_from_events
from connectors.github.listing import Partition, issues, walk
from connectors.github.normalize import (
    is_pull_request,
    issue_key,
    label_names,
    normalize,
    repo_of,
)
from connectors.item import Change, Item

MAX_PASSES = 2
"""Listings per partition and run: the changes, then one confirming pass from the new
`since` whose ETag the next poll sends (a second move leaves no ETag)."""
EVENTS_PAGE = "100"
COMMENTS_PAGE = "100"


class GitHubConnector:
    """GitHub Issues (github.com or Enterprise) through PyGithub's requester, raw JSON only."""

    kind: ClassVar[str] = "github"
    page_order: ClassVar[PageOrder] = PageOrder.ASCENDING
    config_model: ClassVar[type[ConnectorConfig]] = GitHubConfig

    def __init__(self, config: ConnectorConfig, context: Context) -> None:
        config = own_config(config, GitHubConfig, "GitHubConnector")
        self._config = config
        self._client = GitHubClient(config, context)
        self._pattern = re.compile(config.incident_pattern)
        self._overlap = timedelta(seconds=config.overlap)
        listings = [Partition.repo(r, config.label, config.page_size) for r in config.repos]
        listings += [Partition.org(o, config.label, config.page_size) for o in config.orgs]
        self._partitions = {p.name: p for p in listings}
        self._listed: dict[str, tuple[Item, Mapping[str, Any]]] = {}

    def partitions(self) -> Sequence[str]:
        return list(self._partitions)

    def fetch_changed(
        self, state: Mapping[str, PartitionState], *, full: bool = False
    ) -> Iterator[Page]:
        for partition in self._partitions.values():
            yield from self._changed(partition, state.get(partition.name, PartitionState()), full)

    def fetch_history(self, items: Sequence[ItemRef]) -> Iterator[Change]:
        for ref in items:
            repo, number = _split_key(ref.key)
            path = f"/repos/{repo}/issues/{number}/events"
            events: list[Mapping[str, Any]] = []
            what = f"GitHub issue {ref.key}"
            for response in self._client.pages(path, {"per_page": EVENTS_PAGE}, what=what):
                if response.status in GONE_STATUSES:
                    break
                if not isinstance(response.data, list):
                    raise BadResponse(f"{what}: the events listing is not a JSON list")
                events += [event for event in response.data if isinstance(event, Mapping)]
            current, raw = self._listed.get(ref.external_id, (None, None))
            yield from changes_from_events(ref.external_id, events, current, raw)

    def fetch_comments(self, windows: Sequence[CommentWindow]) -> Iterator[Comment]:
        """One listing per item (GitHub has no batch): its comments updated since the
        window's start, kept when created within the window."""
        for window in windows:
            repo, number = _split_key(window.item.key)
            path = f"/repos/{repo}/issues/{number}/comments"
            params = {"since": _iso(window.start), "per_page": COMMENTS_PAGE}
            what = f"GitHub issue {window.item.key} comments"
            for response in self._client.pages(path, params, what=what):
                if response.status in GONE_STATUSES:
                    break
                if not isinstance(response.data, list):
                    raise BadResponse(f"{what}: the comments listing is not a JSON list")
                yield from comments_in(window, response.data)

    def reconcile(self, items: Sequence[ItemRef]) -> Iterator[Removal]:
        by_partition: dict[str, list[ItemRef]] = {}
        for ref in items:
            by_partition.setdefault(ref.partition, []).append(ref)
        for name, refs in by_partition.items():
            partition = self._partitions.get(name)
            if partition is None:
                for ref in refs:
                    yield Removal(ref.external_id, f"{name} is no longer configured")
                continue
            listed = self._labelled_ids(partition)
            for ref in refs:
                if ref.external_id not in listed:
                    removal = self._look_up(ref, partition)
                    if removal is not None:
                        yield removal

    def check(self) -> CheckReport:
        return check(self._config, self._client)

    def close(self) -> None:
        self._client.close()

    def _changed(self, partition: Partition, saved: PartitionState, full: bool) -> Iterator[Page]:
        """The partition's pages from its saved state; the last one carries the ETag."""
        high = None if full else saved.cursor
        etag = None if full else saved.etag
        seen: set[tuple[object, object]] = set()
        for _ in range(MAX_PASSES):
            since = self._since(high)
            first: Response | None = None
            for response in walk(self._client, partition, since, etag):
                if response.not_modified:
                    return
                first = first or response
                found, errors = self._read(partition, response, seen)
                for item in found:
                    high = item.updated_at if high is None else max(high, item.updated_at)
                if found or errors:
                    yield Page(partition.name, found, PartitionState(cursor=high), errors)
            etag = None
            if first is not None and first.next_url is None and self._since(high) == since:
                if first.etag:
                    yield Page(partition.name, (), PartitionState(cursor=high, etag=first.etag))
                return

    def _since(self, cursor: datetime | None) -> datetime | None:
        return cursor - self._overlap if cursor is not None else None

    def _read(
        self, partition: Partition, response: Response, seen: set[tuple[object, object]]
    ) -> tuple[list[Item], list[ItemError]]:
        """The page's issues not yet seen in this run, normalised; PRs dropped."""
        found: list[Item] = []
        errors: list[ItemError] = []
        self._listed = {}
        for raw in issues(response, partition):
            version = (raw.get("node_id"), raw.get("updated_at"))
            if is_pull_request(raw) or version in seen:
                continue
            seen.add(version)
            try:
                item = normalize(raw, partition=partition.name, incident_pattern=self._pattern)
            except ValueError as exc:
                errors.append(_item_error(raw, exc))
                continue
            found.append(item)
            self._listed[item.external_id] = (item, raw)
        return found, errors

    def _labelled_ids(self, partition: Partition) -> set[str]:
        """Node ids of every labelled issue the partition lists now (PRs left out)."""
        ids: set[str] = set()
        for response in walk(self._client, partition, None):
            for raw in issues(response, partition):
                node_id = raw.get("node_id")
                if isinstance(node_id, str) and not is_pull_request(raw):
                    ids.add(node_id)
        return ids

    def _look_up(self, ref: ItemRef, partition: Partition) -> Removal | None:
        """Why a held item missing from the listing is gone, or None if it is still tracked."""
        repo, number = _split_key(ref.key)
        response = self._client.issue(repo, number, what=f"GitHub issue {ref.key}")
        if response.status == 410:
            return Removal(ref.external_id, "deleted on GitHub (HTTP 410)")
        if response.status == 404:
            return Removal(ref.external_id, "no longer visible to the token (HTTP 404)")
        raw = response.data
        if not isinstance(raw, Mapping):
            raise BadResponse(f"GitHub issue {ref.key}: not a JSON object")
        try:
            key, where, labels = issue_key(raw), repo_of(raw), label_names(raw)
        except ValueError as exc:
            raise BadResponse(f"GitHub issue {ref.key}: {exc}") from None
        if raw.get("node_id") != ref.external_id:
            return Removal(ref.external_id, f"transferred to {key}")
        if not partition.covers(where):
            return Removal(ref.external_id, f"moved to {where}, outside {partition.name}")
        wanted = self._config.label.casefold()
        if all(name.casefold() != wanted for name in labels):
            return Removal(ref.external_id, f"label {self._config.label!r} removed")
        return None


def _split_key(key: str) -> tuple[str, int]:
    """`owner/repo#number` as (`owner/repo`, number)."""
    repo, _, number = key.rpartition("#")
    return repo, int(number)


def _iso(moment: datetime) -> str:
    """GitHub's `since` format: UTC, second precision (rounded down, so nothing is missed)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _item_error(raw: Mapping[str, Any], exc: ValueError) -> ItemError:
    node_id = raw.get("node_id")
    try:
        key: str | None = issue_key(raw)
    except ValueError:
        key = None
    return ItemError(str(exc), external_id=node_id if isinstance(node_id, str) else None, key=key)
