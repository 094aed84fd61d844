"""A paced connector for scheduler and replica tests, and a `followthrough` entry for
subprocesses that registers it first.

It takes real time per page (so a process can be killed or stopped mid-sync), can keep its
items changing with the wall clock (so every poll has pages to write), and can hang until
released (a tracker that never answers). It needs no server: each process computes the
same items from the time alone.

    python -m tests.service.sync.paced scheduler --config PATH
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from connectors import registry
from connectors.base import (
    Comment,
    CommentWindow,
    Context,
    ItemRef,
    Page,
    PageOrder,
    PartitionState,
    Removal,
)
from connectors.config import ConnectorConfig
from connectors.item import Change, Item, ItemState

KIND = "paced"
PARTITION = "main"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
RELEASE_HANGS = threading.Event()
"""Set to let hanging paced connectors in this process answer."""


class PacedConfig(ConnectorConfig):
    items: int = 12
    page_size: int = 3
    page_delay: float = 0.2
    drift: bool = False
    hang: bool = False


class PacedConnector:
    """Ascending by (updated, number); the cursor advances every page."""

    kind: ClassVar[str] = KIND
    page_order: ClassVar[PageOrder] = PageOrder.ASCENDING
    config_model: ClassVar[type[ConnectorConfig]] = PacedConfig

    def __init__(self, config: ConnectorConfig, context: Context) -> None:
        assert isinstance(config, PacedConfig)
        self.config = config
        self.context = context

    def partitions(self) -> Sequence[str]:
        return (PARTITION,)

    def fetch_changed(
        self, state: Mapping[str, PartitionState], *, full: bool = False
    ) -> Iterator[Page]:
        if self.config.hang:
            RELEASE_HANGS.wait()
        saved = PartitionState() if full else state.get(PARTITION, PartitionState())
        listing = listing_since(self.config, saved.cursor, datetime.now(UTC))
        size = self.config.page_size
        for start in range(0, len(listing), size):
            chunk = listing[start : start + size]
            time.sleep(self.config.page_delay)
            self.context.on_request(200)
            yield Page(PARTITION, chunk, PartitionState(cursor=chunk[-1].updated_at))

    def fetch_history(self, items: Sequence[ItemRef]) -> Iterator[Change]:
        return iter(())

    def fetch_comments(self, windows: Sequence[CommentWindow]) -> Iterator[Comment]:
        return iter(())

    def reconcile(self, items: Sequence[ItemRef]) -> Iterator[Removal]:
        return iter(())

    def close(self) -> None:
        pass


def listing_since(config: PacedConfig, since: datetime | None, now: datetime) -> list[Item]:
    """The items updated at or after `since`, oldest first. Drifting item n was last
    updated at the latest whole second <= now that is n modulo the item count."""
    items = [make_item(n, updated_at(config, n, now)) for n in range(config.items)]
    chosen = [i for i in items if since is None or i.updated_at >= since]
    return sorted(chosen, key=lambda i: (i.updated_at, i.external_id))


def updated_at(config: PacedConfig, number: int, now: datetime) -> datetime:
    if not config.drift:
        return T0 + timedelta(minutes=number)
    elapsed = int((now - T0).total_seconds())
    return T0 + timedelta(seconds=elapsed - (elapsed - number) % config.items)


def make_item(number: int, updated: datetime) -> Item:
    return Item(
        external_id=f"p-{number:04d}",
        key=f"PACE-{number}",
        url=f"https://paced.example/{number}",
        title=f"Paced item {number} as of {updated.isoformat()}",
        state=ItemState.OPEN,
        raw_status="Open",
        created_at=T0,
        updated_at=updated,
        partition=PARTITION,
    )


def main() -> None:
    """`followthrough` with the paced connector registered (subprocess entry)."""
    from service import cli

    registry.register(KIND, PacedConnector)
    cli.app(args=sys.argv[1:], prog_name="followthrough")


if __name__ == "__main__":
    main()
