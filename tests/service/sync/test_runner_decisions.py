"""Reasons for wont_do decisions: the runner searches the comments of items newly closed as
wont_do, once, and keeps the one nearest the decision within an hour either side."""

from __future__ import annotations

from datetime import timedelta

from connectors.errors import BadResponse, RateLimited
from connectors.item import ItemState
from tests.conftest import NOW
from tests.service.sync import mirror

HOUR = timedelta(hours=1)


def close_as_wont_do(tracker, external_id: str) -> None:
    tracker.update(
        external_id, state=ItemState.WONT_DO, raw_status="Won't Do", resolved_at=tracker.now
    )


def decision(sessions, external_id: str = "id-1") -> tuple:
    row = mirror.rows(sessions)[external_id]
    return row.decision, row.decision_at, row.decision_author


def test_an_item_newly_closed_as_wont_do_gets_the_comment_nearest_the_decision(
    sessions, clock, runner, source, tracker
):
    tracker.create()
    runner.sync(source)
    closed = tracker.tick(86400)
    tracker.comment("id-1", "Earlier thoughts", at=closed - timedelta(minutes=50))
    tracker.comment(
        "id-1",
        "Dropping: superseded by the retry budget",
        at=closed + timedelta(minutes=10),
        author="bo",
    )
    tracker.comment("id-1", "Way later", at=closed + 3 * HOUR)
    close_as_wont_do(tracker, "id-1")
    clock.advance(86400)

    result = runner.sync(source)

    assert result.status == "success"
    assert decision(sessions) == (
        "Dropping: superseded by the retry budget",
        closed + timedelta(minutes=10),
        "bo",
    )
    assert tracker.comment_searches == [["id-1"]]


def test_a_comment_two_hours_from_the_decision_is_no_reason(
    sessions, clock, runner, source, tracker
):
    tracker.create()
    runner.sync(source)
    closed = tracker.tick(86400)
    tracker.comment("id-1", "Too early to count", at=closed - 2 * HOUR)
    close_as_wont_do(tracker, "id-1")
    clock.advance(86400)

    runner.sync(source)

    assert decision(sessions) == (None, None, None)
    assert mirror.rows(sessions)["id-1"].decision_checked_at == clock.now()


def test_a_repeat_sync_searches_no_comments(sessions, clock, runner, source, tracker):
    for _ in range(4):
        tracker.create()
    runner.sync(source)
    tracker.tick(3600)
    close_as_wont_do(tracker, "id-2")
    close_as_wont_do(tracker, "id-3")
    tracker.update("id-4", title="Reworded")
    clock.advance(86400)
    runner.sync(source)
    searched = list(tracker.comment_searches)

    tracker.tick(3600)
    tracker.update("id-2", title="Edited after the decision")
    clock.advance(600)
    runner.sync(source)
    clock.advance(600)
    runner.sync(source)

    assert [sorted(ids) for ids in searched] == [["id-2", "id-3"]]
    assert tracker.comment_searches == searched


def test_items_first_seen_as_wont_do_are_searched_once(sessions, clock, runner, source, tracker):
    tracker.create(state=ItemState.WONT_DO, raw_status="Declined", resolved_at=tracker.now)
    tracker.comment("id-1", "Declined: no longer relevant")
    tracker.create(state=ItemState.DONE, raw_status="Done", resolved_at=tracker.now)

    runner.sync(source)
    clock.advance(600)
    runner.sync(source)

    assert decision(sessions)[0] == "Declined: no longer relevant"
    assert tracker.comment_searches == [["id-1"]]


def test_a_reopened_then_reclosed_item_is_searched_again(sessions, clock, runner, source, tracker):
    tracker.create()
    tracker.tick(3600)
    tracker.comment("id-1", "First reason")
    close_as_wont_do(tracker, "id-1")
    runner.sync(source)
    assert decision(sessions)[0] == "First reason"

    tracker.tick(86400)
    tracker.update("id-1", state=ItemState.OPEN, raw_status="Open", resolved_at=None)
    clock.advance(600)
    runner.sync(source)
    assert decision(sessions) == (None, None, None)

    tracker.tick(86400)
    tracker.comment("id-1", "Second reason")
    close_as_wont_do(tracker, "id-1")
    clock.advance(600)
    runner.sync(source)

    assert decision(sessions)[0] == "Second reason"
    assert tracker.comment_searches == [["id-1"], ["id-1"]]


def test_a_decision_whose_hour_has_not_passed_is_searched_again_until_it_has(
    sessions, clock, runner, source, tracker
):
    tracker.now = NOW
    tracker.create()
    runner.sync(source)
    tracker.tick(60)
    close_as_wont_do(tracker, "id-1")
    clock.advance(120)

    runner.sync(source)  # no reason yet, the hour is still running
    tracker.tick(600)
    tracker.comment("id-1", "Explaining a bit later")
    clock.advance(600)
    runner.sync(source)
    clock.advance(2 * 3600)
    runner.sync(source)

    assert decision(sessions)[0] == "Explaining a bit later"
    assert tracker.comment_searches == [["id-1"], ["id-1"]]


def test_an_unanswered_hour_ends_the_search_without_a_reason(
    sessions, clock, runner, source, tracker
):
    tracker.now = NOW
    tracker.create()
    close_as_wont_do(tracker, "id-1")
    runner.sync(source)
    clock.advance(2 * 3600)
    runner.sync(source)
    clock.advance(600)
    runner.sync(source)

    assert decision(sessions) == (None, None, None)
    assert tracker.comment_searches == [["id-1"], ["id-1"]]


def test_a_failed_comment_search_is_an_item_error_and_is_retried_next_sync(
    sessions, clock, runner, source, tracker
):
    for _ in range(2):
        tracker.create()
    tracker.comment("id-2", "Not needed any more")
    close_as_wont_do(tracker, "id-2")
    tracker.comments_fail_with = BadResponse("comments listing is not a JSON list")

    failed = runner.sync(source)

    assert (failed.status, failed.item_errors) == ("partial", 1)
    assert mirror.run(sessions, failed.run_id).error_details == [
        "ACT-2: comments not fetched: comments listing is not a JSON list"
    ]
    assert set(mirror.tracked(sessions)) == {"id-1", "id-2"}
    tracker.comments_fail_with = None
    clock.advance(600)
    assert runner.sync(source).status == "success"
    assert decision(sessions, "id-2")[0] == "Not needed any more"


def test_a_rate_limited_comment_search_ends_the_run_and_the_next_run_finishes_it(
    sessions, clock, runner, source, tracker
):
    tracker.create()
    tracker.comment("id-1", "Not needed any more")
    close_as_wont_do(tracker, "id-1")
    tracker.comments_fail_with = RateLimited("slow down", retry_after=30)

    limited = runner.sync(source)

    assert limited.status == "rate_limited"
    assert set(mirror.tracked(sessions)) == {"id-1"}
    tracker.comments_fail_with = None
    clock.advance(60)
    runner.sync(source)
    assert decision(sessions)[0] == "Not needed any more"
