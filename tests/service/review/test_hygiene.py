"""The hygiene flags on hand-written items: each flag's rule, its message, history read
only up to `as_of`, and the `flag=` filter selecting exactly the items that show it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.item import ItemState, ItemType
from service.review.hygiene import HYGIENE_FLAGS
from service.review.policy import PRESETS
from tests.conftest import NOW
from tests.support.readside import Mirror, item

T1 = NOW - timedelta(days=30)
T2 = NOW - timedelta(days=20)
T3 = NOW - timedelta(days=10)
GOOD = {"type": ItemType.DETECTION, "incident": "INC-1"}


def at(moment, number: int, **fields: object):
    """Item `number` as a sync at `moment` sees it (created at T1 - 1 day)."""
    created = T1 - timedelta(days=1)
    return item(number, created_at=created, updated_at=moment, **fields)


@pytest.fixture
def history(mirror: Mirror) -> dict[str, int]:
    """Items whose history gives each history flag, written as three syncs."""
    owned = {"owners": ("ana",), "due_date": date(2026, 6, 1), **GOOD}
    mirror.put(
        at(T1, 1, title="Improve monitoring so we catch this earlier", **owned),
        at(T1, 2, title="Upgrade Postgres to 16 and rewrite the slow reporting queries", **owned),
        at(T1, 3, title="Rotate the edge certificate", **{**owned, "due_date": date(2026, 2, 1)}),
        at(T1, 4, title="Add a canary stage to the deploy pipeline", **owned),
        at(T1, 5, title="Cap worker concurrency at 8", state=ItemState.IN_PROGRESS, **owned),
        at(T1, 6, title="Pin the base image to ubuntu-22.04", **owned),
        at=T1,
    )
    mirror.put(
        at(T2, 3, title="Rotate the edge certificate", **{**owned, "due_date": date(2026, 2, 15)}),
        at(T2, 4, title="Add a canary stage to the deploy pipeline", **{**owned, "owners": ()}),
        at(T2, 5, title="Cap worker concurrency at 8", **owned),
        at=T2,
    )
    mirror.put(
        at(T3, 3, title="Rotate the edge certificate", **{**owned, "due_date": date(2026, 3, 20)}),
        at(T3, 5, title="Cap worker concurrency at 8", state=ItemState.IN_PROGRESS, **owned),
        at(
            T3,
            6,
            title="Pin the base image to ubuntu-22.04",
            **{**owned, "due_date": date(2026, 5, 1)},
        ),
        at=T3,
    )
    return mirror.ids()


def flags_of(client, **params: str) -> dict[str, list[dict[str, str]]]:
    found = client.get("/api/v1/items", params={"state": "all", **params}).json()["items"]
    return {i["key"]: i["flags"] for i in found}


def codes(flags: list[dict[str, str]]) -> list[str]:
    return [f["code"] for f in flags]


def test_each_flag_with_its_message(client, history):
    now = flags_of(client)
    assert now["ACT-1"] == [
        {
            "code": "vague",
            "message": "reads as a wish, not a task: name the concrete change and how to tell "
            "it is done",
        }
    ]
    assert now["ACT-2"] == [
        {
            "code": "too_large",
            "message": "several tasks in one: split it so each part can be owned and closed",
        }
    ]
    assert now["ACT-3"] == [
        {
            "code": "due_date_slipped",
            "message": "due date moved later 2 times: agree a date that holds",
        }
    ]
    assert codes(now["ACT-4"]) == ["unowned", "unassigned_after_owned"]
    assert now["ACT-4"][1]["message"] == "had an owner and now has none: find a new one or drop it"
    assert now["ACT-6"] == []  # one move later is not a pattern yet


def test_moved_back_holds_while_the_item_stays_open(client, history):
    moved_back = {"code": "moved_back", "message": "moved back from in progress to open"}
    assert flags_of(client, as_of=(T2 + timedelta(days=1)).isoformat())["ACT-5"] == [moved_back]
    assert flags_of(client)["ACT-5"] == []  # in progress again since T3


def test_history_flags_read_history_only_up_to_as_of(client, history):
    before_t3 = flags_of(client, as_of=(T3 - timedelta(days=1)).isoformat())
    assert "due_date_slipped" not in codes(before_t3["ACT-3"])  # one move by then
    before_t2 = flags_of(client, as_of=(T2 - timedelta(days=1)).isoformat())
    assert codes(before_t2["ACT-4"]) == []  # still owned


def test_closed_items_carry_no_history_flags(client, mirror, history):
    done = {"state": ItemState.DONE, "resolved_at": NOW - timedelta(days=1)}
    mirror.put(
        at(NOW - timedelta(days=1), 3, title="Rotate the edge certificate", **GOOD, **done),
        at=NOW - timedelta(days=1),
    )
    assert flags_of(client)["ACT-3"] == []


@pytest.fixture
def policy_items(mirror: Mirror) -> dict[str, int]:
    """No due dates: a SEV-1 priority 20 days old, a sev2 label 20 days old, a P4 item."""
    created = NOW - timedelta(days=20)
    base = {"owners": ("ana",), "created_at": created, **GOOD}
    return mirror.put(
        item(1, title="Add a canary stage", priority="SEV-1", **base),
        item(2, title="Add a canary stage", labels=("Sev 2",), **base),
        item(3, title="Add a canary stage", priority="P4", **base),
        item(4, title="Add a canary stage", priority="sev1", due_date=date(2026, 4, 1), **base),
        at=created,
    )


def test_the_policy_sets_target_dates_and_flags_them_when_passed(policy_client, policy_items):
    client = policy_client(PRESETS["pagerduty"])
    got = {i["key"]: i for i in client.get("/api/v1/items").json()["items"]}
    created = (NOW - timedelta(days=20)).date()
    assert got["ACT-1"]["target_date"] == {
        "date": (created + timedelta(days=15)).isoformat(),
        "key": "sev1",
        "days": 15.0,
        "derived_from": "policy",
    }
    assert got["ACT-1"]["flags"][-1] == {
        "code": "policy_overdue",
        "message": f"no due date, and the policy's target date "
        f"{created + timedelta(days=15)} (sev1: 15 days from creation) has passed",
    }
    assert got["ACT-1"]["overdue"] is False  # overdue keeps its meaning: a real due date
    assert got["ACT-2"]["target_date"]["date"] == (created + timedelta(days=30)).isoformat()
    assert "policy_overdue" not in codes(got["ACT-2"]["flags"])
    assert got["ACT-3"]["target_date"] is None  # no key applies
    assert got["ACT-4"]["target_date"] is None  # it has a due date


def test_a_default_window_covers_items_no_key_matches(policy_client, policy_items):
    client = policy_client({"sev1": timedelta(days=40), "default": timedelta(days=5)})
    got = {i["key"]: i["target_date"] for i in client.get("/api/v1/items").json()["items"]}
    assert (got["ACT-1"]["key"], got["ACT-2"]["key"], got["ACT-3"]["key"]) == (
        "sev1",
        "default",
        "default",
    )
    keys = [
        i["key"]
        for i in client.get("/api/v1/items", params={"flag": "policy_overdue"}).json()["items"]
    ]
    assert keys == ["ACT-2", "ACT-3"]


@pytest.mark.parametrize("code", [str(code) for code in HYGIENE_FLAGS])
def test_the_flag_filter_selects_exactly_the_items_showing_the_flag(
    policy_client, mirror, history, code
):
    mirror.put(
        item(20, title="Investigate", priority="sev2", created_at=T1),
        item(21, title="Fix it", priority="sev1", created_at=NOW - timedelta(days=3)),
        at=T1,
    )
    client = policy_client(PRESETS["pagerduty"])
    for as_of in (NOW, T2 + timedelta(days=1), T3 - timedelta(hours=1)):
        shown = flags_of(client, as_of=as_of.isoformat())
        expected = sorted(key for key, flags in shown.items() if code in codes(flags))
        filtered = flags_of(client, as_of=as_of.isoformat(), flag=code, limit="1")
        pages = _all_pages(client, {"state": "all", "flag": code, "as_of": as_of.isoformat()})
        assert sorted(pages) == expected, (code, as_of)
        assert len(filtered) == min(1, len(expected))


def _all_pages(client, params: dict[str, str]) -> list[str]:
    """Every key the filter selects, a page of one at a time (cursor paging stays exact)."""
    keys: list[str] = []
    cursor = None
    while True:
        page = client.get(
            "/api/v1/items",
            params={**params, "limit": "1", **({"cursor": cursor} if cursor else {})},
        ).json()
        keys += [i["key"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return keys
