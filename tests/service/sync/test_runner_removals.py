"""Removed and returning items (RELIABILITY check 6): reconciliation marks items that lost
the label or were deleted, a returning label tracks the item again, a move keeps the row."""

from __future__ import annotations

from tests.service.sync import mirror


def test_label_removed_marks_item_removed_with_tracked_history(
    sessions, clock, runner, source, tracker
):
    for _ in range(4):
        tracker.create()
    runner.sync(source)
    tracker.tick()
    tracker.relabel("id-2", False)

    result = runner.sync(source)

    assert result.items_removed == 1
    assert mirror.removed(sessions) == {"id-2"}
    assert mirror.rows(sessions)["id-2"].removed_at == clock.now()
    assert mirror.history(sessions, "id-2", "tracked")[-1][1:] == ("true", "false", True)
    assert mirror.tracked(sessions) == tracker.tracked()


def test_returning_label_tracks_item_again(sessions, clock, runner, source, tracker):
    for _ in range(4):
        tracker.create()
    runner.sync(source)
    tracker.tick()
    tracker.relabel("id-3", False)
    clock.advance(300)
    runner.sync(source)
    tracker.tick()
    tracker.relabel("id-3", True)
    clock.advance(300)

    result = runner.sync(source)

    assert result.items_changed == 1
    assert mirror.removed(sessions) == set()
    assert mirror.tracked(sessions) == tracker.tracked()
    tracked = mirror.history(sessions, "id-3", "tracked")
    assert [entry[1:3] for entry in tracked] == [
        (None, "true"),
        ("true", "false"),
        ("false", "true"),
    ]
    assert tracked[-1][0] == clock.now()


def test_deleted_item_is_marked_removed_and_kept(sessions, runner, source, tracker):
    for _ in range(5):
        tracker.create()
    runner.sync(source)
    tracker.delete("id-1")
    tracker.delete("id-5")

    result = runner.sync(source)

    assert result.items_removed == 2
    assert mirror.removed(sessions) == {"id-1", "id-5"}
    assert len(mirror.rows(sessions)) == 5
    assert mirror.tracked(sessions) == tracker.tracked()
    assert runner.sync(source).items_removed == 0


def test_moved_item_keeps_its_row_and_records_the_old_key(sessions, runner, source, tracker):
    for _ in range(3):
        tracker.create()
    runner.sync(source)
    row_id = mirror.rows(sessions)["id-2"].id
    tracker.tick()
    tracker.move("id-2", "OPS-7")

    runner.sync(source)

    row = mirror.rows(sessions)["id-2"]
    assert row.id == row_id
    assert (row.key, row.previous_keys) == ("OPS-7", ["ACT-2"])
    assert mirror.keys(sessions, "id-2") == {"OPS-7", "ACT-2"}
    assert mirror.tracked(sessions) == tracker.tracked()


def test_key_change_without_previous_keys_from_tracker_is_still_recorded(
    sessions, runner, source, tracker
):
    tracker.create()
    runner.sync(source)
    tracker.tick()
    tracker.update("id-1", key="NEW-1")

    runner.sync(source)

    row = mirror.rows(sessions)["id-1"]
    assert (row.key, row.previous_keys) == ("NEW-1", ["ACT-1"])
    assert mirror.keys(sessions, "id-1") == {"NEW-1", "ACT-1"}


def test_item_unlabelled_before_first_sight_is_never_mirrored(sessions, runner, source, tracker):
    tracker.create()
    tracker.create()
    tracker.relabel("id-2", False)

    runner.sync(source)

    assert set(mirror.rows(sessions)) == {"id-1"}
