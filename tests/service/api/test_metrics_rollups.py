"""Incidents, owners and trends by hand-checked examples (CONTRACT §2, §5)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connectors.item import ItemState, ItemType
from tests.conftest import NOW
from tests.support.readside import Mirror, item

SYNC = NOW - timedelta(hours=1)
PEOPLE = {"Priya Shah": ["priya", "priya.s"]}


@pytest.fixture
def incidents(mirror: Mirror) -> None:
    """INC-1 all closed; INC-2 none closed, no detection item; INC-3 mixed."""
    mirror.put(
        item(1, incident="INC-1", state=ItemState.DONE, type=ItemType.DETECTION),
        item(2, incident="INC-1", state=ItemState.WONT_DO, type=ItemType.PREVENTION),
        item(3, incident="INC-2", type=ItemType.PREVENTION, created_at=NOW - timedelta(days=9)),
        item(4, incident="INC-2", state=ItemState.BLOCKED, created_at=NOW - timedelta(days=4)),
        item(5, incident="INC-3", type=ItemType.MITIGATION, created_at=NOW - timedelta(days=2)),
        item(6, incident="INC-3", state=ItemState.DONE, type=ItemType.PROCESS),
        item(7),
        at=SYNC,
    )


def test_incidents_roll_up_their_items(client, incidents):
    got = client.get("/api/v1/incidents").json()["incidents"]
    assert [i["ref"] for i in got] == ["INC-2", "INC-3", "INC-1"]  # active desc, then ref
    inc2, inc3, inc1 = got
    assert inc1 | {"oldest_active_age_days": None} == {
        "ref": "INC-1",
        "items": 2,
        "active": 0,
        "done": 1,
        "wont_do": 1,
        "all_closed": True,
        "none_closed": False,
        "oldest_active_age_days": None,
        "types": ["detection"],  # the wont_do item's type does not count
        "missing_types": ["prevention", "mitigation", "process"],
    }
    assert (inc2["all_closed"], inc2["none_closed"]) == (False, True)
    assert "detection" in inc2["missing_types"]
    assert inc2["oldest_active_age_days"] == pytest.approx(9.0)
    assert inc3["types"] == ["mitigation", "process"]


def test_incident_filters_select_all_closed_and_none_closed(client, incidents):
    def refs(**params: str) -> list[str]:
        return [
            i["ref"] for i in client.get("/api/v1/incidents", params=params).json()["incidents"]
        ]

    assert refs(all_closed="true") == ["INC-1"]
    assert refs(none_closed="true") == ["INC-2"]
    assert refs(all_closed="false", none_closed="false") == ["INC-3"]
    assert refs(source="other") == []


def test_owners_count_an_item_under_each_assignee_and_join_people(make_client, mirror):
    mirror.put(
        item(1, owners=("priya", "bo"), due_date=NOW.date() - timedelta(days=2), updated_at=SYNC),
        item(2, owners=("Priya.S",), created_at=NOW - timedelta(days=50)),
        item(3, owners=("bo",), state=ItemState.DONE),
        item(4, owners=("cy",), updated_at=NOW - timedelta(days=45)),
        item(5),
        at=SYNC,
    )
    client = make_client(people=PEOPLE)
    got = client.get("/api/v1/owners").json()["owners"]
    assert [(o["owner"], o["active"], o["overdue"], o["stale"]) for o in got] == [
        ("Priya Shah", 2, 1, 1),
        ("bo", 1, 1, 0),
        ("cy", 1, 0, 1),
    ]
    assert got[0]["oldest_active_age_days"] == pytest.approx(59.5)  # item 1, created 01-02
    only = client.get("/api/v1/owners", params={"owner": "PRIYA"}).json()["owners"]
    assert [o["owner"] for o in only] == ["Priya Shah"]


def test_weekly_trends_count_events_per_period_and_active_at_each_end(client, mirror, clock):
    monday = datetime(2026, 2, 16, tzinfo=NOW.tzinfo)
    mirror.put(
        item(1, created_at=monday),  # exactly at a period start
        item(2, created_at=monday + timedelta(days=2)),
        item(3, created_at=monday + timedelta(days=8)),
        at=monday + timedelta(days=9),
    )
    mirror.put(
        item(1, created_at=monday, updated_at=monday + timedelta(days=10), state=ItemState.DONE),
        item(2, created_at=monday + timedelta(days=2), updated_at=SYNC, state=ItemState.WONT_DO),
        at=monday + timedelta(days=10),
    )
    got = client.get("/api/v1/trends", params={"from": "2026-02-09"}).json()
    assert got["interval"] == "week"
    assert [
        (p["period_start"], p["created"], p["done"], p["wont_do"], p["active_at_end"])
        for p in got["periods"]
    ] == [
        ("2026-02-09", 0, 0, 0, 1),  # item 1 was created exactly at this period's end
        ("2026-02-16", 2, 0, 0, 2),
        ("2026-02-23", 1, 1, 1, 1),  # both closings were observed at the sync on 02-26
        ("2026-03-02", 0, 0, 0, 1),  # ends after T: the count at T
    ]


def test_default_trends_are_twelve_whole_periods_ending_with_the_one_holding_t(client):
    weeks = client.get("/api/v1/trends").json()["periods"]
    assert len(weeks) == 12
    assert weeks[-1]["period_start"] == "2026-03-02"  # T is Monday 2026-03-02 12:00
    months = client.get("/api/v1/trends", params={"interval": "month"}).json()["periods"]
    assert [m["period_start"] for m in months][:2] == ["2025-04-01", "2025-05-01"]
    assert months[-1]["period_start"] == "2026-03-01"


def test_incidents_come_in_pages_that_follow_next_cursor(client, incidents):
    first = client.get("/api/v1/incidents", params={"limit": "2"}).json()
    assert [i["ref"] for i in first["incidents"]] == ["INC-2", "INC-3"]
    assert first["next_cursor"]
    rest = client.get("/api/v1/incidents", params={"cursor": first["next_cursor"]}).json()
    assert [i["ref"] for i in rest["incidents"]] == ["INC-1"]
    assert rest["next_cursor"] is None
    assert rest["as_of"] == first["as_of"]
    whole = client.get("/api/v1/incidents").json()
    assert whole["next_cursor"] is None
    assert len(whole["incidents"]) == 3


def test_an_incidents_cursor_pins_its_filters(client, incidents):
    first = client.get("/api/v1/incidents", params={"limit": "1", "all_closed": "false"}).json()
    cursor = first["next_cursor"]
    same = client.get("/api/v1/incidents", params={"cursor": cursor, "all_closed": "false"})
    assert [i["ref"] for i in same.json()["incidents"]] == ["INC-3"]
    clash = client.get("/api/v1/incidents", params={"cursor": cursor, "all_closed": "true"})
    assert clash.status_code == 400
    assert clash.json()["error"]["param"] == "all_closed"
    items_cursor = client.get("/api/v1/items", params={"limit": "1"}).json()["next_cursor"]
    for bad in ("nonsense", items_cursor):
        response = client.get("/api/v1/incidents", params={"cursor": bad})
        assert (response.status_code, response.json()["error"]["param"]) == (400, "cursor")


@pytest.mark.parametrize("limit", ["0", "5001", "many"])
def test_an_incidents_limit_out_of_range_is_a_bad_parameter(client, limit):
    response = client.get("/api/v1/incidents", params={"limit": limit})
    assert (response.status_code, response.json()["error"]["param"]) == (400, "limit")


def test_incidents_now_leave_out_items_created_after_now(client, mirror):
    """A tracker clock ahead of ours can hand over an item created "in the future"; it
    counts only from its creation, like every other figure."""
    mirror.put(
        item(1, incident="INC-7"),
        item(2, incident="INC-7", created_at=NOW + timedelta(minutes=5)),
        item(3, incident="INC-8", created_at=NOW + timedelta(minutes=5)),
        at=SYNC,
    )
    got = client.get("/api/v1/incidents").json()["incidents"]
    assert [(i["ref"], i["items"]) for i in got] == [("INC-7", 1)]
    later = client.get("/api/v1/incidents", params={"as_of": "2026-03-03"}).json()
    assert [(i["ref"], i["items"]) for i in later["incidents"]] == [("INC-7", 2), ("INC-8", 1)]


def test_trends_wholly_after_t_show_the_count_at_t(client, mirror):
    mirror.put(item(1, created_at=NOW - timedelta(days=12)), at=SYNC)  # 02-18
    got = client.get(
        "/api/v1/trends", params={"as_of": "2026-02-01", "from": "2026-02-16", "to": "2026-03-02"}
    ).json()["periods"]
    assert [p["active_at_end"] for p in got] == [0, 0]
    got = client.get(
        "/api/v1/trends", params={"as_of": "2026-02-20", "from": "2026-02-16", "to": "2026-03-02"}
    ).json()["periods"]
    assert [(p["created"], p["active_at_end"]) for p in got] == [(1, 1), (0, 1)]
