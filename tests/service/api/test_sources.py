"""Sources with their sync status and next run, triggering a sync through the source's
lease (202, 404, 409), and sync runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from connectors.errors import AuthError, BadResponse, RateLimited
from service.app import create_app
from service.store import runs as run_store
from service.store import sources as source_store
from service.sync.runner import SyncRunner
from tests.service.api.conftest import ADMIN, bearer, settings
from tests.service.sync import mirror as sync_mirror
from tests.support.scripted import CONNECTORS, AscendingConnector

REPLICA = "replica-2:7:0a1b2c3d"

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


def replica_run(sessions, clock, name: str = "demo") -> int:
    """A run opened by another replica, which keeps holding the source's lease."""
    (chosen,) = [s for s in settings().sources if s.name == name]
    return SyncRunner(sessions, clock, CONNECTORS).open_run(chosen)


def test_a_run_left_open_by_a_dead_replica_is_closed_once_its_lease_expired(
    admin, sessions, clock, tracker
):
    orphan = replica_run(sessions, clock)
    assert admin.post(SYNC, headers=bearer(ADMIN)).status_code == 409
    sync_mirror.expire_leases(sessions)

    response = admin.post(SYNC, headers=bearer(ADMIN))

    assert response.status_code == 202
    with sessions() as session:
        closed = run_store.get(session, orphan)
        assert closed is not None
        assert closed.status == "failed"
        assert closed.error_kind == "interrupted"


def test_a_source_is_syncing_while_another_replica_holds_its_lease_and_a_sync_is_409(
    admin, sessions, clock, tracker
):
    replica_run(sessions, clock)
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


def test_a_run_whose_lease_lapsed_is_no_longer_syncing(client, sessions, clock):
    replica_run(sessions, clock)
    replica_run(sessions, clock, "other")
    sync_mirror.expire_leases(sessions)
    replica_run(sessions, clock, "other")  # claimed again: closes the lapsed run, syncs

    statuses = {s["name"]: s["status"] for s in client.get("/api/v1/sources").json()["sources"]}

    assert statuses == {"demo": "failing", "other": "syncing"}


def test_next_run_at_comes_from_the_scheduler_running_in_the_process(engine, clock):
    app = create_app(
        settings(),
        engine=engine,
        clock=clock,
        connectors={"scripted": AscendingConnector},
        scheduler=True,
    )
    scheduler = app.state.services.scheduler

    sources = TestClient(app).get("/api/v1/sources").json()["sources"]  # lifespan not run

    for listed in sources:
        expected = scheduler.next_run_at(listed["name"])
        assert expected is not None
        assert listed["next_run_at"] == expected.isoformat().replace("+00:00", "Z")


def test_sync_runs_are_newest_first_limited_and_filtered_by_source(admin, tracker, clock, sessions):
    tracker.create()
    first, second, third = (sync(admin, clock) for _ in range(3))
    with sessions.begin() as session:
        source_store.ensure(session, "other", "scripted")
        other = run_store.start(
            session, "other", clock.now() + timedelta(minutes=5), full=False, owner=REPLICA
        )
        source_store.ensure(session, "gone", "scripted")
        run_store.start(
            session, "gone", clock.now() + timedelta(minutes=9), full=False, owner=REPLICA
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
