"""History: the tracker's own record of state changes replaces observed entries and keeps
the tracker's times; changes the tracker does not record are kept at the sync time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.item import ItemState
from tests.service.sync import mirror
from tests.support.scripted import Crash


def test_first_sight_history_starts_at_creation(sessions, runner, source, tracker):
    created = tracker.now
    tracker.create(owners=("ana",))
    runner.sync(source)

    assert mirror.history(sessions, "id-1", "state") == [(created, None, "open", True)]
    assert mirror.history(sessions, "id-1", "owner") == [(created, None, "ana", True)]
    assert mirror.history(sessions, "id-1", "tracked") == [(created, None, "true", True)]


def test_tracker_recorded_state_changes_replace_observed_entries(
    sessions, clock, runner, source, tracker
):
    created = tracker.now
    tracker.create()
    runner.sync(source)
    started = tracker.tick(3600)
    tracker.update("id-1", state=ItemState.IN_PROGRESS, raw_status="In Progress")
    closed = tracker.tick(3600)
    tracker.update("id-1", state=ItemState.DONE, raw_status="Done", resolved_at=closed)
    clock.advance(86400)

    runner.sync(source)

    assert mirror.history(sessions, "id-1", "state") == [
        (created, None, "open", False),
        (started, "open", "in_progress", False),
        (closed, "in_progress", "done", False),
    ]


def test_changes_the_tracker_does_not_record_are_kept_at_sync_time(
    sessions, clock, runner, source, tracker
):
    created = tracker.now
    tracker.create(owners=("ana",))
    runner.sync(source)
    tracker.records_history = False
    tracker.tick()
    tracker.update("id-1", owners=("bo", "ana"), state=ItemState.BLOCKED, due_date=None)
    clock.advance(600)

    runner.sync(source)

    assert mirror.history(sessions, "id-1", "owner") == [
        (created, None, "ana", True),
        (clock.now(), "ana", "bo", True),
    ]
    assert mirror.history(sessions, "id-1", "state")[-1] == (clock.now(), "open", "blocked", True)
    assert mirror.owners(sessions, "id-1") == ["bo", "ana"]


def test_unchanged_items_add_no_history(sessions, clock, runner, source, tracker):
    for _ in range(4):
        tracker.create()
    runner.sync(source)
    before = {i: mirror.history(sessions, i, "state") for i in tracker.items}
    clock.advance(600)
    runner.sync(source)
    assert {i: mirror.history(sessions, i, "state") for i in tracker.items} == before


def test_tracker_history_lands_for_pages_committed_before_a_crash(
    sessions, clock, runner, source, tracker
):
    for _ in range(9):
        tracker.create()
    runner.sync(source)
    tracker.tick(3600)
    for external_id in tracker.items:
        tracker.update(external_id, state=ItemState.IN_PROGRESS, raw_status="In Progress")
        tracker.tick()
    clock.advance(86400)
    tracker.crash_after_pages = 2
    with pytest.raises(Crash):
        runner.sync(source)
    mirror.expire_leases(sessions)
    clock.advance(600)

    runner.sync(source)

    for external_id, held in tracker.items.items():
        at, before, after, observed = mirror.history(sessions, external_id, "state")[-1]
        assert (before, after, observed) == ("open", "in_progress", False), external_id
        assert at == held.item.updated_at
        assert clock.now() - at > timedelta(hours=1)
