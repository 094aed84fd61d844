"""Rate limits, retries and refusals (RELIABILITY rule 8, check 7) on the injected clock,
and the messages that name the credential, scope or JQL at fault."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest

from connectors.errors import AuthError, BadResponse, ConfigError, RateLimited, Retryable
from connectors.jira import JiraConnector
from tests.connectors.fakes import Recorder
from tests.connectors.jira.conftest import T0, jira_config, labelled

SEARCH = "/search"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(T0)


@pytest.fixture
def time(recorder: Recorder) -> Recorder:
    """The connectors' clock (see conftest's `make_connector`) is the recorder."""
    return recorder


def sync(connector: JiraConnector) -> list:
    return list(connector.fetch_changed({}))


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Retry-After": "7"}, id="retry-after-seconds"),
        pytest.param(
            {"Retry-After": format_datetime(T0 + timedelta(seconds=7), usegmt=True)}, id="http-date"
        ),
        pytest.param({"X-RateLimit-Reset": "2026-03-02T12:00:07.000+0000"}, id="iso-reset"),
    ],
)
def test_429_waits_on_the_virtual_clock_before_the_next_request(
    fake, make_connector, recorder, headers
):
    labelled(fake, 2)
    fake.fail_next(429, headers=headers, path_contains=SEARCH)
    pages = sync(make_connector())
    assert len([i for p in pages for i in p.items]) == 2
    limited = [at for at, status in recorder.answered if status == 429]
    after = [at for at, status in recorder.answered if status == 200 and at > 0]
    assert limited == [0.0]
    assert after
    assert min(after) >= 7.0
    assert recorder.sleeps == [pytest.approx(7.0)]


def test_a_long_rate_limit_ends_the_run_without_sleeping(fake, make_connector, recorder):
    labelled(fake, 1)
    fake.fail_next(429, headers={"Retry-After": "3600"}, path_contains=SEARCH)
    with pytest.raises(RateLimited) as raised:
        sync(make_connector())
    assert raised.value.retry_after == 3600
    assert recorder.sleeps == []


def test_503_is_retried_a_bounded_number_of_times(fake, make_connector, recorder):
    labelled(fake, 1)
    fake.fail_next(503, times=10, path_contains=SEARCH)
    with pytest.raises(Retryable):
        sync(make_connector())
    assert [s for s in recorder.requests if s == 503] == [503] * 5


def test_503_then_success_syncs(fake, make_connector, recorder):
    labelled(fake, 1)
    fake.fail_next(503, times=2, path_contains=SEARCH)
    assert len(sync(make_connector())) == 1


@pytest.mark.parametrize(
    ("status", "kind", "cloud_words", "dc_words"),
    [
        (401, AuthError, "email and API token", "personal access token"),
        (403, AuthError, "read:jira-work", "Browse Projects"),
    ],
)
def test_refused_credentials_fail_at_once_naming_the_credential(
    fake, make_connector, recorder, status, kind, cloud_words, dc_words
):
    labelled(fake, 1)
    fake.fail_next(status, times=5, path_contains=SEARCH)
    with pytest.raises(kind) as raised:
        sync(make_connector())
    assert (cloud_words if fake.cloud else dc_words) in str(raised.value)
    assert fake.token not in str(raised.value)
    assert recorder.requests.count(status) == 1


def test_a_wrong_token_is_refused_on_myself_naming_the_credential(fake, url, recorder):
    fake.token = "rotated"
    connector = JiraConnector(jira_config(fake, url, token="stale"), recorder.context())
    try:
        with pytest.raises(AuthError, match=r"/myself.*HTTP 401"):
            sync(connector)
    finally:
        connector.close()


def test_bad_jql_is_a_config_error_naming_the_jql(fake, make_connector):
    labelled(fake, 1)
    with pytest.raises(ConfigError) as raised:
        sync(make_connector(jql="project ~ OPS"))
    message = str(raised.value)
    assert "check the jql" in message
    assert "project ~ OPS" in message


@pytest.mark.parametrize("flavour", ["cloud"])
def test_jira_cloud_without_an_email_is_a_config_error(fake, url, recorder):
    config = jira_config(fake, url).model_copy(update={"email": None})
    connector = JiraConnector(config, recorder.context())
    try:
        with pytest.raises(ConfigError, match="set `email`"):
            sync(connector)
    finally:
        connector.close()


def test_an_unknown_type_field_is_a_config_error(fake, make_connector):
    with pytest.raises(ConfigError, match="'Kind of action'"):
        sync(make_connector(type_field="Kind of action"))


@pytest.mark.parametrize(
    "body", ["<html><body>Service maintenance</body></html>", '{"issues": [', '{"total": 1}']
)
def test_an_unreadable_search_page_is_a_bad_response(fake, make_connector, body):
    labelled(fake, 1)
    fake.fail_next(200, body=body, path_contains=SEARCH)
    with pytest.raises(BadResponse):
        sync(make_connector())
