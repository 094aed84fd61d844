"""The label-filtered issue listing of one partition, paged so no item is skipped.

RELIABILITY rule 5: GitHub pages by offset (or an opaque `after` cursor) over a list
sorted by `updated`; an item updated mid-paging jumps to the end and shifts the rest.
So each next request re-anchors on `since=<last updated_at seen>` (inclusive: the caller
dedupes), and the `Link` next URL is followed, exactly as given, only inside a run of
identical timestamps longer than a page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.errors import BadResponse, PaginationLoop
from connectors.extract import parse_timestamp
from connectors.github.client import GitHubClient, Response

REPO_PREFIX = "repo:"
ORG_PREFIX = "org:"


@dataclass(frozen=True)
class Partition:
    """One listing: a repo's issues or an org's (`filter=all`), with the tracking label."""

    name: str
    path: str
    what: str
    filters: Mapping[str, str]

    @classmethod
    def repo(cls, repo: str, label: str, page_size: int) -> Partition:
        return cls(
            name=f"{REPO_PREFIX}{repo}",
            path=f"/repos/{repo}/issues",
            what=f"GitHub repo {repo}",
            filters=_filters(label, page_size),
        )

    @classmethod
    def org(cls, org: str, label: str, page_size: int) -> Partition:
        return cls(
            name=f"{ORG_PREFIX}{org}",
            path=f"/orgs/{org}/issues",
            what=f"GitHub org {org}",
            filters={"filter": "all", **_filters(label, page_size)},
        )

    def params(self, since: datetime | None) -> dict[str, str]:
        """The listing's query, from `since` (inclusive) when given."""
        return {**self.filters, **({"since": format_since(since)} if since else {})}

    def covers(self, repo: str) -> bool:
        """True when an issue of `repo` (`owner/name`) belongs to this listing."""
        if self.name.startswith(ORG_PREFIX):
            return repo.split("/")[0].casefold() == self.name[len(ORG_PREFIX) :].casefold()
        return repo.casefold() == self.name[len(REPO_PREFIX) :].casefold()


def _filters(label: str, page_size: int) -> dict[str, str]:
    return {
        "labels": label,
        "state": "all",
        "sort": "updated",
        "direction": "asc",
        "per_page": str(page_size),
    }


def format_since(moment: datetime) -> str:
    """GitHub's `since`: UTC, second precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def walk(
    client: GitHubClient, partition: Partition, since: datetime | None, etag: str | None = None
) -> Iterator[Response]:
    """Every response of the ascending listing from `since`, re-anchored page by page.

    With `etag`, the first request is conditional; a 304 is yielded and ends the walk.
    """
    anchor = since
    response = client.get(partition.path, partition.params(anchor), what=partition.what, etag=etag)
    followed: set[str] = set()
    while True:
        issues(response, partition)
        yield response
        next_url = response.next_url
        if response.not_modified or next_url is None:
            return
        last = last_updated(response.data)
        if last is not None and (anchor is None or last > anchor):
            anchor = last
            response = client.get(partition.path, partition.params(anchor), what=partition.what)
            continue
        if next_url in followed:
            raise PaginationLoop(f"{partition.what}: the next-page link repeated: {next_url}")
        followed.add(next_url)
        response = client.get(next_url, what=partition.what)


def issues(response: Response, partition: Partition) -> Sequence[Mapping[str, Any]]:
    """The issues (and pull requests) of a listing response; BadResponse if not a list."""
    if response.not_modified:
        return []
    data = response.data
    if not isinstance(data, list):
        raise BadResponse(f"{partition.what}: the issue listing is not a JSON list")
    return [entry if isinstance(entry, Mapping) else {} for entry in data]


def last_updated(data: Any) -> datetime | None:
    """The `updated_at` of the last entry on a page that has a readable one."""
    for entry in reversed(data if isinstance(data, list) else []):
        value = entry.get("updated_at") if isinstance(entry, Mapping) else None
        if isinstance(value, str):
            try:
                return parse_timestamp(value)
            except ValueError:
                continue
    return None
