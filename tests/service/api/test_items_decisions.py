"""The reason for a wont_do decision on item output (`decision`), and the flag
`wont_do_without_reason` on items and in the `flag=` filter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.base import Comment
from connectors.item import ItemState, ItemType
from tests.conftest import NOW
from tests.support.readside import Mirror, item

SYNC = NOW - timedelta(days=1)
DECIDED = NOW - timedelta(days=3)


@pytest.fixture
def ids(sessions) -> dict[str, int]:
    """Two wont_do items, one with a reason, and a done item; ids by external id."""
    demo = Mirror(sessions)
    closed = {"state": ItemState.WONT_DO, "raw_status": "closed", "resolved_at": DECIDED}
    typed = {"type": ItemType.PROCESS, "incident": "INC-1"}
    demo.put(
        item(1, **closed, **typed),
        item(2, **closed, **typed),
        item(3, state=ItemState.DONE, raw_status="closed", resolved_at=DECIDED, **typed),
        at=SYNC,
    )
    demo.decide(Comment("id-1", DECIDED, "priya", "Dropped: superseded by INC-9 work"), at=SYNC)
    return demo.ids()


def test_a_reason_found_is_the_items_decision(client, ids):
    listed = client.get("/api/v1/items", params={"state": "wont_do"}).json()["items"]
    detail = client.get(f"/api/v1/items/{ids['id-1']}").json()

    expected = {
        "text": "Dropped: superseded by INC-9 work",
        "at": "2026-02-27T12:00:00Z",
        "author": "priya",
    }
    assert [i["decision"] for i in listed] == [expected, None]
    assert detail["decision"] == expected
    assert detail["flags"] == []


def test_the_decisions_author_is_shown_as_the_people_map_names_them(make_client, ids):
    client = make_client(people={"Priya Shah": ["priya"]})
    detail = client.get(f"/api/v1/items/{ids['id-1']}").json()
    assert detail["decision"]["author"] == "Priya Shah"


def test_wont_do_without_a_reason_is_flagged_and_filterable(client, ids):
    detail = client.get(f"/api/v1/items/{ids['id-2']}").json()
    flagged = client.get(
        "/api/v1/items", params={"state": "all", "flag": "wont_do_without_reason"}
    ).json()["items"]

    assert detail["decision"] is None
    assert detail["flags"] == [
        {
            "code": "wont_do_without_reason",
            "message": (
                "closed as won't do with no comment within an hour of the decision saying why"
            ),
        }
    ]
    assert [i["id"] for i in flagged] == [ids["id-2"]]


def test_a_done_item_needs_no_reason(client, ids):
    detail = client.get(f"/api/v1/items/{ids['id-3']}").json()
    assert detail["decision"] is None
    assert detail["flags"] == []
