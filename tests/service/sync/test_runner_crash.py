"""Crash and resume (RELIABILITY check 1): a sync killed after page k of 10 resumes after a
restart, mirrors the tracker exactly, holds no duplicate, and re-reads at most one page."""

from __future__ import annotations

import pytest

from tests.service.sync import mirror
from tests.support.scripted import Crash

PAGE = 3
PAGES = 10


def restart(sessions, clock) -> None:
    """The dead process stays dead past its lease's TTL; the next run may claim the source."""
    clock.advance(600)
    mirror.expire_leases(sessions)


@pytest.fixture
def ten_pages(tracker):
    for number in range(PAGE * PAGES):
        tracker.create(owners=(f"owner-{number % 4}",), title=f"Fix thing {number}")
        tracker.tick()
    return tracker


@pytest.mark.parametrize("k", [0, 1, 4, 9])
def test_resume_after_crash_mirrors_tracker_and_rereads_at_most_one_page(
    sessions, clock, runner, source, ten_pages, k
):
    tracker = ten_pages
    tracker.crash_after_pages = k
    with pytest.raises(Crash):
        runner.sync(source)

    [crashed] = mirror.runs(sessions)
    assert crashed.status == "running"
    assert len(mirror.tracked(sessions)) == k * PAGE

    restart(sessions, clock)
    pages_before, items_before = tracker.pages_served, tracker.items_served
    resumed = runner.sync(source)

    assert resumed.status == "success", resumed.error
    assert mirror.tracked(sessions) == tracker.tracked()
    assert mirror.duplicate_keys(sessions) == []
    uncommitted = PAGES - k
    assert tracker.pages_served - pages_before <= uncommitted + 1
    assert tracker.items_served - items_before <= (uncommitted + 1) * PAGE
    assert resumed.items_changed == uncommitted * PAGE
    interrupted, done = mirror.runs(sessions)
    assert (interrupted.status, interrupted.error_kind) == ("failed", "interrupted")
    assert done.status == "success"


def test_crash_with_changes_before_restart_still_converges(
    sessions, clock, runner, source, ten_pages
):
    tracker = ten_pages
    tracker.crash_after_pages = 5
    with pytest.raises(Crash):
        runner.sync(source)
    restart(sessions, clock)
    tracker.update("id-2", title="Changed on an already mirrored page")
    tracker.update("id-29", title="Changed on a page not yet mirrored")
    tracker.tick()
    tracker.create()

    runner.sync(source)
    if source.kind == "scripted-desc":
        runner.sync(source)  # a resumed newest-first run may leave new changes for the next

    assert mirror.tracked(sessions) == tracker.tracked()
    assert mirror.duplicate_keys(sessions) == []
    assert runner.sync(source).items_changed == 0


def test_repeated_crashes_at_the_same_page_still_make_progress(
    sessions, clock, runner, source, ten_pages
):
    tracker = ten_pages
    for _ in range(PAGES * PAGE):
        tracker.crash_after_pages = 1
        try:
            result = runner.sync(source)
        except Crash:
            restart(sessions, clock)
            continue
        assert result.status == "success"
        break
    assert mirror.tracked(sessions) == tracker.tracked()
