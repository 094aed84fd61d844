"""Sources with their sync status, triggering a sync (202, 404, 409), and sync runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.errors import AuthError, BadResponse, RateLimited
from service.store import runs as run_store
from service.store import sources as source_store
from tests.service.api.conftest import ADMIN, bearer
from tests.support.owners import LIVE_ELSEWHERE, dead_owner

SYNC = "/api/v1/sources/demo/sync"


def source(client, name: str = "demo") -> dict:
    (found,) = [s for s in client.get("/api/v1/sources").json()["sources"] if s["name"] == name]
    return found


@pytest.fixture
def admin(make_client):
    return make_client(admin_tokens=[ADMIN], sources=("demo", "other"))


def sync(client, clock) -> int:
    response = client.post(SYNC, headers=bearer(ADMIN))
    assert response.status_code == 202, response.text
    clock.advance(60)
    return response.json()["run_id"]


def test_sources_are_listed_in_config_order_and_start_never_synced(client):
    sources = client.get("/api/v1/sources").json()["sources"]
    assert [s["name"] for s in sources] == ["demo", "other"]
    assert sources[0] == {
        "name": "demo",
        "kind": "scripted",
        "status": "never_synced",
        "items": 0,
        "last_sync_started_at": None,
        "last_success_at": None,
        "last_error": None,
        "next_run_at": None,
    }


def test_a_triggered_sync_answers_202_and_runs_in_the_background(admin, tracker, clock):
    for _ in range(4):
        tracker.create()
        tracker.tick()
    started = clock.now()
    run_id = sync(admin, clock)
    (run,) = admin.get("/api/v1/sync-runs").json()["runs"]
    assert run["id"] == run_id
    assert run["status"] == "success"
    assert run["items_seen"] == run["items_changed"] == 4
    demo = source(admin)
    assert demo["status"] == "ok"
    assert demo["items"] == 4
    assert demo["last_sync_started_at"] == started.isoformat().replace("+00:00", "Z")
    assert demo["last_success_at"] is not None


def test_a_run_left_open_by_a_dead_process_is_closed_and_the_sync_starts(
    admin, sessions, clock, tracker
):
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
        orphan = run_store.start(session, "demo", clock.now(), full=False, owner=dead_owner())

    response = admin.post(SYNC, headers=bearer(ADMIN))

    assert response.status_code == 202
    with sessions() as session:
        closed = run_store.get(session, orphan.id)
        assert closed is not None
        assert closed.status == "failed"
        assert closed.error_kind == "interrupted"


def test_a_source_is_syncing_while_a_run_is_open_and_a_second_sync_is_409(
    admin, sessions, clock, tracker
):
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
        run_store.start(session, "demo", clock.now(), full=False, owner=LIVE_ELSEWHERE)
    assert source(admin)["status"] == "syncing"
    response = admin.post(SYNC, headers=bearer(ADMIN))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (AuthError("401 from tracker: bad credentials"), "misconfigured"),
        (BadResponse("tracker answered HTML"), "failing"),
        (RateLimited("slow down", retry_after=30), "ok"),
    ],
)
def test_the_status_follows_the_last_run(admin, tracker, clock, failure, status):
    tracker.create()
    sync(admin, clock)
    tracker.fail_with = failure
    sync(admin, clock)
    demo = source(admin)
    assert demo["status"] == status
    assert demo["last_success_at"] is not None
    if status != "ok":
        assert demo["last_error"]


def test_syncing_an_unknown_source_is_404(admin):
    response = admin.post("/api/v1/sources/nope/sync", headers=bearer(ADMIN))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_at_start_up_runs_of_dead_processes_are_closed_and_live_ones_kept(
    make_client, sessions, clock
):
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
        source_store.ensure(session, "other", "scripted")
        run_store.start(session, "demo", clock.now(), full=False, owner=dead_owner())
        run_store.start(session, "other", clock.now(), full=False, owner=LIVE_ELSEWHERE)

    client = make_client()

    statuses = {s["name"]: s["status"] for s in client.get("/api/v1/sources").json()["sources"]}
    assert statuses == {"demo": "failing", "other": "syncing"}


def test_sync_runs_are_newest_first_limited_and_filtered_by_source(admin, tracker, clock, sessions):
    tracker.create()
    first, second, third = (sync(admin, clock) for _ in range(3))
    with sessions.begin() as session:
        source_store.ensure(session, "other", "scripted")
        other = run_store.start(
            session, "other", clock.now() + timedelta(minutes=5), full=False, owner=LIVE_ELSEWHERE
        )
        source_store.ensure(session, "gone", "scripted")
        run_store.start(
            session, "gone", clock.now() + timedelta(minutes=9), full=False, owner=LIVE_ELSEWHERE
        )
        other_id = other.id
    runs = admin.get("/api/v1/sync-runs").json()["runs"]
    assert [r["id"] for r in runs] == [other_id, third, second, first]
    limited = admin.get("/api/v1/sync-runs", params={"limit": 2}).json()["runs"]
    assert [r["id"] for r in limited] == [other_id, third]
    demo = admin.get("/api/v1/sync-runs", params={"source": "demo"}).json()["runs"]
    assert [r["id"] for r in demo] == [third, second, first]
    assert set(runs[1]) == {
        "id",
        "source",
        "started_at",
        "finished_at",
        "status",
        "items_seen",
        "items_changed",
        "item_errors",
        "items_removed",
        "requests",
        "error",
    }
    assert runs[1]["items_changed"] == 0  # a repeat sync changes nothing
