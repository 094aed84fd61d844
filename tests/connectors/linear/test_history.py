"""History from Linear's issue history entries: real times, batched requests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from connectors.base import ItemRef
from connectors.item import Change, HistoryField, ItemState
from connectors.linear.history import changes_from_history
from tests.connectors.contract import items_of
from tests.connectors.linear.conftest import LABEL

STATE, OWNER, DUE = HistoryField.STATE, HistoryField.OWNER, HistoryField.DUE_DATE


def at(minute: int) -> str:
    return f"2026-02-01T10:{minute:02d}:00.000Z"


def when(minute: int) -> datetime:
    return datetime(2026, 2, 1, 10, minute, tzinfo=UTC)


def state(kind: str) -> dict[str, str]:
    return {"name": kind.title(), "type": kind}


ENTRIES = [
    {"createdAt": at(0), "fromState": None, "toState": state("triage")},  # creation
    {"createdAt": at(5), "fromState": state("triage"), "toState": state("backlog")},
    {"createdAt": at(9), "fromState": state("unstarted"), "toState": state("started")},
    {
        "createdAt": at(7),
        "fromAssigneeId": None,
        "toAssigneeId": "u1",
        "fromAssignee": None,
        "toAssignee": {"name": "Hana Sato", "displayName": "hana"},
    },
    {"createdAt": at(8), "fromDueDate": None, "toDueDate": "2026-03-01"},
    {"createdAt": at(11), "fromState": state("started"), "toState": state("canceled")},
    {"createdAt": "not a time", "fromState": state("started"), "toState": state("completed")},
    {"createdAt": at(12), "addedLabelIds": ["l1"]},
]


def test_entries_become_changes_in_time_order_with_their_real_times():
    assert changes_from_history("i", ENTRIES) == [
        Change("i", when(7), OWNER, None, "Hana Sato"),
        Change("i", when(8), DUE, None, "2026-03-01"),
        Change("i", when(9), STATE, "open", "in_progress"),
        Change("i", when(11), STATE, "in_progress", "wont_do"),
    ]


def test_history_ends_where_the_listed_item_is(make_connector, fake):
    issue = fake.create_issue("ENG", title="Blocked later", labels=(LABEL, "blocked"))
    fake.tick()
    fake.update_issue(issue.id, state="In Progress")
    (item,) = items_of(make_connector().fetch_changed({}))
    assert item.state is ItemState.BLOCKED

    entries = [{"createdAt": at(1), "fromState": state("unstarted"), "toState": state("started")}]
    changes = changes_from_history(item.external_id, entries, item)

    assert changes[-1] == Change(item.external_id, item.updated_at, STATE, "in_progress", "blocked")


def test_fetch_history_batches_issues_into_one_request(make_connector, fake):
    made = [fake.create_issue("ENG", title=f"A{n}", labels=(LABEL,)) for n in range(6)]
    fake.tick()
    fake.update_issue(made[1].id, state="Done")
    fake.update_issue(made[2].id, assignee="Bo Chen", due_date=date(2026, 4, 1))
    refs = [ItemRef(issue.id, issue.identifier, "workspace") for issue in made]
    before = len(fake.requests)

    changes = list(make_connector().fetch_history(refs))

    assert fake.operations()[before:] == ["IssueHistory"]
    assert sorted(fake.variables("IssueHistory")[0]["filter"]["id"]["in"]) == sorted(
        r.external_id for r in refs
    )
    assert {(c.external_id, c.field, c.after) for c in changes} == {
        (made[1].id, STATE, "done"),
        (made[2].id, OWNER, "Bo Chen"),
        (made[2].id, DUE, "2026-04-01"),
    }
    assert {c.at for c in changes} == {fake.now}


def test_an_issue_with_a_long_history_is_paged_on_its_own(make_connector, fake):
    busy = fake.create_issue("ENG", title="Busy", labels=(LABEL,))
    quiet = fake.create_issue("ENG", title="Quiet", labels=(LABEL,))
    for number in range(60):
        fake.tick()
        fake.update_issue(busy.id, state="In Progress" if number % 2 == 0 else "Todo")
    refs = [ItemRef(i.id, i.identifier, "workspace") for i in (busy, quiet)]
    before = len(fake.requests)

    changes = list(make_connector().fetch_history(refs))

    assert fake.operations()[before:] == ["IssueHistory", "IssueHistoryPage"]
    assert len([c for c in changes if c.external_id == busy.id]) == 60
    assert [c.at for c in changes] == sorted(c.at for c in changes)


def test_many_issues_take_one_request_per_fifty(make_connector, fake):
    made = [fake.create_issue("ENG", title=f"A{n}", labels=(LABEL,)) for n in range(120)]
    refs = [ItemRef(i.id, i.identifier, "workspace") for i in made]
    before = len(fake.requests)

    list(make_connector().fetch_history(refs))

    assert fake.operations()[before:] == ["IssueHistory"] * 3


def test_purged_issues_have_no_history(make_connector, fake):
    gone = fake.create_issue("ENG", title="Purged", labels=(LABEL,))
    fake.update_issue(gone.id, state="Done")
    fake.purge(gone.id)
    assert list(make_connector().fetch_history([ItemRef(gone.id, "ENG-1", "workspace")])) == []
