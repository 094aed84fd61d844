"""RELIABILITY checks 1, 3, 5, 6 and 7 with the Linear connector syncing a fake Linear over real
HTTP through the SyncRunner into SQLite and PostgreSQL, plus a rate limit mid-listing (respx)
that leaves nothing half-written."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import respx

from connectors.base import PartitionState
from connectors.linear import LinearConnector
from connectors.testing import FakeLinear
from service.config import SourceSettings
from service.sync.runner import SyncRunner
from tests.conftest import NOW
from tests.connectors.contract import items_of
from tests.connectors.fakes import FakeTime, crashing
from tests.connectors.linear.conftest import LABEL, T0, issue_node, linear_config
from tests.service.sync import mirror
from tests.support.scripted import Crash


def source(url: str, **keys: object) -> SourceSettings:
    return SourceSettings(name="demo", kind="linear", connector=linear_config(url, **keys))


@pytest.fixture
def runner(sessions, clock) -> SyncRunner:
    return SyncRunner(sessions, clock, {"linear": LinearConnector})


def expected(url: str, **keys: object) -> dict:
    """What the mirror should hold: a fresh full listing of the fake."""
    connector = LinearConnector(linear_config(url, **keys), FakeTime(T0).context())
    try:
        return {i.external_id: i for i in items_of(connector.fetch_changed({}, full=True))}
    finally:
        connector.close()


def labelled(fake: FakeLinear, count: int, team: str = "ENG") -> list:
    made = []
    for number in range(count):
        made.append(fake.create_issue(team, title=f"Action {number}", labels=(LABEL,)))
        fake.tick()
    return made


def listings(fake: FakeLinear, since: int = 0) -> int:
    return fake.operations()[since:].count("ActionItems")


# Check 1: crash and resume


@pytest.mark.parametrize("k", [1, 9])
def test_a_sync_killed_after_page_k_of_10_resumes_from_its_resume_token(
    sessions, clock, fake, url, k
):
    made = labelled(fake, 30)
    settings = source(url, page_size=3)
    with pytest.raises(Crash):
        SyncRunner(sessions, clock, {"linear": crashing(LinearConnector, k)}).sync(settings)
    assert len(mirror.tracked(sessions)) == 3 * k
    saved = mirror.state(sessions)["workspace"]
    assert (saved.cursor, saved.high_water) == (None, made[-1].updated_at)
    assert saved.resume_token

    clock.advance(600)
    mirror.expire_leases(sessions)  # the killed process stays dead past its lease's TTL
    before = len(fake.requests)
    runner = SyncRunner(sessions, clock, {"linear": LinearConnector})
    resumed = runner.run(runner.open_run(settings), settings, reconcile=False)

    assert resumed.status == "success", resumed.error
    assert listings(fake, before) == 10 - k
    assert resumed.items_seen == resumed.items_changed == 30 - 3 * k  # no page re-read
    assert mirror.tracked(sessions) == expected(url, page_size=3)
    assert mirror.duplicate_keys(sessions) == []
    assert mirror.state(sessions)["workspace"] == PartitionState(cursor=made[-1].updated_at)


# Check 3: ties at the boundary


def test_a_late_item_sharing_the_cursor_timestamp_is_not_lost(sessions, runner, fake, url):
    settings = source(url, overlap=0, page_size=3)
    tie = fake.now
    for number in range(5):
        fake.create_issue("ENG", title=f"Tied {number}", labels=(LABEL,))
    runner.sync(settings)
    assert mirror.state(sessions)["workspace"].cursor == tie

    late = fake.create_issue("ENG", title="Late, same second", labels=(LABEL,))
    result = runner.sync(settings)

    assert late.id in mirror.tracked(sessions)
    assert len(mirror.tracked(sessions)) == 6
    assert mirror.duplicate_keys(sessions) == []
    assert result.items_changed == 1


# Check 5: shifting pages


def test_an_item_updated_mid_paging_is_mirrored_by_the_next_sync(
    sessions, clock, runner, fake, url
):
    made = labelled(fake, 12)

    def bump(page: int) -> None:
        if page == 1:  # the oldest item jumps ahead of the pages still to come
            fake.tick()
            fake.update_issue(made[0].id, title="Edited mid-sync")
            fake.on_list_page = None

    fake.on_list_page = bump
    settings = source(url, page_size=4)
    first = runner.sync(settings, reconcile=False)
    missed = made[0].id not in mirror.tracked(sessions)  # it left the pages still to come
    clock.advance(300)
    before = len(fake.requests)
    second = runner.sync(settings, reconcile=False)

    assert (first.status, second.status, missed) == ("success", "success", True)
    assert (second.items_changed, listings(fake, before)) == (1, 1)
    assert mirror.tracked(sessions) == expected(url, page_size=4)
    assert mirror.tracked(sessions)[made[0].id].title == "Edited mid-sync"


# Check 6: deletes, label removal, team moves


def test_every_way_of_leaving_is_removed_in_one_reconciliation_and_a_move_keeps_the_item(
    sessions, clock, runner, fake, url
):
    made = labelled(fake, 7)
    settings = source(url, teams=["ENG", "OPS"])
    runner.sync(settings)
    fake.remove_label(made[0].id, LABEL)
    fake.trash(made[1].id)
    fake.purge(made[2].id)
    fake.move_issue(made[3].id, "DESIGN")
    moved = fake.move_issue(made[4].id, "OPS")
    fake.update_issue(made[5].id, state="Done")
    fake.archive(made[5].id)
    fake.tick()
    clock.advance(300)

    result = runner.sync(settings)

    assert result.status == "success", result.error
    assert result.items_removed == 4
    assert mirror.removed(sessions) == {issue.id for issue in made[:4]}
    tracked = mirror.tracked(sessions)
    assert set(tracked) == {made[4].id, made[5].id, made[6].id}
    assert (tracked[moved.id].key, tracked[moved.id].partition) == ("OPS-1", "team:OPS")
    assert mirror.keys(sessions, moved.id) >= {"ENG-5", "OPS-1"}
    assert tracked[made[5].id].state.value == "done"
    assert mirror.history(sessions, made[1].id, "tracked")[-1][1:3] == ("true", "false")


# Check 7: rate limits and refusals


def test_retry_after_is_honoured_on_the_service_clock(sessions, clock, runner, fake, url):
    labelled(fake, 3)
    fake.rate_limit_next("http", retry_after=7, operation="ActionItems")

    result = runner.sync(source(url))

    assert result.status == "success", result.error
    assert clock.now() - NOW >= timedelta(seconds=7)
    assert mirror.run(sessions, result.run_id).request_statuses["429"] == 1


def test_an_exhausted_budget_waits_for_its_reset_on_the_service_clock(
    sessions, clock, runner, fake, url
):
    labelled(fake, 3)
    fake.rate_limit_next("graphql", status=200, reset=NOW + timedelta(seconds=40))

    result = runner.sync(source(url))

    assert result.status == "success", result.error
    assert clock.now() - NOW >= timedelta(seconds=40)


def test_a_far_reset_ends_the_run_rate_limited_until_the_reset_in_either_form(
    sessions, runner, fake, url
):
    labelled(fake, 3)
    reset = NOW + timedelta(hours=1)
    for form in ("http", "graphql"):
        fake.rate_limit_next(form, reset=reset, bucket="complexity")

        result = runner.sync(source(url))

        run = mirror.run(sessions, result.run_id)
        assert (run.status, run.error_kind, run.retry_at) == ("rate_limited", "rate_limited", reset)


def test_a_refused_credential_fails_the_run_as_misconfigured_without_retrying(
    sessions, runner, fake, url
):
    labelled(fake, 3)
    for token, names in (("lin_api_wrong", "personal API key"), ("lin_oauth_wrong", "OAuth")):
        result = runner.sync(source(url, token=token))

        run = mirror.run(sessions, result.run_id)
        assert (run.status, run.error_kind, run.requests) == ("failed", "misconfigured", 1)
        assert names in run.error
        assert token not in run.error


def test_http_401_403_and_404_are_not_retried(sessions, runner, fake, url):
    labelled(fake, 3)
    for status in (401, 403, 404):
        fake.fail_next(status, times=5, body="no")

        result = runner.sync(source(url))

        run = mirror.run(sessions, result.run_id)
        assert (run.status, run.error_kind, run.requests) == ("failed", "misconfigured", 1)


def test_server_errors_are_retried_within_the_run(sessions, runner, fake, url):
    labelled(fake, 3)
    fake.fail_next(503, times=2)

    result = runner.sync(source(url))

    assert result.status == "success"
    assert mirror.run(sessions, result.run_id).request_statuses["503"] == 2


# A rate limit mid-listing, answered by respx: nothing lost, nothing half-written


def test_a_rate_limit_on_page_two_keeps_page_one_and_the_next_run_resumes(sessions, clock):
    url = "https://api.linear.app/graphql"
    first_page = [issue_node(id=f"n{n}", identifier=f"ENG-{n}", title=f"N{n}") for n in (4, 3)]
    second_page = [issue_node(id=f"n{n}", identifier=f"ENG-{n}", title=f"N{n}") for n in (2, 1)]
    reset = NOW + timedelta(hours=1)
    limited = httpx.Response(
        200,
        json={
            "data": None,
            "errors": [{"message": "slow down", "extensions": {"code": "RATELIMITED"}}],
        },
        headers={
            "X-RateLimit-Requests-Remaining": "0",
            "X-RateLimit-Requests-Reset": str(int(reset.timestamp() * 1000)),
        },
    )
    pages = iter(
        [
            listing(first_page, "after-4-3"),
            limited,
            listing(second_page, None),
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        if sent["operationName"] == "ActionItems":
            return next(pages)
        return httpx.Response(200, json={"data": {"issues": {"nodes": []}}})

    settings = source(url, page_size=2)
    runner = SyncRunner(sessions, clock, {"linear": LinearConnector})
    with respx.mock() as router:
        route = router.post(url).mock(side_effect=answer)
        stopped = runner.sync(settings, reconcile=False)
        assert (stopped.status, stopped.retry_at) == ("rate_limited", reset)
        assert set(mirror.tracked(sessions)) == {"n4", "n3"}
        saved = mirror.state(sessions)["workspace"]
        assert (saved.cursor, saved.resume_token) == (None, "after-4-3")

        clock.advance(3600)
        resumed = runner.sync(settings, reconcile=False)

    assert resumed.status == "success", resumed.error
    assert set(mirror.tracked(sessions)) == {"n4", "n3", "n2", "n1"}
    afters = [
        json.loads(call.request.content)["variables"]["after"]
        for call in route.calls
        if json.loads(call.request.content)["operationName"] == "ActionItems"
    ]
    assert afters == [None, "after-4-3", "after-4-3"]
    assert mirror.state(sessions)["workspace"].resume_token is None


def listing(nodes: list[dict], next_cursor: str | None) -> httpx.Response:
    info = {"hasNextPage": next_cursor is not None, "endCursor": next_cursor}
    return httpx.Response(200, json={"data": {"issues": {"pageInfo": info, "nodes": nodes}}})
