"""Error classification (RELIABILITY rule 8) and the one retry policy, on fake time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from connectors.errors import (
    AuthError,
    BadResponse,
    ConfigError,
    ConnectorError,
    RateLimited,
    Retryable,
)
from connectors.retry import (
    RetryPolicy,
    classify_graphql_errors,
    classify_response,
    parse_reset,
    parse_retry_after,
)
from tests.connectors.fakes import FakeTime

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EPOCH_NOW = int(NOW.timestamp())
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


def classify(status: int, headers: dict[str, str] | None = None, body: str = ""):
    return classify_response(status, headers or {}, now=NOW, what="repo acme/web", body_hint=body)


# --- classification ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 204, 304])
def test_success_and_not_modified_are_not_errors(status):
    assert classify(status) is None


def test_429_with_retry_after_seconds_waits_that_long():
    error = classify(429, {"Retry-After": "7"})
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


def test_429_with_retry_after_http_date_waits_until_then():
    error = classify(
        429, {"retry-after": format_datetime(NOW + timedelta(seconds=90), usegmt=True)}
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after == 90.0


def test_429_without_timing_headers_is_still_rate_limited():
    error = classify(429)
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.reset_at) == (None, None)


def test_github_403_with_no_remaining_requests_waits_until_the_epoch_reset():
    error = classify(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(EPOCH_NOW + 600)})
    assert isinstance(error, RateLimited)
    assert error.retry_after is None
    assert error.reset_at == NOW + timedelta(seconds=600)


@pytest.mark.parametrize(
    "body",
    [
        SECONDARY,
        "You have exceeded a secondary rate limit and have been temporarily blocked.",
        "API rate limit exceeded for user ID 1.",
    ],
)
def test_github_403_with_a_rate_limit_message_is_rate_limited(body):
    assert isinstance(classify(403, {"X-RateLimit-Remaining": "4000"}, body), RateLimited)


def test_github_403_secondary_limit_honours_its_retry_after():
    error = classify(403, {"Retry-After": "60"}, SECONDARY)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 60.0


@pytest.mark.parametrize(
    "body",
    [
        "Resource not accessible by personal access token",
        "Must have admin rights; see the rate limit guide for API quotas",
        "Rate limits are disabled on this instance",
    ],
)
def test_plain_403_mentioning_rate_limits_in_another_sense_is_an_access_error(body):
    error = classify(403, {"X-RateLimit-Remaining": "4999"}, body)
    assert isinstance(error, AuthError)
    assert "repo acme/web" in str(error)


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_auth_errors_naming_the_resource(status):
    error = classify(status)
    assert type(error) is AuthError
    assert "repo acme/web" in str(error)
    assert str(status) in str(error)


@pytest.mark.parametrize("status", [404, 410])
def test_404_and_410_are_config_errors_naming_the_resource(status):
    error = classify(status)
    assert type(error) is ConfigError
    assert "repo acme/web" in str(error)


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_that_was_not_followed_is_a_config_error(status):
    assert type(classify(status)) is ConfigError


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_transient_statuses_are_retryable(status):
    error = classify(status, body="Bad gateway")
    assert type(error) is Retryable
    assert "Bad gateway" in str(error)


def test_503_with_retry_after_is_a_rate_limit():
    error = classify(503, {"Retry-After": "20"})
    assert isinstance(error, RateLimited)
    assert error.retry_after == 20.0


@pytest.mark.parametrize("status", [400, 422, 418])
def test_other_statuses_are_plain_connector_errors(status):
    assert type(classify(status)) is ConnectorError


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(str(EPOCH_NOW + 60), NOW + timedelta(seconds=60), id="github-epoch-seconds"),
        pytest.param(
            str((EPOCH_NOW + 60) * 1000), NOW + timedelta(seconds=60), id="linear-epoch-ms"
        ),
        pytest.param("2026-03-02T12:01:00Z", NOW + timedelta(seconds=60), id="jira-iso-z"),
        pytest.param("2026-03-02T12:01:00.000+0000", NOW + timedelta(seconds=60), id="jira-iso"),
        pytest.param("2026-03-02T13:01:00+01:00", NOW + timedelta(seconds=60), id="iso-offset"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
        pytest.param("-5", None, id="negative"),
        pytest.param("nan", None, id="nan"),
        pytest.param("1e300", None, id="overflow"),
    ],
)
def test_parse_reset_reads_epoch_seconds_epoch_ms_and_iso(header, expected):
    assert parse_reset(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("inf", None), ("whenever", None), (None, None)],
)
def test_parse_retry_after_reads_seconds(header, expected):
    assert parse_retry_after(header, NOW) == expected


def test_parse_retry_after_in_the_past_means_no_wait():
    past = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(past, NOW) == 0.0


def test_jira_429_carries_retry_after_and_its_iso_reset():
    error = classify(429, {"Retry-After": "5", "X-RateLimit-Reset": "2026-03-02T12:01:00Z"})
    assert isinstance(error, RateLimited)
    assert error.retry_after == 5.0
    assert error.reset_at == NOW + timedelta(seconds=60)


def test_linear_429_waits_for_the_exhausted_bucket():
    requests_reset = (EPOCH_NOW + 3000) * 1000
    complexity_reset = (EPOCH_NOW + 30) * 1000
    error = classify(
        429,
        {
            "X-RateLimit-Requests-Remaining": "900",
            "X-RateLimit-Requests-Reset": str(requests_reset),
            "X-RateLimit-Complexity-Remaining": "0",
            "X-RateLimit-Complexity-Reset": str(complexity_reset),
        },
    )
    assert isinstance(error, RateLimited)
    assert error.reset_at == NOW + timedelta(seconds=30)


# --- GraphQL errors ----------------------------------------------------------------------


def graphql(errors: list[object], headers: dict[str, str] | None = None):
    return classify_graphql_errors(errors, now=NOW, what="Linear team ENG", headers=headers)


@pytest.mark.parametrize(
    "extensions",
    [{"type": "Ratelimited"}, {"code": "RATELIMITED"}, {"type": "x", "code": "ratelimited"}],
)
def test_graphql_ratelimited_error_is_a_rate_limit(extensions):
    error = graphql([{"message": "Rate limit exceeded", "extensions": extensions}])
    assert isinstance(error, RateLimited)
    assert "Linear team ENG" in str(error)


def test_graphql_rate_limit_takes_its_timing_from_the_headers():
    error = graphql(
        [{"message": "slow down", "extensions": {"code": "RATELIMITED"}}],
        {"Retry-After": "12", "X-RateLimit-Requests-Reset": str((EPOCH_NOW + 60) * 1000)},
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after == 12.0
    assert error.reset_at == NOW + timedelta(seconds=60)


@pytest.mark.parametrize(
    "extensions",
    [
        {"type": "authentication error"},
        {"code": "AUTHENTICATION_ERROR"},
        {"code": "UNAUTHENTICATED"},
        {"type": "forbidden"},
    ],
)
def test_graphql_authentication_errors_are_auth_errors(extensions):
    error = graphql([{"message": "Authentication required", "extensions": extensions}])
    assert type(error) is AuthError


def test_other_graphql_errors_are_bad_responses_quoting_the_message():
    error = graphql([{"message": "Cannot query field 'x'"}, "not even an object"])
    assert type(error) is BadResponse
    assert "Cannot query field 'x'" in str(error)


def test_an_empty_graphql_errors_array_is_no_error():
    assert graphql([]) is None


# --- the retry policy --------------------------------------------------------------------


class Script:
    """An operation that raises the scripted errors in turn, then returns "ok", recording
    the fake time of every call."""

    def __init__(self, time: FakeTime, outcomes: list[ConnectorError]) -> None:
        self.time = time
        self.outcomes = list(outcomes)
        self.calls: list[datetime] = []

    def __call__(self) -> str:
        self.calls.append(self.time.now)
        if self.outcomes:
            raise self.outcomes.pop(0)
        return "ok"


@pytest.fixture
def time() -> FakeTime:
    return FakeTime(NOW)


def policy(time: FakeTime, rng: Callable[[], float] = lambda: 0.5, **kwargs) -> RetryPolicy:
    return RetryPolicy(sleep=time.sleep, clock=time.clock, rng=rng, **kwargs)


def test_retry_after_7_means_exactly_one_7_second_wait_before_the_retry(time):
    op = Script(time, [classify(429, {"Retry-After": "7"})])
    assert policy(time).call(op) == "ok"
    assert time.sleeps == [7.0]
    assert op.calls == [NOW, NOW + timedelta(seconds=7)]


def test_no_remaining_requests_waits_until_the_reset(time):
    limited = classify(
        403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH_NOW + 45)}
    )
    op = Script(time, [limited])
    assert policy(time).call(op) == "ok"
    assert time.sleeps == [45.0]
    assert op.calls[1] == NOW + timedelta(seconds=45)


def test_a_reset_already_past_retries_at_once(time):
    limited = classify(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH_NOW)})
    time.now += timedelta(seconds=5)
    assert policy(time).call(Script(time, [limited])) == "ok"
    assert time.sleeps == [0.0]


def test_server_errors_back_off_exponentially_with_full_jitter_capped(time):
    op = Script(time, [classify(503)] * 10)
    draws = iter([1.0, 1.0, 1.0, 1.0, 0.25])
    with pytest.raises(Retryable):
        policy(time, rng=lambda: next(draws), max_tries=6, base_delay=1.0, max_delay=5.0).call(op)
    assert len(op.calls) == 6
    assert time.sleeps == [1.0, 2.0, 4.0, 5.0, 1.25]


def test_server_errors_recover_when_a_retry_succeeds(time):
    op = Script(time, [classify(502), classify(500)])
    assert policy(time).call(op) == "ok"
    assert time.sleeps == [0.5, 1.0]
    assert len(op.calls) == 3


def test_a_rate_limit_wait_above_max_wait_is_not_slept_and_propagates(time):
    op = Script(time, [classify(429, {"Retry-After": "121"})])
    with pytest.raises(RateLimited) as raised:
        policy(time).call(op)
    assert raised.value.retry_after == 121.0
    assert time.sleeps == []
    assert len(op.calls) == 1


def test_a_reset_an_hour_away_is_not_slept(time):
    limited = classify(
        403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH_NOW + 3600)}
    )
    with pytest.raises(RateLimited):
        policy(time).call(Script(time, [limited]))
    assert time.sleeps == []


def test_a_wait_of_exactly_max_wait_is_slept(time):
    op = Script(time, [classify(429, {"Retry-After": "120"})])
    assert policy(time).call(op) == "ok"
    assert time.sleeps == [120.0]


def test_a_rate_limit_without_timing_waits_the_fallback_then_doubles(time):
    op = Script(time, [classify(403, body=SECONDARY)] * 3)
    with pytest.raises(RateLimited):
        policy(time).call(op)
    assert time.sleeps == [60.0, 120.0]
    assert len(op.calls) == 3


def test_repeated_rate_limits_are_bounded_by_max_tries(time):
    op = Script(time, [classify(429, {"Retry-After": "1"})] * 10)
    with pytest.raises(RateLimited):
        policy(time, max_tries=3).call(op)
    assert time.sleeps == [1.0, 1.0]
    assert len(op.calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        AuthError("token rejected"),
        ConfigError("repo not found"),
        BadResponse("truncated JSON"),
        ConnectorError("HTTP 400"),
    ],
)
def test_errors_that_are_not_transient_are_never_retried(time, error):
    op = Script(time, [error])
    with pytest.raises(type(error)):
        policy(time).call(op)
    assert len(op.calls) == 1
    assert time.sleeps == []
