"""Changelog → history of state, owner and due date: the pure replay, and the bulk fetch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.base import ItemRef
from connectors.item import Change, HistoryField, Item, ItemState
from connectors.jira.config import PARTITION
from connectors.jira.history import Known, changelog_time, changes_from_changelog
from connectors.jira.site import Status
from tests.connectors.jira.conftest import LABEL

T = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ID = "10001"
STATE, OWNER, DUE = HistoryField.STATE, HistoryField.OWNER, HistoryField.DUE_DATE
KNOWN = Known(
    statuses={
        "1": Status("To Do", "new"),
        "3": Status("In Progress", "indeterminate"),
        "5": Status("Blocked", "indeterminate"),
        "6": Status("Done", "done"),
    },
    flagged_field="customfield_10021",
    wont_do=frozenset({"won't do"}),
)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def entry(minutes: int, *items: dict[str, object]) -> dict[str, object]:
    return {
        "id": str(minutes),
        "created": at(minutes).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "items": list(items),
    }


def status(before: str, after: str) -> dict[str, object]:
    names = {k: v.name for k, v in KNOWN.statuses.items()}
    return {
        "field": "status",
        "fieldId": "status",
        "from": before,
        "fromString": names[before],
        "to": after,
        "toString": names[after],
    }


def field(name: str, before: str | None, after: str | None, **extra: object) -> dict[str, object]:
    return {
        "field": name,
        "fieldId": name,
        "from": extra.get("raw_from"),
        "fromString": before,
        "to": extra.get("raw_to"),
        "toString": after,
    }


def change(minutes: int, name: HistoryField, before: str | None, after: str | None) -> Change:
    return Change(ID, at(minutes), name, before, after)


def test_open_in_progress_done_reopened_gives_each_transition_at_its_time():
    histories = [
        entry(1, status("1", "3")),
        entry(2, status("3", "6"), field("resolution", None, "Done")),
        entry(3, status("6", "1"), field("resolution", "Done", None)),
    ]
    assert changes_from_changelog(ID, histories, KNOWN) == [
        change(1, STATE, "open", "in_progress"),
        change(2, STATE, "in_progress", "done"),
        change(3, STATE, "done", "open"),
    ]


def test_resolution_decides_done_or_wont_do_and_entries_are_sorted_by_time():
    histories = [
        entry(2, status("3", "6"), field("resolution", None, "Won't Do")),
        entry(1, status("1", "3")),
    ]
    assert changes_from_changelog(ID, histories, KNOWN) == [
        change(1, STATE, "open", "in_progress"),
        change(2, STATE, "in_progress", "wont_do"),
    ]


def test_blocked_status_and_the_flag_block_an_active_item():
    flag = {
        "field": "Flagged",
        "fieldId": "customfield_10021",
        "fromString": None,
        "toString": "Impediment",
    }
    unflag = {**flag, "fromString": "Impediment", "toString": None}
    histories = [
        entry(1, status("1", "5")),
        entry(2, status("5", "3")),
        entry(3, flag),
        entry(4, unflag),
    ]
    assert [(c.at, c.after) for c in changes_from_changelog(ID, histories, KNOWN)] == [
        (at(1), "blocked"),
        (at(2), "in_progress"),
        (at(3), "blocked"),
        (at(4), "in_progress"),
    ]


def test_assignee_and_due_date_changes_use_display_names_and_dates():
    histories = [
        entry(1, field("assignee", None, "Priya Shah")),
        entry(
            2,
            field("assignee", "Priya Shah", "Bo Chen"),
            field("duedate", None, "2026-02-01 00:00:00.0", raw_to="2026-02-01"),
        ),
    ]
    assert changes_from_changelog(ID, histories, KNOWN) == [
        change(1, OWNER, None, "Priya Shah"),
        change(2, OWNER, "Priya Shah", "Bo Chen"),
        change(2, DUE, None, "2026-02-01"),
    ]


def test_the_history_ends_where_the_listed_item_is():
    """A changelog missing the last transition (truncated) closes at the item's updated_at;
    fields that never changed start at their current values."""
    current = Item(
        external_id=ID,
        key="OPS-1",
        url="u",
        title="t",
        state=ItemState.DONE,
        raw_status="Done",
        created_at=T,
        updated_at=at(9),
        owners=("Ana",),
        due_date=date(2026, 3, 1),
    )
    histories = [entry(1, status("1", "3"))]
    assert changes_from_changelog(ID, histories, KNOWN, current) == [
        change(1, STATE, "open", "in_progress"),
        change(9, STATE, "in_progress", "done"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-05T09:00:00.000+0000", T),
        ("2026-01-04T23:00:00.000-1000", T),
        (int(T.timestamp() * 1000), T),
        ("soon", None),
        (None, None),
    ],
)
def test_changelog_times_as_text_or_epoch_milliseconds(value, expected):
    assert changelog_time(value) == expected


def test_fetch_history_is_bulk_and_covers_only_the_requested_items(fake, make_connector):
    made = [fake.create_issue("OPS", f"Action {n}", labels=[LABEL]) for n in range(4)]
    for issue in made:
        fake.tick()
        fake.transition(issue.id, "In Progress")
    fake.tick()
    fake.transition(made[1].id, "Done", resolution="Won't Do")
    connector = make_connector()
    before = len(fake.requests)
    changes = list(connector.fetch_history([ItemRef(i.id, i.key, PARTITION) for i in made[:3]]))
    assert {c.external_id for c in changes} == {made[0].id, made[1].id, made[2].id}
    assert [c.after for c in changes if c.external_id == made[1].id] == ["in_progress", "wont_do"]
    history_requests = [
        r.path for r in fake.requests[before:] if "changelog" in r.path or "search" in r.path
    ]
    assert len(history_requests) == 1


@pytest.mark.parametrize("flavour", ["cloud"])
def test_without_bulk_changelogs_cloud_pages_each_issues_changelog(fake, make_connector):
    fake.changelog_bulkfetch = False
    [issue] = [fake.create_issue("OPS", "Action", labels=[LABEL])]
    fake.tick()
    fake.transition(issue.id, "In Progress")
    changes = list(make_connector().fetch_history([ItemRef(issue.id, issue.key, PARTITION)]))
    assert [c.after for c in changes] == ["in_progress"]
    assert any(r.path == f"/rest/api/2/issue/{issue.id}/changelog" for r in fake.requests)


@pytest.mark.parametrize("flavour", ["cloud"])
def test_bulk_changelog_pages_are_followed(fake, make_connector):
    fake.changelog_page = 2
    issue = fake.create_issue("OPS", "Action", labels=[LABEL])
    for name in ("In Progress", "Blocked", "In Progress", "Done"):
        fake.tick()
        fake.transition(issue.id, name)
    changes = list(make_connector().fetch_history([ItemRef(issue.id, issue.key, PARTITION)]))
    assert [c.after for c in changes] == ["in_progress", "blocked", "in_progress", "done"]
