"""Reading many known issues at once: by id, their changelogs, their comments.

Never a request per item where Jira offers a bulk form. Cloud: `POST
/rest/api/2/issue/bulkfetch` (≤100 ids, silently omits deleted or unreadable ones) and
`POST /rest/api/3/changelog/bulkfetch` (≤1000 ids, paged by `nextPageToken`; where a
site answers 404, per-issue changelog pages instead). Data Center: a search on
`id in (…)` with `validateQuery=warn`, so an id that no longer exists is a warning,
not a 400; `expand=changelog` brings the histories.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.errors import BadResponse, PaginationLoop
from connectors.jira.client import GONE_STATUSES, JiraClient
from connectors.jira.search import fixed_dc_pages, ids_clause, issues_of

ISSUE_BULKFETCH = "/rest/api/2/issue/bulkfetch"
CHANGELOG_BULKFETCH = "/rest/api/3/changelog/bulkfetch"
ISSUES_PER_LOOKUP = 100
ISSUES_PER_CHANGELOG_FETCH = 1000
CHANGELOGS_PER_DC_PAGE = 50
CHANGELOG_PAGE = 100
CHANGELOG_ENTRIES = 10_000
COMMENT_PAGE = 100
LENIENT = {"validateQuery": "warn"}

Raw = Mapping[str, Any]


def batches(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def lookup(
    client: JiraClient, cloud: bool, ids: Sequence[str], fields: Sequence[str]
) -> dict[str, Raw]:
    """The issues among `ids` that exist and are readable, by id, with `fields`."""
    found: dict[str, Raw] = {}
    what = "Jira issue lookup"
    for batch in batches(ids, ISSUES_PER_LOOKUP):
        if cloud:
            body = {"issueIdsOrKeys": batch, "fields": list(fields)}
            pages: Iterator[list[Raw]] = iter(
                [issues_of(client.post(ISSUE_BULKFETCH, body, what=what).data, what)]
            )
        else:
            pages = fixed_dc_pages(
                client, ids_clause(batch), fields, ISSUES_PER_LOOKUP, what=what, extra=LENIENT
            )
        for issues in pages:
            for issue in issues:
                if isinstance(issue.get("id"), str):
                    found[issue["id"]] = issue
    return found


def changelogs(
    client: JiraClient, cloud: bool, ids: Sequence[str], field_ids: Sequence[str]
) -> dict[str, list[Raw]]:
    """Each issue's changelog entries (oldest first where Jira orders them), by id."""
    found: dict[str, list[Raw]] = {issue_id: [] for issue_id in ids}
    if not cloud:
        extra = {**LENIENT, "expand": "changelog"}
        for batch in batches(ids, CHANGELOGS_PER_DC_PAGE):
            pages = fixed_dc_pages(
                client,
                ids_clause(batch),
                ["updated"],
                CHANGELOGS_PER_DC_PAGE,
                what="Jira changelogs",
                extra=extra,
            )
            for issues in pages:
                for issue in issues:
                    changelog = issue.get("changelog")
                    histories = (
                        changelog.get("histories") if isinstance(changelog, Mapping) else None
                    )
                    if issue.get("id") in found and isinstance(histories, list):
                        found[issue["id"]] += [h for h in histories if isinstance(h, Mapping)]
        return found
    for batch in batches(ids, ISSUES_PER_CHANGELOG_FETCH):
        if not _bulk_changelogs(client, batch, field_ids, found):
            for issue_id in batch:
                found[issue_id] = list(_issue_changelog(client, issue_id))
    return found


def _bulk_changelogs(
    client: JiraClient, batch: list[str], field_ids: Sequence[str], found: dict[str, list[Raw]]
) -> bool:
    """Fill `found` from the bulk changelog endpoint; False when the site has none (404)."""
    what = "Jira changelog bulkfetch"
    body: dict[str, Any] = {
        "issueIdsOrKeys": batch,
        "fieldIds": list(field_ids),
        "maxResults": CHANGELOG_ENTRIES,
    }
    tokens: set[str] = set()
    while True:
        response = client.post(CHANGELOG_BULKFETCH, body, what=what, gone_ok=True)
        if response.status in GONE_STATUSES:
            return False
        data = response.data
        logs = data.get("issueChangeLogs") if isinstance(data, Mapping) else None
        if not isinstance(logs, list):
            raise BadResponse(f"{what}: no issueChangeLogs list")
        for log in logs:
            issue_id = log.get("issueId") if isinstance(log, Mapping) else None
            histories = log.get("changeHistories") if isinstance(log, Mapping) else None
            if issue_id in found and isinstance(histories, list):
                found[issue_id] += [h for h in histories if isinstance(h, Mapping)]
        token = data.get("nextPageToken")
        if not isinstance(token, str) or not token:
            return True
        if token in tokens:
            raise PaginationLoop(f"{what}: nextPageToken repeated")
        tokens.add(token)
        body = {**body, "nextPageToken": token}


def _issue_changelog(client: JiraClient, issue_id: str) -> Iterator[Raw]:
    """One issue's changelog, page by page (an issue gone meanwhile has none)."""
    yield from _offset_pages(
        client, f"/rest/api/2/issue/{issue_id}/changelog", "values", CHANGELOG_PAGE
    )


def comments(client: JiraClient, cloud: bool, ids: Sequence[str]) -> dict[str, list[Raw]]:
    """Every comment on each issue, by id: the comment field of a bulk read, completed
    page by page for an issue whose comments did not all fit."""
    found: dict[str, list[Raw]] = {}
    for issue_id, issue in lookup(client, cloud, ids, ["comment"]).items():
        fields = issue.get("fields")
        field = fields.get("comment") if isinstance(fields, Mapping) else None
        listed = field.get("comments") if isinstance(field, Mapping) else None
        total = field.get("total") if isinstance(field, Mapping) else None
        entries = [c for c in listed if isinstance(c, Mapping)] if isinstance(listed, list) else []
        if isinstance(total, int) and total > len(entries):
            entries = list(
                _offset_pages(
                    client, f"/rest/api/2/issue/{issue_id}/comment", "comments", COMMENT_PAGE
                )
            )
        found[issue_id] = entries
    return found


def _offset_pages(client: JiraClient, path: str, key: str, page: int) -> Iterator[Raw]:
    """The entries of a `startAt`/`total` paged resource; a 404 (issue gone) yields none."""
    start = 0
    what = f"Jira {path}"
    while True:
        response = client.get(
            path, {"startAt": str(start), "maxResults": str(page)}, what=what, gone_ok=True
        )
        if response.status in GONE_STATUSES:
            return
        data = response.data
        entries = data.get(key) if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            raise BadResponse(f"{what}: no {key} list")
        yield from (entry for entry in entries if isinstance(entry, Mapping))
        total = data.get("total")
        start += len(entries)
        if (
            not entries
            or data.get("isLast") is True
            or not isinstance(total, int)
            or start >= total
        ):
            return
