"""The Jira connector (Cloud and Data Center): one label-and-JQL listing, ascending.

Each run reads the site once (serverInfo, /myself, /field), then searches
`labels = "<label>" AND (<jql>) AND updated >= "<cursor − overlap, in the API user's
zone, to the minute>" ORDER BY updated ASC, key ASC` with explicit fields. The cursor is
the largest `updated` the server returned; items before `cursor − overlap` that the
minute-wide bound lets through were synced already and are dropped. History comes from
changelogs in bulk; reconciliation sweeps ids only and checks the missing ones in bulk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
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
from connectors.extract import parse_timestamp
from connectors.item import Change, Item
from connectors.jira import bulk
from connectors.jira.check import check
from connectors.jira.client import JiraClient
from connectors.jira.config import PARTITION, JiraConfig
from connectors.jira.history import CHANGELOG_FIELDS, Known, changes_from_changelog
from connectors.jira.normalize import Rules, normalize
from connectors.jira.search import (
    ORDER,
    Issues,
    cloud_pages,
    dc_pages,
    fixed_dc_pages,
    ids_clause,
    scoped,
    since_clause,
)
from connectors.jira.site import Site, Status, load_site, load_statuses

LIST_FIELDS = (
    "summary",
    "description",
    "status",
    "resolution",
    "resolutiondate",
    "statuscategorychangedate",
    "duedate",
    "created",
    "updated",
    "labels",
    "priority",
    "assignee",
    "issuelinks",
    "issuetype",
    "project",
)
SWEEP_PAGE = 5000
"""Id-only pages: Jira serves up to 5,000 issues a page when only ids are asked for."""


class JiraConnector:
    """Jira Cloud or Data Center through pycontribs' session, raw REST v2 JSON."""

    kind: ClassVar[str] = "jira"
    page_order: ClassVar[PageOrder] = PageOrder.ASCENDING
    config_model: ClassVar[type[ConnectorConfig]] = JiraConfig

    def __init__(self, config: ConnectorConfig, context: Context) -> None:
        config = own_config(config, JiraConfig, "JiraConnector")
        self._config = config
        self._client = JiraClient(config, context)
        self._pattern = re.compile(config.incident_pattern)
        self._overlap = timedelta(seconds=config.overlap)
        self._wont_do = frozenset(name.casefold() for name in config.wont_do_resolutions)
        self._what = f"Jira search of {config.name}"
        self._site_info: Site | None = None
        self._statuses: dict[str, Status] | None = None
        self._listed: dict[str, Item] = {}

    def partitions(self) -> Sequence[str]:
        return [PARTITION]

    def fetch_changed(
        self, state: Mapping[str, PartitionState], *, full: bool = False
    ) -> Iterator[Page]:
        site = self._site()
        high = None if full else state.get(PARTITION, PartitionState()).cursor
        since = high - self._overlap if high is not None else None
        seen: set[tuple[object, object]] = set()
        for issues in self._listing(site, since):
            found, errors = self._read(site, issues, seen, since)
            for item in found:
                high = item.updated_at if high is None else max(high, item.updated_at)
            if found or errors:
                yield Page(PARTITION, found, PartitionState(cursor=high), errors)

    def fetch_history(self, items: Sequence[ItemRef]) -> Iterator[Change]:
        if not items:
            return
        site = self._site()
        if self._statuses is None:
            self._statuses = load_statuses(self._client, self._config.site)
        known = Known(self._statuses, site.flagged_field, self._wont_do)
        field_ids = [*CHANGELOG_FIELDS, *([site.flagged_field] if site.flagged_field else [])]
        ids = [ref.external_id for ref in items]
        logs = bulk.changelogs(self._client, site.cloud, ids, field_ids)
        for issue_id in ids:
            yield from changes_from_changelog(
                issue_id, logs.get(issue_id, []), known, self._listed.get(issue_id)
            )

    def fetch_comments(self, windows: Sequence[CommentWindow]) -> Iterator[Comment]:
        """Comments in each window, from one bulk read per 100 items (the comment field),
        paging an issue's own comments only when the field held fewer than its total."""
        if not windows:
            return
        site = self._site()
        ids = list(dict.fromkeys(window.item.external_id for window in windows))
        found = bulk.comments(self._client, site.cloud, ids)
        for window in windows:
            issue_id = window.item.external_id
            for raw in found.get(issue_id, []):
                comment = _comment(issue_id, raw)
                if comment is not None and window.start <= comment.at <= window.end:
                    yield comment

    def reconcile(self, items: Sequence[ItemRef]) -> Iterator[Removal]:
        if not items:
            return
        site = self._site()
        for ref in items:
            if ref.partition != PARTITION:
                yield Removal(ref.external_id, f"partition {ref.partition} is no longer configured")
        held = [ref for ref in items if ref.partition == PARTITION]
        if not held:
            return
        listed = self._swept_ids(site)
        missing = [ref.external_id for ref in held if ref.external_id not in listed]
        if missing:
            yield from self._why_gone(site, missing)

    def check(self) -> CheckReport:
        return check(self._config, self._client)

    def close(self) -> None:
        self._client.close()

    def _site(self) -> Site:
        if self._site_info is None:
            self._site_info = load_site(self._client, self._config)
        return self._site_info

    def _rules(self, site: Site) -> Rules:
        return Rules(
            site=self._config.site,
            partition=PARTITION,
            incident_pattern=self._pattern,
            wont_do=self._wont_do,
            flagged_field=site.flagged_field,
            type_field=site.type_field,
            incident_project=self._config.incident_project,
        )

    def _scope(self) -> str:
        return scoped(self._config.label, self._config.jql)

    def _listing(self, site: Site, since: datetime | None) -> Iterator[Issues]:
        fields = [*LIST_FIELDS, *(f for f in (site.flagged_field, site.type_field) if f)]
        size = self._config.page_size

        def jql(anchor: datetime | None) -> str:
            bound = f" AND {since_clause(anchor, site.zone)}" if anchor is not None else ""
            return f"{self._scope()}{bound}{ORDER}"

        if site.cloud:
            return cloud_pages(self._client, jql(since), fields, size, what=self._what)
        return dc_pages(self._client, jql, since, fields, size, site.zone, what=self._what)

    def _read(
        self, site: Site, issues: Issues, seen: set[tuple[object, object]], since: datetime | None
    ) -> tuple[list[Item], list[ItemError]]:
        """The page's issues not yet seen in this run and not older than `since`."""
        rules = self._rules(site)
        found: list[Item] = []
        errors: list[ItemError] = []
        self._listed = {}
        for raw in issues:
            fields = raw.get("fields")
            version = (
                raw.get("id"),
                fields.get("updated") if isinstance(fields, Mapping) else None,
            )
            if version in seen:
                continue
            seen.add(version)
            try:
                item = normalize(raw, rules)
            except ValueError as exc:
                errors.append(_item_error(raw, exc))
                continue
            if since is not None and item.updated_at < since:
                continue
            found.append(item)
            self._listed[item.external_id] = item
        return found, errors

    def _swept_ids(self, site: Site) -> set[str]:
        """Ids of every issue the source's query matches now: `fields=id`, large pages."""
        jql = f"{self._scope()} ORDER BY created ASC, key ASC"
        what = f"Jira reconciliation of {self._config.name}"
        if site.cloud:
            pages = cloud_pages(self._client, jql, ["id"], SWEEP_PAGE, what=what)
        else:
            pages = fixed_dc_pages(self._client, jql, ["id"], SWEEP_PAGE, what=what)
        return {
            str(issue["id"])
            for issues in pages
            for issue in issues
            if isinstance(issue.get("id"), str)
        }

    def _why_gone(self, site: Site, missing: list[str]) -> Iterator[Removal]:
        """Check the held ids the sweep missed, in bulk: gone, unlabelled, out of scope, or
        (a search not yet consistent) still tracked after all."""
        found = bulk.lookup(self._client, site.cloud, missing, ["labels", "project"])
        wanted = self._config.label.casefold()
        labelled = [
            i for i, raw in found.items() if wanted in {label.casefold() for label in _labels(raw)}
        ]
        still = self._still_in_scope(site, labelled)
        for issue_id in missing:
            raw = found.get(issue_id)
            if raw is None:
                yield Removal(issue_id, "deleted, or no longer readable by the API user")
            elif issue_id not in labelled:
                yield Removal(
                    issue_id, f"label {self._config.label!r} removed from {raw.get('key')}"
                )
            elif issue_id not in still:
                yield Removal(issue_id, f"{raw.get('key')} no longer matches the source's jql")

    def _still_in_scope(self, site: Site, ids: list[str]) -> set[str]:
        """Which of these existing, labelled ids the source's query matches."""
        if not ids or self._config.jql is None:
            return set(ids)
        inside: set[str] = set()
        what = f"Jira reconciliation of {self._config.name}"
        for batch in bulk.batches(ids, bulk.ISSUES_PER_LOOKUP):
            jql = f"{ids_clause(batch)} AND {self._scope()}"
            if site.cloud:
                pages = cloud_pages(self._client, jql, ["id"], bulk.ISSUES_PER_LOOKUP, what=what)
            else:
                pages = fixed_dc_pages(self._client, jql, ["id"], bulk.ISSUES_PER_LOOKUP, what=what)
            inside |= {str(issue.get("id")) for issues in pages for issue in issues}
        return inside


def _labels(raw: Mapping[str, Any]) -> list[str]:
    fields = raw.get("fields")
    labels = fields.get("labels") if isinstance(fields, Mapping) else None
    return [label for label in labels if isinstance(label, str)] if isinstance(labels, list) else []


def _comment(issue_id: str, raw: Mapping[str, Any]) -> Comment | None:
    """A REST v2 comment (plain-text body) as a `Comment`, or None when unreadable."""
    created, body = raw.get("created"), raw.get("body")
    if not isinstance(created, str) or not isinstance(body, str):
        return None
    try:
        at = parse_timestamp(created)
    except ValueError:
        return None
    author = raw.get("author")
    name = author.get("displayName") if isinstance(author, Mapping) else None
    return Comment(issue_id, at, name if isinstance(name, str) else None, body)


def _item_error(raw: Mapping[str, Any], exc: ValueError) -> ItemError:
    issue_id, key = raw.get("id"), raw.get("key")
    return ItemError(
        str(exc),
        external_id=issue_id if isinstance(issue_id, str) else None,
        key=key if isinstance(key, str) else None,
    )
