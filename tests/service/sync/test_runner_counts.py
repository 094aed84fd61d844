"""Idempotent syncs (RELIABILITY rule 1): re-read items count as seen, not changed, and a
repeat sync changes nothing."""

from __future__ import annotations

from tests.service.sync import mirror


def test_first_sync_mirrors_every_tracked_item(sessions, runner, source, tracker):
    for _ in range(7):
        tracker.create(owners=("ana", "bo"))
        tracker.tick()

    result = runner.sync(source)

    assert (result.status, result.items_seen, result.items_changed) == ("success", 7, 7)
    assert mirror.tracked(sessions) == tracker.tracked()
    assert mirror.owners(sessions, "id-3") == ["ana", "bo"]
    assert mirror.keys(sessions, "id-3") == {"ACT-3"}
    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.items_changed, run.requests) == ("success", 7, result.requests)
    assert run.finished_at is not None


def test_repeat_sync_changes_nothing(sessions, runner, source, tracker):
    for _ in range(7):
        tracker.create()
        tracker.tick()
    runner.sync(source)
    before = mirror.rows(sessions)

    again = runner.sync(source)

    assert (again.status, again.items_changed, again.items_removed) == ("success", 0, 0)
    assert {k: mirror.as_item(r) for k, r in mirror.rows(sessions).items()} == {
        k: mirror.as_item(r) for k, r in before.items()
    }


def test_items_changed_counts_only_content_changes(sessions, runner, source, tracker):
    for _ in range(5):
        tracker.create()
        tracker.tick()
    runner.sync(source)
    tracker.update("id-2", title="Sharper wording")

    result = runner.sync(source)

    assert result.items_changed == 1
    assert result.items_seen >= 1
    assert mirror.tracked(sessions) == tracker.tracked()


def test_full_sync_rereads_everything_and_changes_nothing(sessions, runner, source, tracker):
    for _ in range(5):
        tracker.create()
        tracker.tick()
    runner.sync(source)

    result = runner.sync(source, full=True)

    assert (result.items_seen, result.items_changed) == (5, 0)
