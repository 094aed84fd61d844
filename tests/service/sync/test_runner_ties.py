"""Ties at the boundary (RELIABILITY check 3): items sharing the cursor timestamp across
several pages, and a late arrival with the same timestamp, are neither lost nor doubled."""

from __future__ import annotations

from tests.service.sync import mirror


def test_late_item_with_the_cursor_timestamp_is_picked_up(sessions, runner, source, tracker):
    for _ in range(8):  # three pages, one timestamp
        tracker.create()
    first = runner.sync(source)
    assert first.items_changed == 8
    assert mirror.state(sessions)["main"].cursor == tracker.now

    tracker.create()  # same server time as the cursor
    second = runner.sync(source)

    assert second.items_changed == 1
    assert mirror.tracked(sessions) == tracker.tracked()
    assert len(mirror.rows(sessions)) == 9
    assert mirror.duplicate_keys(sessions) == []


def test_update_at_the_cursor_timestamp_is_picked_up(sessions, runner, source, tracker):
    for _ in range(7):
        tracker.create()
    runner.sync(source)
    tracker.update("id-4", title="Edited in the same second")

    assert runner.sync(source).items_changed == 1
    assert mirror.tracked(sessions) == tracker.tracked()


def test_ties_after_older_items_are_all_mirrored(sessions, runner, source, tracker):
    tracker.create()
    tracker.tick()
    tracker.create()
    runner.sync(source)
    tracker.tick()
    for _ in range(7):
        tracker.create()
    runner.sync(source)
    tracker.create()

    runner.sync(source)

    assert mirror.tracked(sessions) == tracker.tracked()
    assert mirror.duplicate_keys(sessions) == []
