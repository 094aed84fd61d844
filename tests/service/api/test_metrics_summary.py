"""The summary by hand-checked examples: overdue by whole days, due today, stale, unowned,
undated, ages with their percentiles and buckets, types, completion, on-time rate, time to
close, removed items and `as_of` in the past (CONTRACT §2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.item import ItemState, ItemType
from service.clock import ManualClock
from tests.conftest import NOW
from tests.support.readside import Mirror, item

SYNC = NOW - timedelta(hours=1)
TODAY = NOW.date()


def summary(client, **params: str) -> dict:
    response = client.get("/api/v1/metrics/summary", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_empty_mirror_has_null_ages_and_zero_buckets(client):
    got = summary(client)
    assert got["active"] == 0
    assert got["oldest"] is None
    assert got["age_days"] == {"p50": None, "p90": None, "max": None}
    assert got["age_buckets"] == {"0-7": 0, "8-30": 0, "31-90": 0, "91+": 0}
    assert got["completion"]["completion_rate"] is None
    assert got["completion"]["on_time_rate"] is None
    assert got["completion"]["time_to_close_days"] == {"p50": None, "p90": None}


def test_due_yesterday_is_overdue_by_one_day_and_due_today_is_not(client, mirror: Mirror):
    mirror.put(
        item(1, due_date=TODAY - timedelta(days=1)),
        item(2, due_date=TODAY),
        item(3, due_date=TODAY - timedelta(days=5), state=ItemState.DONE),
        at=SYNC,
    )
    assert summary(client)["overdue"] == 1
    listed = client.get("/api/v1/items", params={"overdue": "true"}).json()["items"]
    assert [(i["key"], i["days_overdue"]) for i in listed] == [("ACT-1", 1)]


def test_stale_unowned_and_undated_count_active_items_only(client, mirror: Mirror):
    old = NOW - timedelta(days=31)
    mirror.put(
        item(1, created_at=old - timedelta(days=5), updated_at=old, owners=("ana",)),
        item(2, created_at=old, updated_at=NOW - timedelta(days=29), due_date=TODAY),
        item(3, created_at=old, updated_at=old, state=ItemState.WONT_DO),
        at=SYNC,
    )
    got = summary(client)
    assert (got["stale"], got["unowned"], got["undated"]) == (1, 1, 1)


def test_ages_percentiles_interpolate_linearly_and_buckets_use_whole_days(client, mirror: Mirror):
    ages = [1.0, 2.0, 7.99, 8.0, 30.5, 31.0, 91.0]
    mirror.put(
        *(item(n, created_at=NOW - timedelta(days=a)) for n, a in enumerate(ages, start=1)),
        item(9, created_at=NOW - timedelta(days=400), state=ItemState.DONE),
        at=SYNC,
    )
    got = summary(client)
    assert got["oldest"] == {"id": 7, "key": "ACT-7", "age_days": 91.0}
    assert got["age_days"]["p50"] == pytest.approx(8.0)
    assert got["age_days"]["p90"] == pytest.approx(31.0 + 0.4 * 60.0)  # rank 5.4 of 0..6
    assert got["age_days"]["max"] == pytest.approx(91.0)
    assert got["age_buckets"] == {"0-7": 3, "8-30": 2, "31-90": 1, "91+": 1}


def test_states_and_types_are_counted_over_active_items(client, mirror: Mirror):
    mirror.put(
        item(1, state=ItemState.BLOCKED, type=ItemType.DETECTION),
        item(2, state=ItemState.IN_PROGRESS, type=ItemType.DETECTION),
        item(3),
        item(4, state=ItemState.DONE, type=ItemType.PROCESS),
        at=SYNC,
    )
    got = summary(client)
    assert (got["active"], got["open"], got["in_progress"], got["blocked"]) == (3, 1, 1, 1)
    assert got["by_type"] == {
        "prevention": 0,
        "detection": 2,
        "mitigation": 0,
        "process": 0,
        "none": 1,
    }


def test_wont_do_leaves_the_completion_denominator(client, mirror: Mirror):
    created = NOW - timedelta(days=20)
    mirror.put(
        item(1, created_at=created, state=ItemState.DONE, resolved_at=created + timedelta(days=2)),
        item(2, created_at=created, state=ItemState.DONE, resolved_at=created + timedelta(days=6)),
        item(3, created_at=created, state=ItemState.WONT_DO),
        item(4, created_at=created),
        item(5, created_at=NOW - timedelta(days=200), state=ItemState.DONE),
        at=SYNC,
    )
    completion = summary(client)["completion"]
    assert (completion["created"], completion["done"], completion["wont_do"]) == (4, 2, 1)
    assert completion["active"] == 1
    assert completion["completion_rate"] == pytest.approx(2 / 3)
    assert completion["time_to_close_days"]["p50"] == pytest.approx(4.0)
    assert completion["time_to_close_days"]["p90"] == pytest.approx(5.6)


def test_the_window_is_half_open_and_defaults_to_the_90_days_before_t(client, mirror: Mirror):
    edge = NOW - timedelta(days=90)
    mirror.put(item(1, created_at=edge), item(2, created_at=edge - timedelta(seconds=1)), at=SYNC)
    completion = summary(client)["completion"]
    assert completion["created"] == 1
    assert completion["from"] == "2025-12-02T12:00:00Z"
    assert completion["to"] == "2026-03-02T12:00:00Z"
    assert summary(client, to=edge.isoformat())["completion"]["created"] == 1  # item 2 only


def test_on_time_rate_counts_every_item_due_in_the_window_before_today(client, mirror: Mirror):
    due = TODAY - timedelta(days=10)
    done_on = NOW - timedelta(days=10, hours=2)  # on the due date
    late = NOW - timedelta(days=5)
    old = NOW - timedelta(days=300)  # created outside the window: still counts here
    mirror.put(
        item(1, created_at=old, due_date=due, state=ItemState.DONE, resolved_at=done_on),
        item(2, created_at=old, due_date=due, state=ItemState.DONE, resolved_at=late),
        item(3, created_at=old, due_date=due, state=ItemState.WONT_DO, resolved_at=done_on),
        item(4, created_at=old, due_date=due),
        item(5, created_at=old, due_date=TODAY),  # due today: not yet judged
        at=SYNC,
    )
    assert summary(client)["completion"]["on_time_rate"] == pytest.approx(1 / 4)


def test_removed_items_never_count(client, mirror: Mirror):
    mirror.put(item(1, due_date=TODAY - timedelta(days=3)), item(2), at=SYNC - timedelta(days=2))
    mirror.remove(["id-1"], at=SYNC)
    got = summary(client)
    assert (got["active"], got["overdue"], got["completion"]["created"]) == (1, 0, 1)


def test_items_of_unconfigured_sources_never_count(client, sessions):
    Mirror(sessions, source="gone").put(item(1), at=SYNC)
    assert summary(client)["active"] == 0


def test_filters_combine_with_and(client, mirror: Mirror, sessions):
    mirror.put(
        item(1, owners=("Ana",), type=ItemType.PREVENTION, incident="INC-1"),
        item(2, owners=("ana",), type=ItemType.PREVENTION, incident="INC-2"),
        item(3, owners=("bo",)),
        at=SYNC,
    )
    Mirror(sessions, source="other").put(item(4, owners=("ana",)), at=SYNC)
    assert summary(client, owner="ANA")["active"] == 3
    assert summary(client, owner="ana", source="demo", type="prevention")["active"] == 2
    assert summary(client, owner="ana", incident="INC-2")["active"] == 1
    assert summary(client, type="none")["active"] == 2


def test_a_past_as_of_reproduces_the_earlier_answer(make_client, mirror: Mirror, clock):
    """State, owner, due date and tracked status all change after T; asking for T later
    gives what was answered at T."""
    first = NOW - timedelta(days=10)
    mirror.put(
        item(1, created_at=NOW - timedelta(days=40), owners=("ana",), due_date=date(2026, 2, 1)),
        item(2, created_at=NOW - timedelta(days=30), state=ItemState.BLOCKED),
        item(3, created_at=NOW - timedelta(days=20), owners=("bo",)),
        at=first - timedelta(hours=1),
    )
    client = make_client()
    services = client.app.state.services
    services.clock = ManualClock(first)
    before = {
        path: client.get(path).json()
        for path in ("/api/v1/metrics/summary", "/api/v1/owners", "/api/v1/incidents")
    }
    later = NOW - timedelta(days=2)
    mirror.put(
        item(
            1,
            created_at=NOW - timedelta(days=40),
            updated_at=later,
            state=ItemState.DONE,
            owners=("cy",),
            due_date=date(2026, 3, 1),
            resolved_at=later,
        ),
        item(2, created_at=NOW - timedelta(days=30), updated_at=later, owners=("dee",)),
        at=later,
    )
    mirror.remove(["id-3"], at=later)
    services.clock = clock
    now_summary = client.get("/api/v1/metrics/summary").json()
    assert now_summary["active"] == 1
    for path, answer in before.items():
        again = client.get(path, params={"as_of": first.isoformat()}).json()
        assert again == answer, path
