"""RELIABILITY checks 1, 3, 5, 6 and 7 and the request budgets, with the GitHub connector
syncing a fake GitHub over real HTTP through the SyncRunner into SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from connectors.github import GitHubConnector
from connectors.testing import FakeGitHub, seed_github
from service.config import SourceSettings
from service.sync.runner import SyncRunner
from tests.conftest import NOW
from tests.connectors.contract import items_of
from tests.connectors.fakes import FakeTime, crashing
from tests.connectors.github.conftest import LABEL, T0, github_config
from tests.service.sync import mirror
from tests.support.scripted import Crash

REPOS = ["acme/api", "acme/web"]


def source(url: str, **keys: object) -> SourceSettings:
    config = github_config(url, name="demo", **keys)
    return SourceSettings(name="demo", kind="github", connector=config)


@pytest.fixture
def runner(sessions, clock) -> SyncRunner:
    return SyncRunner(sessions, clock, {"github": GitHubConnector})


def expected(url: str, **keys: object) -> dict:
    """What the mirror should hold: a fresh full listing of the fake, newest version of each."""
    connector = GitHubConnector(github_config(url, name="demo", **keys), FakeTime(T0).context())
    try:
        pages = list(connector.fetch_changed({}, full=True))
    finally:
        connector.close()
    return {item.external_id: item for item in items_of(pages)}


def listing_requests(fake: FakeGitHub, since: int = 0) -> int:
    return sum(1 for r in fake.requests[since:] if r.path.endswith("/issues"))


def labelled(fake: FakeGitHub, count: int, repo: str = "acme/api") -> list:
    made = []
    for number in range(count):
        made.append(fake.create_issue(repo, title=f"Action {number}", labels=(LABEL,)))
        fake.tick()
    return made


# Check 1: crash and resume


@pytest.mark.parametrize("k", [1, 4, 9])
def test_a_sync_killed_after_page_k_resumes_and_rereads_at_most_one_page(
    sessions, clock, fake, url, k
):
    labelled(fake, 30)
    settings = source(url, page_size=3)
    with pytest.raises(Crash):
        SyncRunner(sessions, clock, {"github": crashing(GitHubConnector, k)}).sync(settings)
    committed = len(mirror.tracked(sessions))
    # The first page brings three items; each re-anchored page repeats its boundary item.
    assert committed == 3 + 2 * (k - 1)

    clock.advance(600)
    mirror.expire_leases(sessions)  # the killed process stays dead past its lease's TTL
    before = len(fake.requests)
    runner = SyncRunner(sessions, clock, {"github": GitHubConnector})
    resumed = runner.run(runner.open_run(settings), settings, reconcile=False)
    requests = listing_requests(fake, before)

    assert resumed.status == "success", resumed.error
    assert mirror.tracked(sessions) == expected(url, page_size=3)
    assert mirror.duplicate_keys(sessions) == []
    remaining = 30 - committed
    assert resumed.items_changed == remaining
    assert resumed.items_seen <= remaining + 3, "more than one page re-read"
    assert requests <= math.ceil((remaining + 3) / 2) + 1


# Check 3: ties at the boundary


def test_a_late_item_sharing_the_cursor_timestamp_is_not_lost(sessions, runner, fake, url):
    settings = source(url, overlap=0, page_size=3)
    tie = fake.now
    for number in range(5):
        fake.create_issue("acme/api", title=f"Tied {number}", labels=(LABEL,))
    runner.sync(settings)
    assert mirror.state(sessions)["repo:acme/api"].cursor == tie

    late = fake.create_issue("acme/api", title="Late, same second", labels=(LABEL,))
    result = runner.sync(settings)

    assert late.node_id in mirror.tracked(sessions)
    assert len(mirror.tracked(sessions)) == 6
    assert mirror.duplicate_keys(sessions) == []
    assert result.items_changed == 1


# Check 5: shifting pages


def test_an_item_updated_mid_paging_is_mirrored_in_the_same_sync(
    sessions, runner, fake, url, link_style
):
    made = labelled(fake, 12)

    def bump(page: int) -> None:
        if page == 1:
            fake.tick()
            fake.update_issue(made[0].node_id, title="Edited mid-sync")
            fake.on_list_page = None

    fake.on_list_page = bump
    result = runner.sync(source(url, page_size=4))

    assert result.status == "success"
    assert mirror.tracked(sessions) == expected(url, page_size=4)
    assert mirror.tracked(sessions)[made[0].node_id].title == "Edited mid-sync"


# Check 6: deletes, label removal, transfers, hidden items


def test_reconciliation_marks_every_way_of_leaving_and_tracks_the_transferred_copy(
    sessions, clock, runner, fake, url
):
    made = labelled(fake, 6)
    settings = source(url, repos=REPOS)
    runner.sync(settings)
    fake.tick()
    fake.remove_label(made[0].node_id, LABEL)
    fake.delete_issue(made[1].node_id)
    moved = fake.transfer_issue(made[2].node_id, "acme/web")
    fake.hide_issue(made[3].node_id)
    clock.advance(300)

    result = runner.sync(settings)

    assert result.status == "success", result.error
    assert result.items_removed == 4
    assert mirror.removed(sessions) == {issue.node_id for issue in made[:4]}
    tracked = mirror.tracked(sessions)
    assert tracked[moved.node_id].key == f"acme/web#{moved.number}"
    assert set(tracked) == {made[4].node_id, made[5].node_id, moved.node_id}
    history = mirror.history(sessions, made[1].node_id, "tracked")
    assert history[-1][1:3] == ("true", "false")


# Check 7: rate limits and refusals


def test_retry_after_is_honoured_on_the_service_clock(sessions, clock, runner, fake, url):
    labelled(fake, 3)
    fake.fail_next(429, headers={"Retry-After": "7"})

    result = runner.sync(source(url))

    assert result.status == "success"
    assert clock.now() - NOW >= timedelta(seconds=7)
    assert mirror.run(sessions, result.run_id).request_statuses == {"200": 2, "429": 1}


def test_a_far_reset_ends_the_run_rate_limited_until_the_reset(sessions, runner, fake, url):
    labelled(fake, 3)
    reset = NOW + timedelta(hours=1)
    fake.fail_next(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(reset.timestamp()))},
    )

    result = runner.sync(source(url))

    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.error_kind, run.retry_at) == ("rate_limited", "rate_limited", reset)


@pytest.mark.parametrize(
    ("status", "names"),
    [(401, "check the token"), (403, "check the token's scopes"), (404, "GitHub repo acme/api")],
)
def test_a_refused_listing_fails_the_run_as_misconfigured_without_retrying(
    sessions, runner, fake, url, status, names
):
    labelled(fake, 3)
    fake.fail_next(status, times=5)

    result = runner.sync(source(url))

    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.error_kind, run.requests) == ("failed", "misconfigured", 1)
    assert names in run.error
    assert "t0k3n" not in run.error


def test_server_errors_are_retried_within_the_run(sessions, runner, fake, url):
    labelled(fake, 3)
    fake.fail_next(503, times=2)

    result = runner.sync(source(url))

    assert result.status == "success"
    assert mirror.run(sessions, result.run_id).request_statuses == {"200": 2, "503": 2}


# Request budgets


def test_request_budgets_first_sync_unchanged_poll_and_reconciliation(
    sessions, clock, runner, fake, url
):
    seed_github(fake, seed=5, labelled=400, unlabelled=300, pull_requests=90, now=T0)
    settings = source(url, repos=REPOS)
    floor = sum(
        math.ceil(sum(LABEL in i.label_names() for i in fake.issues(repo)) / 100) for repo in REPOS
    )
    wont_do = [
        i
        for i in fake.issues()
        if LABEL in i.label_names()
        and not i.pull_request
        and i.state_reason in ("not_planned", "duplicate")
    ]

    first = runner.sync(settings)

    assert first.items_seen == 400
    comment_requests = sum(1 for r in fake.requests if r.path.endswith("/comments"))
    assert comment_requests == len(wont_do), "one comment search per wont_do item, once"
    assert first.requests <= floor + 2 * len(REPOS) + len(wont_do)

    clock.advance(300)
    poll = runner.run(runner.open_run(settings), settings, reconcile=False)
    assert poll.requests == len(REPOS)
    assert mirror.run(sessions, poll.run_id).request_statuses == {"304": len(REPOS)}

    clock.advance(300)
    one_shot = runner.sync(settings)
    assert one_shot.items_removed == 0
    assert one_shot.requests <= len(REPOS) + floor + len(REPOS)


def test_history_is_fetched_only_for_items_whose_state_owner_or_due_changed(
    sessions, clock, runner, fake, url
):
    made = labelled(fake, 6)
    settings = source(url)
    runner.sync(settings)
    fake.tick()
    fake.update_issue(made[1].node_id, state="closed", state_reason="not_planned")
    fake.update_issue(made[2].node_id, assignees=("ana",))
    fake.update_issue(made[3].node_id, title="Reworded only")
    clock.advance(300)
    before = len(fake.requests)

    runner.run(runner.open_run(settings), settings, reconcile=False)

    events = sorted(r.path for r in fake.requests[before:] if r.path.endswith("/events"))
    assert events == [f"/repos/acme/api/issues/{made[n].number}/events" for n in (1, 2)]
    state = mirror.history(sessions, made[1].node_id, "state")
    assert [(at, after) for at, _, after, _ in state][-1] == (fake.now, "wont_do")


# Reasons for wont_do decisions


def test_an_issue_closed_as_not_planned_gets_its_closing_comment_as_the_decision(
    sessions, clock, runner, fake, url
):
    made = labelled(fake, 3)
    settings = source(url)
    runner.sync(settings)
    fake.tick(3600)
    fake.comment(made[1].node_id, "Not doing this: the queue is being retired", user="ana")
    fake.update_issue(made[1].node_id, state="closed", state_reason="not_planned")
    fake.comment(made[2].node_id, "Way before the close", at=fake.now - timedelta(hours=3))
    fake.update_issue(made[2].node_id, state="closed", state_reason="not_planned")
    clock.advance(3 * 3600)  # past the hour after both decisions

    runner.sync(settings)
    before = len(fake.requests)
    clock.advance(300)
    runner.sync(settings)

    rows = mirror.rows(sessions)
    explained, unexplained = rows[made[1].node_id], rows[made[2].node_id]
    assert (explained.decision, explained.decision_at, explained.decision_author) == (
        "Not doing this: the queue is being retired",
        fake.now,
        "ana",
    )
    assert unexplained.decision is None
    assert unexplained.decision_checked_at is not None
    assert not any(r.path.endswith("/comments") for r in fake.requests[before:])


def test_a_first_sync_of_the_seeded_dataset_finds_the_reasons_it_seeded(
    sessions, runner, fake, url
):
    seed_github(fake, seed=3, labelled=60, now=T0 - timedelta(days=1))

    runner.sync(source(url, repos=REPOS))

    rows = mirror.rows(sessions)
    for issue in fake.issues():
        if issue.state_reason in ("not_planned", "duplicate"):
            expected = issue.thread[0].body if issue.thread else None
            assert rows[issue.node_id].decision == expected
