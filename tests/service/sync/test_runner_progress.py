"""The runner's progress callback: a snapshot at the start, after each committed page, on
each wait a connector sleeps (rate limit or retry back-off), at reconciliation and at the
end, with the same counts the run records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.github.config import GitHubConfig
from connectors.registry import load_connectors
from connectors.testing import FakeGitHub, serve
from service.config import SourceSettings
from service.sync.runner import Phase, SyncProgress, SyncRunner
from tests.conftest import NOW


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub(now=NOW)
    fake.add_repo("acme/api")
    for number in range(5):
        fake.create_issue("acme/api", title=f"Action {number}", labels=["incident-action"])
    with serve(fake.app) as url:
        yield fake, url


def sync_observed(sessions, clock, url: str) -> tuple[list[SyncProgress], object]:
    seen: list[SyncProgress] = []
    config = GitHubConfig(name="gh", url=url, token="t", repos=["acme/api"], page_size=2)
    source = SourceSettings(name="gh", kind="github", connector=config)
    runner = SyncRunner(sessions, clock, load_connectors(), on_progress=seen.append)
    return seen, runner.sync(source)


def test_progress_reports_each_committed_page_then_the_end(sessions, clock, github):
    seen, result = sync_observed(sessions, clock, github[1])

    assert (seen[0].phase, seen[0].pages) == (Phase.LISTING, 0)
    listing = [p for p in seen if p.phase is Phase.LISTING and p.pages > 0]
    assert [p.pages for p in listing] == list(range(1, len(listing) + 1))
    assert [p.items_seen for p in listing][:3] == [2, 4, 5]
    assert Phase.RECONCILING in {p.phase for p in seen}
    last = seen[-1]
    assert (last.phase, last.status) == (Phase.DONE, "success")
    assert (last.items_seen, last.requests) == (result.items_seen, result.requests)
    assert {p.source for p in seen} == {"gh"}


def test_a_rate_limit_wait_is_reported_before_the_connector_sleeps(sessions, clock, github):
    fake, url = github
    fake.fail_next(429, headers={"Retry-After": "7"})

    seen, result = sync_observed(sessions, clock, url)

    waiting = [p for p in seen if p.phase is Phase.WAITING]
    assert len(waiting) == 1
    assert (waiting[0].waits, waiting[0].waited_seconds) == (1, 7.0)
    assert clock.sleeps == [7.0]
    assert result.status == "success"
    assert (seen[-1].waits, seen[-1].waited_seconds) == (1, 7.0)


def test_without_a_callback_the_runner_reports_nothing_and_syncs_as_before(sessions, clock, github):
    config = GitHubConfig(name="gh", url=github[1], token="t", repos=["acme/api"])
    source = SourceSettings(name="gh", kind="github", connector=config)

    result = SyncRunner(sessions, clock, load_connectors()).sync(source)

    assert (result.status, result.items_seen) == ("success", 5)
