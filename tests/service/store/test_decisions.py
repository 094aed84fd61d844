"""The write side of wont_do decisions: which items still need their reason searched, the
moment each became wont_do, and a state change starting the search over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Comment
from connectors.item import Change, HistoryField, ItemState
from service.store import items as item_store
from tests.service.sync import mirror
from tests.support.readside import Mirror, item

T = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
SYNC = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WONT_DO = {"state": ItemState.WONT_DO, "raw_status": "Declined"}


def pending(sessions, external_ids=None) -> dict[str, datetime]:
    with sessions() as session:
        found = item_store.pending_decisions(session, "demo", external_ids)
    return {p.ref.external_id: p.decided_at for p in found}


def test_wont_do_items_wait_for_their_search_from_resolved_at_or_the_sync_that_saw_them(
    sessions,
):
    Mirror(sessions).put(
        item(1, created_at=T, **WONT_DO, resolved_at=T + timedelta(days=2)),
        item(2, created_at=T, **WONT_DO),
        item(3, created_at=T, state=ItemState.DONE, raw_status="Done"),
        item(4, created_at=T),
        at=SYNC,
    )

    assert pending(sessions) == {"id-1": T + timedelta(days=2), "id-2": T}
    assert pending(sessions, {"id-2", "id-3"}) == {"id-2": T}
    assert pending(sessions, set()) == {}


def test_the_trackers_own_record_of_the_close_comes_first(sessions):
    demo = Mirror(sessions)
    demo.put(item(1, created_at=T), at=SYNC - timedelta(days=1))
    demo.put(item(1, created_at=T, updated_at=SYNC, **WONT_DO, resolved_at=SYNC), at=SYNC)
    closed = T + timedelta(days=3)
    with sessions.begin() as session:
        item_store.replace_history(
            session, "demo", [Change("id-1", closed, HistoryField.STATE, "open", "wont_do")]
        )

    assert pending(sessions) == {"id-1": closed}


def test_a_found_reason_or_a_finished_search_ends_the_wait_and_removed_items_never_wait(
    sessions,
):
    demo = Mirror(sessions)
    demo.put(*(item(n, created_at=T, **WONT_DO) for n in (1, 2, 3)), at=SYNC)
    demo.remove(["id-3"], at=SYNC)
    reason = Comment("id-1", T, "ana", "Not needed")
    with sessions.begin() as session:
        item_store.record_decisions(session, "demo", {"id-1": reason}, ["id-1", "id-2"], SYNC)

    rows = mirror.rows(sessions)
    assert pending(sessions) == {}
    assert (rows["id-1"].decision, rows["id-1"].decision_at, rows["id-1"].decision_author) == (
        "Not needed",
        T,
        "ana",
    )
    assert (rows["id-2"].decision, rows["id-2"].decision_checked_at) == (None, SYNC)


def test_a_state_change_clears_the_decision_so_a_new_close_is_searched_again(sessions):
    demo = Mirror(sessions)
    demo.put(item(1, created_at=T, **WONT_DO), at=SYNC)
    demo.decide(Comment("id-1", T, "ana", "Not needed"), at=SYNC)
    demo.put(item(1, created_at=T, updated_at=SYNC), at=SYNC)
    assert mirror.rows(sessions)["id-1"].decision is None

    later = SYNC + timedelta(days=1)
    demo.put(item(1, created_at=T, updated_at=later, **WONT_DO, resolved_at=later), at=later)
    assert pending(sessions) == {"id-1": later}
