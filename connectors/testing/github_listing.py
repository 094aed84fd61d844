"""Issue listings for the fake GitHub: query parsing, label-indexed filtering, sorting and
both paging styles (page numbers, and `after=` keyset cursors like github.com's)."""

from __future__ import annotations

import base64
import binascii
import json
import math
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from connectors.testing.github_model import FakeIssue, FakeRepo

T = TypeVar("T")

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_PAGE_OFFSET = 1000
PAGE_TOO_DEEP = (
    "Pagination with the page parameter is not supported for large datasets, "
    "please use cursor based pagination (after/before)"
)
_CURSOR_PREFIX = "cursor:v2:"

SortKey = tuple[int, int]


class QueryError(Exception):
    """A query GitHub would reject with 422 Validation Failed."""


def _choice(query: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = query.get(name) or default
    if value not in allowed:
        raise QueryError(f"Invalid value for {name}: {value!r}")
    return value


def parse_since(value: str) -> datetime:
    """An ISO 8601 instant (`Z`, an offset, or none meaning UTC), as GitHub accepts `since`."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError(f"Invalid value for since: {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class IssueQuery:
    """The filter and order of an issue listing (`labels` lower-cased, all must match)."""

    labels: tuple[str, ...]
    state: str
    since: datetime | None
    sort: str
    direction: str

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> IssueQuery:
        labels = tuple(sorted({n.strip().lower() for n in query.get("labels", "").split(",")}))
        since = query.get("since")
        return cls(
            labels=tuple(name for name in labels if name),
            state=_choice(query, "state", "open", ("open", "closed", "all")),
            since=parse_since(since) if since else None,
            sort=_choice(query, "sort", "created", ("created", "updated", "comments")),
            direction=_choice(query, "direction", "desc", ("asc", "desc")),
        )

    def sort_key(self, issue: FakeIssue) -> SortKey:
        """The issue's position in this listing's order, as an ascending key (ties by id)."""
        if self.sort == "updated":
            value = int(issue.updated_at.timestamp())
        elif self.sort == "created":
            value = int(issue.created_at.timestamp())
        else:
            value = issue.comments
        return (value, issue.id) if self.direction == "asc" else (-value, -issue.id)

    @property
    def unbounded(self) -> IssueQuery:
        """This query without `since`: the cached listing that `since_filter` narrows."""
        return replace(self, since=None)


@dataclass(frozen=True)
class Sorted(Generic[T]):
    """A listing in its final order, with each entry's ascending sort key (for cursors)."""

    entries: list[T]
    keys: list[SortKey]
    order: tuple[str, str] = ("", "")


def select(
    repos: Iterable[FakeRepo], query: IssueQuery, keep: Callable[[FakeIssue], bool] | None
) -> Sorted[FakeIssue]:
    """The visible issues of `repos` matching `query`'s labels and state (and `keep`), sorted.

    `since` is left to `since_filter`, so one cached listing serves every `since`.
    """
    chosen: list[FakeIssue] = []
    for repo in repos:
        candidates: Iterable[FakeIssue]
        if query.labels:
            sets = sorted((repo.label_index.get(n, set()) for n in query.labels), key=len)
            candidates = sets[0].intersection(*sets[1:])
        else:
            candidates = repo.visible.values()
        chosen.extend(
            issue
            for issue in candidates
            if query.state in ("all", issue.state) and (keep is None or keep(issue))
        )
    decorated = sorted((query.sort_key(issue), issue) for issue in chosen)
    entries = [issue for _, issue in decorated]
    return Sorted(entries, [key for key, _ in decorated], (query.sort, query.direction))


def since_filter(listing: Sorted[FakeIssue], since: datetime | None) -> Sorted[FakeIssue]:
    """Keep the entries updated at or after `since` (inclusive, like GitHub).

    Sorted by `updated` they form one contiguous run, found by bisection; else a scan.
    """
    if since is None:
        return listing
    floor = math.ceil(since.timestamp())  # updated_at has whole seconds
    keys, entries = listing.keys, listing.entries
    if listing.order == ("updated", "asc"):
        start = bisect_left(keys, (floor, -sys.maxsize))
        return Sorted(entries[start:], keys[start:], listing.order)
    if listing.order == ("updated", "desc"):
        end = bisect_right(keys, (-floor, sys.maxsize))
        return Sorted(entries[:end], keys[:end], listing.order)
    kept = [(k, i) for k, i in zip(keys, entries, strict=True) if i.updated_at >= since]
    return Sorted([i for _, i in kept], [k for k, _ in kept], listing.order)


@dataclass(frozen=True)
class PageRequest:
    """Which slice a list request asks for: `per_page` plus a page number or a cursor."""

    per_page: int
    page: int
    after: SortKey | None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> PageRequest:
        try:
            per_page = int(query.get("per_page", DEFAULT_PER_PAGE))
        except ValueError:
            per_page = DEFAULT_PER_PAGE
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        if query.get("after"):
            key, page = decode_cursor(query["after"])
            return cls(per_page=per_page, page=page, after=key)
        try:
            page = max(int(query.get("page", 1)), 1)
        except ValueError:
            page = 1
        return cls(per_page=per_page, page=page, after=None)


@dataclass(frozen=True)
class Window(Generic[T]):
    """One served page: its entries, its 1-based number, and what follows it."""

    entries: list[T]
    page: int
    has_next: bool
    last_page: int
    next_cursor: str | None


def window(listing: Sorted[T], request: PageRequest, *, max_offset: int | None) -> Window[T]:
    """Slice a listing by cursor (keyset) or page number; deep page numbers raise QueryError."""
    if request.after is not None:
        start = bisect_right(listing.keys, request.after)
    else:
        start = (request.page - 1) * request.per_page
        if max_offset is not None and start >= max_offset:
            raise QueryError(PAGE_TOO_DEEP)
    end = start + request.per_page
    entries = listing.entries[start:end]
    has_next = end < len(listing.entries)
    total = len(listing.entries)
    return Window(
        entries=entries,
        page=request.page,
        has_next=has_next,
        last_page=max(-(-total // request.per_page), 1),
        next_cursor=encode_cursor(listing.keys[end - 1], request.page + 1) if has_next else None,
    )


def encode_cursor(key: SortKey, page: int) -> str:
    """An opaque `after=` token: the last served sort key and the next page's number."""
    payload = _CURSOR_PREFIX + json.dumps([key[0], key[1], page], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[SortKey, int]:
    """Read an `after=` token back; anything else is a 422 like GitHub's."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = base64.urlsafe_b64decode(padded.encode()).decode()
        if not payload.startswith(_CURSOR_PREFIX):
            raise ValueError(payload)
        value, tie, page = json.loads(payload.removeprefix(_CURSOR_PREFIX))
        return (int(value), int(tie)), int(page)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise QueryError(f"Invalid value for after: {token!r}") from None


class ListingCache:
    """Sorted listings memoised until the model changes, so paging is O(page), not O(n log n)."""

    def __init__(self) -> None:
        self._version = -1
        self._entries: dict[Hashable, Sorted[Any]] = {}

    def get(self, version: int, key: Hashable, build: Callable[[], Sorted[T]]) -> Sorted[T]:
        if version != self._version:
            self._entries.clear()
            self._version = version
        if key not in self._entries:
            self._entries[key] = build()
        return self._entries[key]
