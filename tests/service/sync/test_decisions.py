"""The rule that picks a decision's reason: the non-blank comment nearest the moment the
item became wont_do, within one hour either side; ties go to the earlier comment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Comment, ItemRef
from service.store.items import PendingDecision
from service.sync.decisions import closest, settle, window_of

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REF = ItemRef("id-1", "ACT-1", "main")


def said(minutes: float, body: str = "reason", item: str = "id-1") -> Comment:
    return Comment(item, T + timedelta(minutes=minutes), "ana", body)


def test_the_window_is_one_hour_either_side_of_the_decision():
    window = window_of(PendingDecision(REF, T))
    assert (window.item, window.start, window.end) == (
        REF,
        T - timedelta(hours=1),
        T + timedelta(hours=1),
    )


def test_the_nearest_comment_wins_on_either_side():
    assert closest([said(-30, "a"), said(12, "b"), said(-15, "c")], T) == said(12, "b")


def test_the_hours_edges_count_and_beyond_them_nothing_does():
    assert closest([said(60)], T) == said(60)
    assert closest([said(-60)], T) == said(-60)
    assert closest([said(-61), said(61)], T) is None


def test_a_tie_goes_to_the_earlier_comment_and_blank_comments_are_no_reason():
    assert closest([said(5, "after"), said(-5, "before")], T) == said(-5, "before")
    assert closest([said(0, "  \n"), said(40, "real")], T) == said(40, "real")


def test_a_search_ends_when_a_reason_is_found_or_the_hour_has_passed():
    pending = [
        PendingDecision(ItemRef("id-1", "ACT-1", "main"), T),
        PendingDecision(ItemRef("id-2", "ACT-2", "main"), T),
        PendingDecision(ItemRef("id-3", "ACT-3", "main"), T - timedelta(hours=2)),
    ]
    comments = [said(-3, "dropped", item="id-1"), said(90, "late", item="id-2")]

    outcome = settle(pending, comments, T + timedelta(minutes=10))

    assert outcome.found == {"id-1": said(-3, "dropped", item="id-1")}
    assert outcome.settled == ["id-1", "id-3"]
