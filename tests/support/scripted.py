"""A scripted tracker and its connector: an in-memory tracker the runner tests drive.

The tracker keeps items with their label and deletion flags and the server's own clock
(independent of the service's clock); the connector pages through it in either page
order, can crash or fail after page k, and answers history and reconciliation like a
real connector.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from connectors import registry
from connectors.base import (
    Comment,
    CommentWindow,
    Connector,
    Context,
    ItemError,
    ItemRef,
    Page,
    PageOrder,
    PartitionState,
    Removal,
)
from connectors.config import ConnectorConfig
from connectors.item import Change, HistoryField, Item, ItemState

KIND_ASC = "scripted"
KIND_DESC = "scripted-desc"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Crash(BaseException):
    """Stands for the process dying mid-sync: not an Exception, so nothing catches it."""


@dataclass
class TrackedItem:
    """The tracker's record of one item."""

    item: Item
    labelled: bool = True
    deleted: bool = False
    malformed: bool = False


@dataclass
class ScriptedTracker:
    """An in-memory tracker with a server clock, scripted faults and request counting.

    Faults are armed for the next run only: `crash_after_pages=k` raises `Crash` when that
    run asks for page k+1; `fail_with` raises the error when it asks for page
    `fail_after_pages`+1. `records_history=False` makes changes leave no tracker history.
    `comments_fail_with` makes every comment search raise that error.
    """

    items: dict[str, TrackedItem] = field(default_factory=dict)
    partitions: tuple[str, ...] = ("main",)
    now: datetime = T0
    crash_after_pages: int | None = None
    fail_with: Exception | None = None
    fail_after_pages: int = 0
    records_history: bool = True
    changes: list[Change] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    comments_fail_with: Exception | None = None
    comment_searches: list[list[str]] = field(default_factory=list)
    pages_served: int = 0
    items_served: int = 0
    next_number: int = 1

    def tick(self, seconds: float = 60) -> datetime:
        """Move the server's clock forward."""
        self.now += timedelta(seconds=seconds)
        return self.now

    def create(
        self, *, partition: str | None = None, at: datetime | None = None, **fields: object
    ) -> Item:
        """Add a labelled item, updated (and created) at the server's now unless `at` is given."""
        number = self.next_number
        self.next_number += 1
        when = at or self.now
        values: dict[str, object] = {
            "external_id": f"id-{number}",
            "key": f"ACT-{number}",
            "url": f"https://tracker.example/ACT-{number}",
            "title": f"Action item {number}",
            "state": ItemState.OPEN,
            "raw_status": "Open",
            "created_at": when,
            "updated_at": when,
            "partition": partition or self.partitions[0],
        }
        values.update(fields)
        item = Item(**values)  # type: ignore[arg-type]
        self.items[item.external_id] = TrackedItem(item)
        return item

    def update(self, external_id: str, *, at: datetime | None = None, **fields: object) -> Item:
        """Change an item; `updated_at` moves to the server's now (or `at`).

        State changes enter the tracker's history unless `records_history` is off.
        """
        held = self.items[external_id]
        when = at or self.now
        before = held.item
        after = replace(before, updated_at=when, **fields)  # type: ignore[arg-type]
        if after.state != before.state and self.records_history:
            self.changes.append(
                Change(external_id, when, HistoryField.STATE, before.state.value, after.state.value)
            )
        held.item = after
        return after

    def comment(
        self, external_id: str, body: str, *, at: datetime | None = None, author: str = "ana"
    ) -> Comment:
        """Comment on an item at the server's now (or `at`); comments do not touch the item."""
        made = Comment(external_id, at or self.now, author, body)
        self.comments.append(made)
        return made

    def move(self, external_id: str, key: str) -> Item:
        """Give an item a new key (a Jira or Linear move); the old key joins previous_keys."""
        before = self.items[external_id].item
        previous = tuple(k for k in (*before.previous_keys, before.key) if k != key)
        return self.update(external_id, key=key, previous_keys=previous)

    def relabel(self, external_id: str, labelled: bool) -> None:
        """Add or remove the tracking label (an edit, so `updated_at` moves)."""
        self.items[external_id].labelled = labelled
        self.update(external_id)

    def delete(self, external_id: str) -> None:
        self.items[external_id].deleted = True

    def tracked(self) -> dict[str, Item]:
        """What the mirror should hold as tracked: labelled, not deleted."""
        return {k: v.item for k, v in self.items.items() if v.labelled and not v.deleted}


TRACKERS: dict[str, ScriptedTracker] = {}


class ScriptedConfig(ConnectorConfig):
    page_size: int = 3
    overlap_seconds: int = 0


class _ScriptedBase:
    """Pages through a ScriptedTracker; subclasses fix the page order."""

    kind: ClassVar[str]
    page_order: ClassVar[PageOrder]
    config_model: ClassVar[type[ConnectorConfig]] = ScriptedConfig

    def __init__(self, config: ConnectorConfig, context: Context) -> None:
        assert isinstance(config, ScriptedConfig)
        self.config = config
        self.context = context
        self.tracker = TRACKERS[config.name]
        self.run_pages = 0
        self.crash_after: int | None = None
        self.fail_with: Exception | None = None
        self.fail_after = 0

    def partitions(self) -> Sequence[str]:
        return self.tracker.partitions

    def fetch_changed(
        self, state: Mapping[str, PartitionState], *, full: bool = False
    ) -> Iterator[Page]:
        tracker = self.tracker
        self.crash_after, tracker.crash_after_pages = tracker.crash_after_pages, None
        self.fail_with, tracker.fail_with = tracker.fail_with, None
        self.fail_after, tracker.fail_after_pages = tracker.fail_after_pages, 0
        for partition in tracker.partitions:
            saved = PartitionState() if full else state.get(partition, PartitionState())
            yield from self._partition_pages(partition, saved)

    def _listing(self, partition: str, since: datetime | None) -> list[TrackedItem]:
        overlap = timedelta(seconds=self.config.overlap_seconds)
        return [
            held
            for held in self.tracker.items.values()
            if held.labelled
            and not held.deleted
            and held.item.partition == partition
            and (since is None or held.item.updated_at >= since - overlap)
        ]

    def _serve(self, page: list[TrackedItem]) -> tuple[list[Item], list[ItemError]]:
        """One listing request: apply the armed fault, else count and return the page."""
        if self.crash_after is not None and self.run_pages >= self.crash_after:
            raise Crash()
        if self.fail_with is not None and self.run_pages >= self.fail_after:
            raise self.fail_with
        self.context.on_request(200)
        self.run_pages += 1
        self.tracker.pages_served += 1
        self.tracker.items_served += len(page)
        items = [held.item for held in page if not held.malformed]
        errors = [
            ItemError("missing field 'updated'", held.item.external_id, held.item.key)
            for held in page
            if held.malformed
        ]
        return items, errors

    def _partition_pages(self, partition: str, saved: PartitionState) -> Iterator[Page]:
        raise NotImplementedError

    def fetch_history(self, items: Sequence[ItemRef]) -> Iterator[Change]:
        self.context.on_request(200)
        wanted = {ref.external_id for ref in items}
        return iter([c for c in self.tracker.changes if c.external_id in wanted])

    def fetch_comments(self, windows: Sequence[CommentWindow]) -> Iterator[Comment]:
        """One request per call (a batched tracker); records which items were searched."""
        tracker = self.tracker
        if tracker.comments_fail_with is not None:
            raise tracker.comments_fail_with
        self.context.on_request(200)
        tracker.comment_searches.append([w.item.external_id for w in windows])
        return iter(
            [
                comment
                for window in windows
                for comment in tracker.comments
                if comment.external_id == window.item.external_id
                and window.start <= comment.at <= window.end
            ]
        )

    def reconcile(self, items: Sequence[ItemRef]) -> Iterator[Removal]:
        self.context.on_request(200)
        for external_id in (ref.external_id for ref in items):
            held = self.tracker.items.get(external_id)
            if held is None or held.deleted:
                yield Removal(external_id, "deleted")
            elif not held.labelled:
                yield Removal(external_id, "label removed")
            elif held.item.partition not in self.tracker.partitions:
                yield Removal(external_id, "out of scope")

    def close(self) -> None:
        pass


def _sort_key(held: TrackedItem) -> tuple[datetime, str]:
    return held.item.updated_at, held.item.external_id


class AscendingConnector(_ScriptedBase):
    """Oldest first on (updated, id); the cursor advances every page."""

    kind = KIND_ASC
    page_order = PageOrder.ASCENDING

    def _partition_pages(self, partition: str, saved: PartitionState) -> Iterator[Page]:
        listing = sorted(self._listing(partition, saved.cursor), key=_sort_key)
        size = self.config.page_size
        if not listing:
            self._serve([])
            return
        for start in range(0, len(listing), size):
            chunk = listing[start : start + size]
            items, errors = self._serve(chunk)
            newest = max(held.item.updated_at for held in chunk)
            cursor = max(newest, saved.cursor) if saved.cursor else newest  # overlap re-reads
            yield Page(partition, items, PartitionState(cursor=cursor), errors)


class NewestFirstConnector(_ScriptedBase):
    """Newest first; a resume token continues a crashed run, the cursor moves at the end."""

    kind = KIND_DESC
    page_order = PageOrder.NEWEST_FIRST

    def _partition_pages(self, partition: str, saved: PartitionState) -> Iterator[Page]:
        listing = sorted(self._listing(partition, saved.cursor), key=_sort_key, reverse=True)
        if saved.resume_token:
            stamp, external_id = saved.resume_token.split("|")
            after = (datetime.fromisoformat(stamp), external_id)
            listing = [held for held in listing if _sort_key(held) < after]
        size = self.config.page_size
        high_water = saved.high_water
        if not listing:
            self._serve([])
            yield Page(partition, [], _completed(saved.cursor, high_water))
            return
        for start in range(0, len(listing), size):
            chunk = listing[start : start + size]
            items, errors = self._serve(chunk)
            newest = max(held.item.updated_at for held in chunk)
            high_water = max(high_water, newest) if high_water else newest
            if start + size >= len(listing):
                state = _completed(saved.cursor, high_water)
            else:
                last = _sort_key(chunk[-1])
                token = f"{last[0].isoformat()}|{last[1]}"
                state = PartitionState(
                    cursor=saved.cursor, resume_token=token, high_water=high_water
                )
            yield Page(partition, items, state, errors)


def _completed(cursor: datetime | None, high_water: datetime | None) -> PartitionState:
    candidates = [c for c in (cursor, high_water) if c is not None]
    return PartitionState(cursor=max(candidates) if candidates else None)


CONNECTORS: dict[str, type[Connector]] = {
    KIND_ASC: AscendingConnector,
    KIND_DESC: NewestFirstConnector,
}


def install() -> None:
    """Register both scripted connectors through the registry's test hook."""
    for kind, connector in CONNECTORS.items():
        registry.register(kind, connector)
