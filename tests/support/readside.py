"""Builds mirror contents for read-side tests through the write path (`apply_page`,
`mark_removed`), so items carry the same history a sync would give them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Comment
from connectors.item import Item, ItemState
from service.store import items as item_store
from service.store import sources as source_store
from service.store.models import Item as Row
from tests.support.scripted import KIND_ASC

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def item(number: int, **fields: object) -> Item:
    """A tracker item `ACT-<number>` (external id `id-<number>`), created at T0 + number days
    unless `created_at` is given; `updated_at` defaults to `created_at`."""
    created = fields.pop("created_at", T0 + timedelta(days=number))
    values: dict[str, object] = {
        "external_id": f"id-{number}",
        "key": f"ACT-{number}",
        "url": f"https://tracker.example/ACT-{number}",
        "title": f"Action item {number}",
        "state": ItemState.OPEN,
        "raw_status": "Open",
        "created_at": created,
        "updated_at": fields.pop("updated_at", created),
    }
    values.update(fields)
    return Item(**values)  # type: ignore[arg-type]


class Mirror:
    """Writes items of one source as a sync at a given time would."""

    def __init__(
        self, sessions: sessionmaker[Session], source: str = "demo", kind: str = KIND_ASC
    ) -> None:
        self.sessions = sessions
        self.source = source
        self.kind = kind

    def put(self, *items: Item, at: datetime) -> dict[str, int]:
        """Upsert `items` as synced at `at`; returns mirror ids by external id."""
        with self.sessions.begin() as session:
            source_store.ensure(session, self.source, self.kind)
            item_store.apply_page(session, self.source, list(items), at)
        return self.ids()

    def remove(self, external_ids: Iterable[str], *, at: datetime) -> None:
        with self.sessions.begin() as session:
            item_store.mark_removed(session, self.source, list(external_ids), at)

    def decide(self, *reasons: Comment, at: datetime) -> None:
        """Store these comments as the reasons of their items' wont_do decisions."""
        found = {comment.external_id: comment for comment in reasons}
        with self.sessions.begin() as session:
            item_store.record_decisions(session, self.source, found, list(found), at)

    def ids(self) -> dict[str, int]:
        """Mirror ids of this source's items by external id."""
        with self.sessions() as session:
            rows = session.execute(
                select(Row.external_id, Row.id).where(Row.source == self.source)
            ).all()
        return {external_id: row_id for external_id, row_id in rows}
