"""Issue events → history changes of state, owner and due date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from connectors.github.history import changes_from_events
from connectors.item import Change, HistoryField, Item, ItemState

T = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ID = "I_1"
STATE, OWNER, DUE = HistoryField.STATE, HistoryField.OWNER, HistoryField.DUE_DATE


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def event(minutes: int, kind: str, **details: object) -> dict[str, object]:
    stamp = at(minutes).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": minutes, "event": kind, "created_at": stamp, **details}


def label(name: str) -> dict[str, object]:
    return {"name": name, "color": "ededed"}


def user(login: str) -> dict[str, object]:
    return {"login": login}


def change(minutes: int, field: HistoryField, before: str | None, after: str | None) -> Change:
    return Change(ID, at(minutes), field, before, after)


def current(minutes: int, **fields: object) -> Item:
    values: dict[str, object] = {
        "external_id": ID,
        "key": "acme/api#1",
        "url": "https://github.com/acme/api/issues/1",
        "title": "t",
        "state": ItemState.OPEN,
        "raw_status": "open",
        "created_at": T,
        "updated_at": at(minutes),
    }
    values.update(fields)
    return Item(**values)  # type: ignore[arg-type]


def test_close_and_reopen_map_to_normalised_states_by_state_reason():
    events = [
        event(1, "closed", state_reason="not_planned"),
        event(2, "reopened", state_reason="reopened"),
        event(3, "closed", state_reason="completed"),
    ]
    assert changes_from_events(ID, events) == [
        change(1, STATE, "open", "wont_do"),
        change(2, STATE, "wont_do", "open"),
        change(3, STATE, "open", "done"),
    ]


def test_blocked_label_blocks_only_an_open_issue():
    events = [
        event(1, "labeled", label=label("Blocked")),
        event(2, "closed", state_reason="completed"),
        event(3, "unlabeled", label=label("blocked")),
    ]
    assert changes_from_events(ID, events) == [
        change(1, STATE, "open", "blocked"),
        change(2, STATE, "blocked", "done"),
    ]


def test_owner_is_the_first_assignee_as_assignments_come_and_go():
    events = [
        event(0, "assigned", assignee=user("ana")),
        event(1, "assigned", assignee=user("bo")),
        event(2, "unassigned", assignee=user("ana")),
        event(3, "unassigned", assignee=user("bo")),
    ]
    assert changes_from_events(ID, events) == [
        change(0, OWNER, None, "ana"),
        change(2, OWNER, "ana", "bo"),
        change(3, OWNER, "bo", None),
    ]


def test_due_date_follows_due_labels_and_the_listed_milestone():
    raw = {"milestone": {"title": "Q1", "due_on": "2026-03-31T07:00:00Z"}, "body": ""}
    events = [
        event(0, "labeled", label=label("due:2026-02-01")),
        event(1, "milestoned", milestone={"title": "Q1"}),
        event(2, "demilestoned", milestone={"title": "Q1"}),
    ]
    assert changes_from_events(ID, events, raw=raw) == [
        change(0, DUE, None, "2026-02-01"),
        change(1, DUE, "2026-02-01", "2026-03-31"),
        change(2, DUE, "2026-03-31", "2026-02-01"),
    ]


def test_a_body_due_line_holds_from_creation():
    events = [event(1, "closed", state_reason=None)]
    found = changes_from_events(ID, events, raw={"body": "Due: 2026-04-01", "milestone": None})
    assert found == [change(1, STATE, "open", "done")]


def test_history_ends_at_the_listed_item_when_events_do_not_tell_all():
    listed = current(9, state=ItemState.BLOCKED, owners=("ana",), due_date=date(2026, 5, 1))
    events = [event(1, "assigned", assignee=user("ana"))]
    assert changes_from_events(ID, events, listed) == [
        change(1, OWNER, None, "ana"),
        change(9, STATE, "open", "blocked"),
        change(9, DUE, None, "2026-05-01"),
    ]


def test_a_close_without_reason_takes_the_listed_resolution_when_it_is_the_last():
    listed = current(5, state=ItemState.WONT_DO, raw_status="closed", resolution="duplicate")
    events = [
        event(1, "closed"),
        event(2, "reopened"),
        event(3, "closed"),
    ]
    assert changes_from_events(ID, events, listed) == [
        change(1, STATE, "open", "done"),
        change(2, STATE, "done", "open"),
        change(3, STATE, "open", "wont_do"),
    ]


def test_unreadable_and_unrelated_events_are_skipped():
    events = [
        {"event": "closed", "created_at": "not a time"},
        {"created_at": "2026-01-05T09:01:00Z"},
        event(2, "renamed", rename={"from": "a", "to": "b"}),
        event(3, "labeled", label={"color": "x"}),
        event(4, "assigned", assignee=None),
    ]
    assert changes_from_events(ID, events) == []


def test_events_are_replayed_in_time_order():
    events = [event(2, "reopened"), event(1, "closed", state_reason="completed")]
    assert changes_from_events(ID, events) == [
        change(1, STATE, "open", "done"),
        change(2, STATE, "done", "open"),
    ]
