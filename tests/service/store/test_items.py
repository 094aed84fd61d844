"""The mirror's write side: upserts keyed on (source, external_id) where an older replay
never overwrites a newer row and only real content changes count (RELIABILITY rule 1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from connectors.item import Change, HistoryField, Item, ItemState
from service.store import items as item_store
from service.store import sources as source_store
from service.store.models import HistoryEntry
from service.store.models import Item as Row

T1 = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def version(updated_at: datetime = T1, **fields: object) -> Item:
    values: dict[str, object] = {
        "external_id": "id-1",
        "key": "ACT-1",
        "url": "https://tracker.example/ACT-1",
        "title": "Add an alert on queue depth",
        "state": ItemState.OPEN,
        "raw_status": "Open",
        "created_at": T1,
        "updated_at": updated_at,
        "owners": ("ana",),
    }
    values.update(fields)
    return Item(**values)  # type: ignore[arg-type]


@pytest.fixture
def apply(sessions):
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")

    def apply(*items: Item, now: datetime = NOW) -> int:
        with sessions.begin() as session:
            return item_store.apply_page(session, "demo", list(items), now)

    return apply


def stored(sessions) -> Row:
    with sessions() as session:
        return session.scalars(select(Row)).one()


def history_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(HistoryEntry)) or 0


def test_older_replay_never_overwrites_a_newer_row(sessions, apply):
    newer = version(T1 + timedelta(hours=1), title="Alert on queue depth and age")
    assert apply(newer) == 1
    entries = history_count(sessions)

    assert apply(version(T1, state=ItemState.DONE, raw_status="Done")) == 0

    row = stored(sessions)
    assert (row.title, row.state, row.updated_at) == (newer.title, "open", newer.updated_at)
    assert history_count(sessions) == entries


def test_replay_of_the_same_version_changes_nothing(sessions, apply):
    assert apply(version()) == 1
    entries = history_count(sessions)
    assert apply(version()) == 0
    assert history_count(sessions) == entries


def test_newer_version_counts_once_and_records_observed_history(sessions, apply):
    apply(version())
    later = NOW + timedelta(hours=1)
    newer = version(T1 + timedelta(hours=2), state=ItemState.BLOCKED, owners=("bo",))

    assert apply(newer, now=later) == 1

    row = stored(sessions)
    assert (row.state, row.owner, row.owners) == ("blocked", "bo", ["bo"])
    with sessions() as session:
        observed = session.execute(
            select(HistoryEntry.field, HistoryEntry.before, HistoryEntry.after).where(
                HistoryEntry.at == later
            )
        ).all()
    assert sorted(observed) == [("owner", "ana", "bo"), ("state", "open", "blocked")]


def test_equal_timestamp_with_new_content_is_applied(sessions, apply):
    apply(version())
    assert apply(version(title="Retitled in the same second")) == 1
    assert stored(sessions).title == "Retitled in the same second"


def test_a_page_repeating_an_item_keeps_the_newest_version(sessions, apply):
    old, new = version(), version(T1 + timedelta(minutes=5), title="Newest")
    assert apply(new, old) == 1
    assert stored(sessions).title == "Newest"


def test_history_candidates_are_mirrored_items_whose_state_owner_or_due_change(sessions, apply):
    apply(version())
    fresh = version(external_id="id-2", key="ACT-2", state=ItemState.DONE)
    later = T1 + timedelta(hours=1)
    with sessions() as session:
        assert item_store.history_candidates(session, "demo", [version(later), fresh]) == set()
        retitled = version(later, title="Other words")
        assert item_store.history_candidates(session, "demo", [retitled]) == set()
        closed = version(later, state=ItemState.DONE)
        assert item_store.history_candidates(session, "demo", [closed]) == {"id-1"}
        older_closed = version(T1 - timedelta(hours=1), state=ItemState.DONE)
        assert item_store.history_candidates(session, "demo", [older_closed]) == set()


def test_tracker_history_replaces_observed_entries_of_its_fields_only(sessions, apply):
    apply(version())
    closed_at = T1 + timedelta(days=3)
    apply(version(closed_at, state=ItemState.DONE, owners=("bo",)))
    with sessions.begin() as session:
        item_store.replace_history(
            session, "demo", [Change("id-1", closed_at, HistoryField.STATE, "open", "done")]
        )
    with sessions() as session:
        rows = session.execute(
            select(
                HistoryEntry.field, HistoryEntry.at, HistoryEntry.after, HistoryEntry.observed
            ).order_by(HistoryEntry.field, HistoryEntry.at)
        ).all()
    assert [tuple(r) for r in rows if r[0] == "state"] == [
        ("state", T1, "open", False),
        ("state", closed_at, "done", False),
    ]
    assert [tuple(r) for r in rows if r[0] == "owner"] == [
        ("owner", T1, "ana", True),
        ("owner", NOW, "bo", True),
    ]


def test_mark_removed_sets_removed_at_once(sessions, apply):
    apply(version())
    with sessions.begin() as session:
        assert item_store.mark_removed(session, "demo", ["id-1", "id-404"], NOW) == 1
    with sessions.begin() as session:
        assert item_store.mark_removed(session, "demo", ["id-1"], NOW + timedelta(hours=1)) == 0
        assert item_store.tracked_refs(session, "demo") == []
    assert stored(sessions).removed_at == NOW


def test_older_replay_does_not_bring_a_removed_item_back(sessions, apply):
    apply(version(T1 + timedelta(hours=1)))
    with sessions.begin() as session:
        item_store.mark_removed(session, "demo", ["id-1"], NOW)
    assert apply(version(T1)) == 0
    assert stored(sessions).removed_at == NOW


def test_key_change_adds_previous_key(sessions, apply):
    apply(version())
    apply(replace(version(T1 + timedelta(hours=1)), key="OPS-1"))
    apply(replace(version(T1 + timedelta(hours=2)), key="SRE-1", previous_keys=("ACT-1",)))
    assert stored(sessions).previous_keys == ["ACT-1", "OPS-1"]
