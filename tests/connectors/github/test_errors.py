"""Rate limits, retries and access errors (RELIABILITY rule 8, check 7) on the injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.base import Context
from connectors.errors import AuthError, ConfigError, RateLimited, Retryable
from connectors.github import GitHubConnector
from tests.connectors.fakes import Recorder
from tests.connectors.github.conftest import LABEL, T0, github_config
from tests.support.ports import free_port


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(T0)


@pytest.fixture
def connect(url, recorder):
    made: list[GitHubConnector] = []

    def make(**keys: object) -> GitHubConnector:
        made.append(GitHubConnector(github_config(url, **keys), recorder.context()))
        return made[-1]

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def issues(fake):
    for number in range(3):
        fake.create_issue("acme/api", title=f"Action {number}", labels=(LABEL,))


def sync(connector):
    return [i for page in connector.fetch_changed({}) for i in page.items]


def test_429_with_retry_after_waits_that_long_before_the_retry(fake, connect, recorder, issues):
    fake.fail_next(429, headers={"Retry-After": "7"})

    assert len(sync(connect())) == 3

    assert recorder.sleeps == [7.0]
    (limited_at, limited), (retried_at, retried) = recorder.answered[:2]
    assert (limited, retried) == (429, 200)
    assert retried_at - limited_at >= 7


def test_exhausted_primary_limit_waits_until_the_reset(fake, connect, recorder, issues):
    reset = int((T0 + timedelta(seconds=45)).timestamp())
    fake.fail_next(403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})

    assert len(sync(connect())) == 3

    assert recorder.sleeps == [45.0]
    assert recorder.answered[1] == (45.0, 200)


def test_a_reset_too_far_away_ends_the_run_rate_limited_without_sleeping(
    fake, connect, recorder, issues
):
    reset = int((T0 + timedelta(minutes=40)).timestamp())
    fake.fail_next(403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})

    with pytest.raises(RateLimited) as caught:
        sync(connect())

    assert caught.value.reset_at == T0 + timedelta(minutes=40)
    assert recorder.sleeps == []


def test_server_errors_are_retried_a_bounded_number_of_times(fake, connect, recorder, issues):
    fake.fail_next(502, times=2)
    assert len(sync(connect())) == 3
    assert [status for _, status in recorder.answered[:3]] == [502, 502, 200]
    assert len(recorder.sleeps) == 2

    fake.fail_next(500, times=50)
    with pytest.raises(Retryable, match="acme/api"):
        sync(connect())
    assert [status for _, status in recorder.answered[-5:]] == [500] * 5
    assert all(0 <= pause <= 30 for pause in recorder.sleeps)


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        pytest.param(401, AuthError, "token", id="401-bad-token"),
        pytest.param(403, AuthError, "scopes", id="403-no-access"),
        pytest.param(404, ConfigError, "acme/api: not found", id="404-no-repo"),
    ],
)
def test_a_listing_refused_fails_fast_naming_the_token_or_repo(
    fake, connect, recorder, issues, status, error, message
):
    fake.fail_next(status, times=10)

    with pytest.raises(error, match=message):
        sync(connect())

    assert [status for _, status in recorder.answered] == [status]
    assert recorder.sleeps == []


def test_a_wrong_token_is_refused_by_github_and_never_shown(fake, connect, recorder, issues):
    fake.valid_tokens = {"the-right-one"}

    with pytest.raises(AuthError) as caught:
        sync(connect())

    assert "t0k3n" not in str(caught.value)
    assert "GitHub repo acme/api" in str(caught.value)


def test_an_unknown_org_fails_naming_the_org(fake, connect):
    with pytest.raises(ConfigError, match="GitHub org nobody"):
        sync(connect(repos=[], orgs=["nobody"]))


def test_an_unreachable_server_is_retried_then_reported(recorder):
    port = free_port()
    config = github_config(f"http://127.0.0.1:{port}")
    connector = GitHubConnector(
        config, Context(recorder.clock, recorder.sleep, recorder.on_request)
    )
    try:
        with pytest.raises(Retryable, match="ConnectionError"):
            sync(connector)
    finally:
        connector.close()
    assert recorder.requests == [0] * 5
