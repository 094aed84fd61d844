"""JQL and the two ways Jira pages a search, so no item is skipped.

Cloud: `GET /rest/api/2/search/jql` with `nextPageToken` (keyset; `/search` is 410 there);
stop when the token is absent or `isLast`, and refuse a repeated token. Data Center:
`GET /rest/api/2/search` with `startAt`/`total`. Offset paging over a list sorted by
`updated` skips an item when one on an earlier page is updated mid-sync (RELIABILITY
rule 5), so each next DC request re-anchors on `updated >= <minute of the last updated
seen>` from `startAt=0` (the caller dedupes); only when a whole page falls in one minute
(re-anchoring would serve it again) does `startAt` advance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.errors import BadResponse, PaginationLoop
from connectors.extract import parse_timestamp
from connectors.jira.client import JiraClient

CLOUD_SEARCH = "/rest/api/2/search/jql"
DC_SEARCH = "/rest/api/2/search"
ORDER = " ORDER BY updated ASC, key ASC"
JQL_MINUTE = "%Y/%m/%d %H:%M"

Issues = list[Mapping[str, Any]]
JqlFrom = Callable[[datetime | None], str]
"""The query for an `updated >=` bound (None: unbounded)."""


def quote(value: str) -> str:
    """A JQL string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def scoped(label: str, jql: str | None) -> str:
    """The label clause ANDed with the source's own JQL (parenthesised)."""
    clause = f"labels = {quote(label)}"
    return f"{clause} AND ({jql})" if jql else clause


def since_clause(moment: datetime, zone: ZoneInfo) -> str:
    """`updated >= "yyyy/MM/dd HH:mm"`: the moment's minute, on the API user's wall clock
    (JQL reads dates in the user's profile time zone, to the minute)."""
    return f"updated >= {quote(moment.astimezone(zone).strftime(JQL_MINUTE))}"


def ids_clause(ids: Sequence[str]) -> str:
    return f"id in ({', '.join(ids)})"


def issues_of(data: Any, what: str) -> Issues:
    """The `issues` list of a search response; BadResponse when it has none."""
    issues = data.get("issues") if isinstance(data, Mapping) else None
    if not isinstance(issues, list):
        raise BadResponse(f"{what}: the search response has no issues list")
    return [issue if isinstance(issue, Mapping) else {} for issue in issues]


def cloud_pages(
    client: JiraClient, jql: str, fields: Sequence[str], page_size: int, *, what: str
) -> Iterator[Issues]:
    """Every page of a Cloud search, following `nextPageToken` until it ends."""
    params = {"jql": jql, "maxResults": str(page_size), "fields": ",".join(fields)}
    seen: set[str] = set()
    while True:
        data = client.get(CLOUD_SEARCH, params, what=what, jql=jql).data
        yield issues_of(data, what)
        token = data.get("nextPageToken")
        if not isinstance(token, str) or not token or data.get("isLast") is True:
            return
        if token in seen:
            raise PaginationLoop(f"{what}: nextPageToken repeated: {token[:40]}")
        seen.add(token)
        params = {**params, "nextPageToken": token}


def dc_pages(
    client: JiraClient,
    jql_from: JqlFrom,
    anchor: datetime | None,
    fields: Sequence[str],
    page_size: int,
    zone: ZoneInfo,
    *,
    what: str,
) -> Iterator[Issues]:
    """Every page of a Data Center search from `anchor`, re-anchored page by page."""
    start = 0
    while True:
        issues, more = _dc_page(client, jql_from(anchor), start, fields, page_size, what, {})
        yield issues
        if not more:
            return
        last, first = last_updated(issues), last_updated(issues[:1])
        moved_on = last is not None and (
            anchor is None or _minute(last, zone) > _minute(anchor, zone)
        )
        one_minute = (
            first is not None and last is not None and _minute(first, zone) == _minute(last, zone)
        )
        if moved_on and not one_minute:
            anchor, start = last, 0
        else:
            start += len(issues)


def fixed_dc_pages(
    client: JiraClient,
    jql: str,
    fields: Sequence[str],
    page_size: int,
    *,
    what: str,
    extra: Mapping[str, str] | None = None,
) -> Iterator[Issues]:
    """Every page of a Data Center search whose query has no `updated` bound, by offset."""
    start = 0
    while True:
        issues, more = _dc_page(client, jql, start, fields, page_size, what, extra or {})
        yield issues
        if not more:
            return
        start += len(issues)


def _dc_page(
    client: JiraClient,
    jql: str,
    start: int,
    fields: Sequence[str],
    page_size: int,
    what: str,
    extra: Mapping[str, str],
) -> tuple[Issues, bool]:
    """One `/search` page and whether more follow (by `total`; an empty page ends it)."""
    params = {
        "jql": jql,
        "startAt": str(start),
        "maxResults": str(page_size),
        "fields": ",".join(fields),
        **extra,
    }
    data = client.get(DC_SEARCH, params, what=what, jql=jql).data
    issues = issues_of(data, what)
    total = data.get("total")
    return issues, bool(issues) and isinstance(total, int) and start + len(issues) < total


def last_updated(issues: Issues) -> datetime | None:
    """The `fields.updated` of the last issue on a page that has a readable one."""
    for issue in reversed(issues):
        fields = issue.get("fields")
        value = fields.get("updated") if isinstance(fields, Mapping) else None
        if isinstance(value, str):
            try:
                return parse_timestamp(value)
            except ValueError:
                continue
    return None


def _minute(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(JQL_MINUTE)
