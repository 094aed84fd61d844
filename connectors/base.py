"""The connector contract: what a tracker plug-in takes, yields and promises.

A connector keeps nothing between runs. The runner hands it the saved sync state (one
`PartitionState` per partition); each `Page` it yields carries items, per-item errors and
the partition's new state, which the runner commits together with the page's items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Protocol

from connectors.config import ConnectorConfig
from connectors.item import Change, Item


class PageOrder(StrEnum):
    """How a connector orders pages, which decides when the cursor may advance."""

    ASCENDING = "ascending"
    """Oldest `updated` first: the cursor may advance after every page."""
    NEWEST_FIRST = "newest_first"
    """Newest first: the cursor advances only when the run completes; a resume token
    lets a crashed run continue where it stopped."""


@dataclass(frozen=True)
class PartitionState:
    """Saved progress of one partition between runs.

    `cursor` is the largest server `updated` fully synced; `high_water` the largest seen
    so far by an unfinished newest-first run; `resume_token` where that run stopped.
    """

    cursor: datetime | None = None
    etag: str | None = None
    resume_token: str | None = None
    high_water: datetime | None = None


@dataclass(frozen=True)
class ItemError:
    """One item the connector could not normalise; the rest of its page still lands."""

    message: str
    external_id: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Page:
    """One listing page: its items, the items that failed, and the partition's new state."""

    partition: str
    items: Sequence[Item]
    state: PartitionState
    errors: Sequence[ItemError] = field(default=())


@dataclass(frozen=True)
class ItemRef:
    """A mirrored item as a connector finds it again: stable id, current key, partition."""

    external_id: str
    key: str
    partition: str

    @classmethod
    def of(cls, item: Item) -> ItemRef:
        return cls(item.external_id, item.key, item.partition)


@dataclass(frozen=True)
class Removal:
    """A held item that is no longer tracked (label removed, deleted, unreadable, moved away)."""

    external_id: str
    reason: str


@dataclass(frozen=True)
class CommentWindow:
    """Where to look for the comment explaining a decision: one item and a time span."""

    item: ItemRef
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Comment:
    """A tracker comment on an item, as plain text; `external_id` is the item's (as in
    `Change`), `author` a display name, never an email address."""

    external_id: str
    at: datetime
    author: str | None
    body: str


@dataclass(frozen=True)
class Finding:
    """One thing `Connector.check` tried: what (`subject`, e.g. `repo acme/api`), whether
    it passed, and what it found (a specific reason when it did not)."""

    subject: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class CheckReport:
    """What `Connector.check` found: the identity the credential signs in as (None when it
    could not) and every finding in the order checked. A check stops at the first finding
    the rest depend on (the host unreachable, the credential refused)."""

    identity: str | None
    findings: Sequence[Finding]

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(finding.ok for finding in self.findings)


Clock = Callable[[], datetime]
Sleep = Callable[[float], None]
RequestObserver = Callable[[int], None]
"""Called once per tracker HTTP request with its status code (0 when no response came)."""


@dataclass(frozen=True)
class Context:
    """What the service lends a connector: time, sleeping and request accounting."""

    clock: Clock
    sleep: Sleep
    on_request: RequestObserver


class Connector(Protocol):
    """A tracker plug-in, registered under the `followthrough.connectors` entry-point group."""

    kind: ClassVar[str]
    page_order: ClassVar[PageOrder]
    config_model: ClassVar[type[ConnectorConfig]]

    def __init__(self, config: ConnectorConfig, context: Context) -> None: ...

    def partitions(self) -> Sequence[str]:
        """Names of the listings this source polls (stable across runs)."""
        ...

    def fetch_changed(
        self, state: Mapping[str, PartitionState], *, full: bool = False
    ) -> Iterator[Page]:
        """Yield pages of items changed since each partition's saved state.

        `full` ignores cursors and ETags and lists everything.
        """
        ...

    def fetch_history(self, items: Sequence[ItemRef]) -> Iterator[Change]:
        """Yield tracker-recorded changes of state, owner and due date for these items.

        Called only for items that are new or whose state, owner or due date changed.
        """
        ...

    def fetch_comments(self, windows: Sequence[CommentWindow]) -> Iterator[Comment]:
        """Yield the comments on each window's item created within [start, end].

        Called only for items newly closed as wont_do, to find the reason for the decision;
        batched where the API allows. An item that is gone yields nothing.
        """
        ...

    def reconcile(self, items: Sequence[ItemRef]) -> Iterator[Removal]:
        """Yield the held items that are no longer tracked by this source (label removed,
        deleted, unreadable, moved out of scope), cheaply: never a request per item."""
        ...

    def check(self) -> CheckReport:
        """Reach the tracker, sign in, name the identity, and try reading each configured
        scope (repo, org, project, team) with one cheap request each; never raises for a
        tracker problem (it becomes a failed finding)."""
        ...

    def close(self) -> None:
        """Release network resources."""
        ...
