"""RELIABILITY checks 1, 6 and 7 and the history contract, with the Jira connector syncing
a fake Jira (Cloud and Data Center) over real HTTP through the SyncRunner into SQLite and
PostgreSQL; the history of a reopened item read back through `/api/v1/items/{id}`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from connectors.jira import JiraConnector
from connectors.testing import FakeJira
from service.app import create_app
from service.config import Settings, SourceSettings
from service.sync.runner import SyncRunner
from tests.conftest import NOW
from tests.connectors.contract import items_of
from tests.connectors.fakes import FakeTime, crashing
from tests.connectors.jira.conftest import LABEL, jira_config, labelled
from tests.service.sync import mirror
from tests.support.scripted import Crash

SCOPE = "project in (OPS, PLAT)"


def source(fake: FakeJira, url: str, **keys: object) -> SourceSettings:
    config = jira_config(fake, url, name="demo", **keys)
    return SourceSettings(name="demo", kind="jira", connector=config)


@pytest.fixture
def runner(sessions, clock) -> SyncRunner:
    return SyncRunner(sessions, clock, {"jira": JiraConnector})


def expected(fake: FakeJira, url: str, **keys: object) -> dict:
    """What the mirror should hold: a fresh full listing of the fake."""
    config = jira_config(fake, url, name="demo", **keys)
    connector = JiraConnector(config, FakeTime(fake.now).context())
    try:
        pages = list(connector.fetch_changed({}, full=True))
    finally:
        connector.close()
    return {item.external_id: item for item in items_of(pages)}


# Check 1: crash and resume


@pytest.mark.parametrize("k", [3])
def test_a_sync_killed_after_page_k_resumes_and_rereads_at_most_one_page(
    sessions, clock, fake, url, k
):
    labelled(fake, 30)
    settings = source(fake, url, overlap=0)
    with pytest.raises(Crash):
        SyncRunner(sessions, clock, {"jira": crashing(JiraConnector, k)}).sync(settings)
    committed = len(mirror.tracked(sessions))
    assert committed >= 3 * k if fake.cloud else committed >= 2 * k

    clock.advance(600)
    mirror.expire_leases(sessions)
    runner = SyncRunner(sessions, clock, {"jira": JiraConnector})
    resumed = runner.run(runner.open_run(settings), settings, reconcile=False)

    assert resumed.status == "success", resumed.error
    assert mirror.tracked(sessions) == expected(fake, url)
    assert mirror.duplicate_keys(sessions) == []
    remaining = 30 - committed
    assert resumed.items_changed == remaining
    assert resumed.items_seen <= remaining + 3, "more than one page re-read"


# Check 6: deletes, label removal, moves


def test_reconciliation_removes_what_left_and_keeps_a_moved_item_under_its_new_key(
    sessions, clock, runner, fake, url
):
    made = labelled(fake, 6)
    settings = source(fake, url, jql=SCOPE)
    runner.sync(settings)
    fake.tick()
    fake.delete_issue(made[0].id)
    fake.remove_label(made[1].id, LABEL)
    fake.move_issue(made[2].id, "SEC")  # out of the source's projects
    fake.hide_issue(made[3].id)
    moved = fake.move_issue(made[4].id, "PLAT")
    clock.advance(300)

    result = runner.sync(settings)

    assert result.status == "success", result.error
    assert result.items_removed == 4
    assert mirror.removed(sessions) == {issue.id for issue in made[:4]}
    tracked = mirror.tracked(sessions)
    assert set(tracked) == {made[4].id, made[5].id}
    assert tracked[moved.id].key == moved.key == "PLAT-1"
    assert tracked[moved.id].previous_keys == ("OPS-5",)
    assert mirror.keys(sessions, moved.id) == {"OPS-5", "PLAT-1"}


# Check 7: rate limits and refusals


@pytest.mark.parametrize("flavour", ["cloud"])
def test_retry_after_is_honoured_on_the_service_clock(sessions, clock, runner, fake, url):
    labelled(fake, 3)
    fake.fail_next(429, headers={"Retry-After": "7"}, path_contains="/search")

    result = runner.sync(source(fake, url))

    assert result.status == "success"
    assert clock.now() - NOW >= timedelta(seconds=7)
    statuses = mirror.run(sessions, result.run_id).request_statuses
    assert statuses["429"] == 1


@pytest.mark.parametrize("flavour", ["dc"])
def test_a_refused_search_fails_the_run_as_misconfigured_without_retrying(
    sessions, runner, fake, url
):
    labelled(fake, 3)
    fake.fail_next(403, times=5, path_contains="/search")

    result = runner.sync(source(fake, url))

    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.error_kind) == ("failed", "misconfigured")
    assert run.request_statuses["403"] == 1
    assert "Browse Projects" in run.error
    assert fake.token not in run.error


# History through the API


def test_a_reopened_item_shows_all_four_transitions_with_the_trackers_times(
    engine, sessions, clock, runner, fake, url
):
    [issue] = labelled(fake, 1)
    settings = source(fake, url)
    runner.sync(settings)
    times = []
    for status in ("In Progress", "Done", "To Do"):
        fake.tick(3600)
        fake.transition(issue.id, status)
        times.append(fake.now)
        clock.advance(300)
        runner.sync(settings)

    app = create_app(
        Settings(database_url="sqlite://", sources=[settings]),
        engine=engine,
        clock=clock,
        connectors={"jira": JiraConnector},
    )
    with TestClient(app) as client:
        [listed] = client.get("/api/v1/items", params={"state": "all"}).json()["items"]
        detail = client.get(f"/api/v1/items/{listed['id']}").json()

    states = [
        (datetime.fromisoformat(entry["at"]), entry["from"], entry["to"])
        for entry in detail["history"]
        if entry["field"] == "state"
    ]
    assert states == [
        (issue.created, None, "open"),
        (times[0], "open", "in_progress"),
        (times[1], "in_progress", "done"),
        (times[2], "done", "open"),
    ]
