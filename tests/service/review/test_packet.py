"""The review packet by a hand-checked example: its lists, counts, incidents and the
since-last-review section over a history of creations, closures, reopenings and slips."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.item import ItemState, ItemType
from tests.conftest import NOW
from tests.support.readside import Mirror, item

CREATED = NOW - timedelta(days=35)
S0 = NOW - timedelta(days=30)
S1 = NOW - timedelta(days=20)
SINCE = NOW - timedelta(days=14)
S2 = NOW - timedelta(days=5)
DETECTION = {"type": ItemType.DETECTION}


def synced(number: int, moment, title: str, **fields: object):
    return item(number, title=title, created_at=CREATED, updated_at=moment, **fields)


@pytest.fixture
def history(mirror: Mirror) -> dict[str, int]:
    """Nine items synced at S0, changed at S1 (before `since`) and S2 (after), plus one
    created at S2."""
    ana = {"owners": ("ana",), "incident": "INC-1", **DETECTION}
    bo = {"owners": ("bo",), "incident": "INC-2"}
    done = {"state": ItemState.DONE}
    mirror.put(
        synced(
            1, S0, "Add a canary stage to the payments deploy", due_date=date(2026, 2, 20), **ana
        ),
        synced(2, S0, "Rotate the edge certificate on lb-02", due_date=date(2026, 2, 10), **ana),
        synced(3, S0, "Move the reindex job to the replica", state=ItemState.BLOCKED, **bo),
        synced(4, S0, "Pin the base image of the build agents", **bo),
        synced(5, S0, "Cap the resizer concurrency at 8", **bo),
        synced(6, S0, "Add a queue depth panel for billing", **bo),
        synced(7, S0, "Add a readiness probe to the worker", resolved_at=S0, **done, **bo),
        synced(8, S0, "Set a 5s timeout on pricing calls", due_date=date(2026, 3, 10), **bo),
        item(9, title="Improve monitoring", created_at=CREATED, owners=("cy",), incident="INC-3"),
        at=S0,
    )
    mirror.put(
        synced(4, S1, "Pin the base image of the build agents", resolved_at=S1, **done, **bo), at=S1
    )
    mirror.put(
        synced(5, S2, "Cap the resizer concurrency at 8", resolved_at=S2, **done, **bo),
        synced(
            6,
            S2,
            "Add a queue depth panel for billing",
            state=ItemState.WONT_DO,
            resolved_at=S2,
            **bo,
        ),
        synced(7, S2, "Add a readiness probe to the worker", **bo),
        synced(8, S2, "Set a 5s timeout on pricing calls", due_date=date(2026, 3, 20), **bo),
        item(
            10,
            title="Add a rollback button to the deploy UI",
            created_at=S2,
            owners=("bo",),
            incident="INC-2",
            due_date=date(2026, 4, 1),
        ),
        at=S2,
    )
    return mirror.ids()


def keys(entries: list[dict[str, object]]) -> list[object]:
    return [e["key"] for e in entries]


def test_the_packet_lists_what_the_review_walks_through(client, history):
    got = client.get("/api/v1/review").json()
    assert got["since"] == "2026-02-16T12:00:00Z"
    assert [(i["key"], i["days_overdue"], i["owner"], i["incident"]) for i in got["overdue"]] == [
        ("ACT-2", 20, "ana", "INC-1"),
        ("ACT-1", 10, "ana", "INC-1"),
    ]
    assert keys(got["blocked"]) == ["ACT-3"]
    assert keys(got["stale"]) == ["ACT-9"]
    hygiene = {i["key"]: [f["code"] for f in i["flags"]] for i in got["hygiene"]}
    assert hygiene["ACT-9"] == ["undated", "untyped", "stale", "vague"]  # item objects, all flags
    assert "ACT-1" not in hygiene  # owned, dated, typed, with an incident and a clear title
    assert [i["ref"] for i in got["incidents_all_closed"]] == []
    assert [i["ref"] for i in got["incidents_none_closed"]] == ["INC-1", "INC-3"]
    assert [i["ref"] for i in got["incidents_missing_detection"]] == ["INC-2", "INC-3"]
    assert got["themes"] == []


def test_the_counts_agree_with_the_summary_and_the_lists(client, history):
    got = client.get("/api/v1/review").json()
    summary = client.get("/api/v1/metrics/summary").json()
    counts = got["counts"]
    for name in (
        "active",
        "open",
        "in_progress",
        "blocked",
        "overdue",
        "stale",
        "unowned",
        "undated",
    ):
        assert counts[name] == summary[name], name
    assert counts["hygiene"] == len(got["hygiene"])
    assert (counts["created"], counts["closed"], counts["done"], counts["wont_do"]) == (1, 2, 1, 1)
    assert (counts["reopened"], counts["newly_overdue"], counts["slipped"]) == (1, 1, 1)


def test_changes_since_the_last_review(client, history):
    changes = client.get("/api/v1/review").json()["changes"]
    assert keys(changes["created"]) == ["ACT-10"]
    assert [(i["key"], i["state"], i["state_before"]) for i in changes["closed"]] == [
        ("ACT-5", "done", "open"),
        ("ACT-6", "wont_do", "open"),
    ]  # ACT-4 was closed before `since`
    assert [(i["key"], i["state_before"]) for i in changes["reopened"]] == [("ACT-7", "done")]
    assert keys(changes["newly_overdue"]) == ["ACT-1"]  # ACT-2 was overdue already
    (slipped,) = changes["slipped"]
    assert (slipped["key"], slipped["due_date_before"], slipped["due_date"]) == (
        "ACT-8",
        "2026-03-10",
        "2026-03-20",
    )


def test_a_past_as_of_and_since_answer_as_they_would_have_then(client, history):
    got = client.get(
        "/api/v1/review",
        params={"as_of": (S2 - timedelta(days=1)).isoformat(), "since": S1.isoformat()},
    ).json()
    changes = got["changes"]
    assert changes["closed"] == []  # ACT-4 closed at S1 itself, not after it
    assert keys(changes["newly_overdue"]) == ["ACT-1", "ACT-2"]  # ACT-2 fell due on S1's date
    assert changes["created"] == changes["reopened"] == changes["slipped"] == []
    earlier = client.get("/api/v1/review", params={"since": (S1 - timedelta(hours=1)).isoformat()})
    assert [i["key"] for i in earlier.json()["changes"]["closed"]] == ["ACT-4", "ACT-5", "ACT-6"]


def test_filters_narrow_every_list(client, history):
    got = client.get("/api/v1/review", params={"owner": "bo"}).json()
    assert got["overdue"] == []
    assert keys(got["changes"]["closed"]) == ["ACT-5", "ACT-6"]
    assert got["counts"]["active"] == 4  # ACT-3, ACT-7, ACT-8, ACT-10


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-03-03"}, "since"),
        ({"as_of": "nope"}, "as_of"),
        ({"source": "nowhere"}, "source"),
        ({"type": "bogus"}, "type"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, params, param):
    response = client.get("/api/v1/review", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_parameter"
    assert response.json()["error"]["param"] == param


def test_markdown_for_accept_text_markdown(client, history):
    response = client.get("/api/v1/review", headers={"Accept": "text/markdown"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    body = response.text
    assert body.startswith("# Incident action review, 2026-03-02\n")
    assert "### ana (2)" in body
    assert (
        "- [ACT-2](https://tracker.example/ACT-2) Rotate the edge certificate on lb-02: "
        "20 days overdue" in body
    )
