"""Every error path of the Linear client (issue 7 item 5) with respx, on the injected clock:
rate limits in both forms with their waits, complexity, auth, server errors, timeouts,
GraphQL errors on HTTP 200, malformed bodies and a repeating cursor."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import respx

from connectors.errors import (
    AuthError,
    BadResponse,
    ConfigError,
    ConnectorError,
    PaginationLoop,
    RateLimited,
    Retryable,
)
from connectors.linear import LinearConnector
from tests.connectors.fakes import Recorder
from tests.connectors.linear.conftest import T0, issue_node, linear_config

URL = "https://api.linear.app/graphql"
API_KEY = "lin_api_s3cr3t"
OAUTH = "lin_oauth_s3cr3t"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(T0)


@pytest.fixture
def linear():
    with respx.mock(assert_all_called=False) as router:
        yield router.post(URL)


@pytest.fixture
def connect(recorder):
    made: list[LinearConnector] = []

    def make(**keys: object) -> LinearConnector:
        config = linear_config(URL, **{"token": API_KEY, **keys})
        made.append(LinearConnector(config, recorder.context()))
        return made[-1]

    yield make
    for connector in made:
        connector.close()


def listing(*nodes: dict, next_cursor: str | None = None) -> httpx.Response:
    """An ActionItems answer: these nodes, and a next page when `next_cursor` is set."""
    info = {"hasNextPage": next_cursor is not None, "endCursor": next_cursor}
    return httpx.Response(200, json={"data": {"issues": {"pageInfo": info, "nodes": nodes}}})


def gql_error(status: int, extensions: dict, message: str = "boom", **headers: str):
    body = {"data": None, "errors": [{"message": message, "extensions": extensions}]}
    return httpx.Response(status, json=body, headers=headers)


def epoch_ms(seconds_from_t0: float) -> str:
    return str(int((T0 + timedelta(seconds=seconds_from_t0)).timestamp() * 1000))


def sync(connector: LinearConnector) -> list:
    return [item for page in connector.fetch_changed({}) for item in page.items]


OK = listing(issue_node())


def test_http_429_with_retry_after_waits_that_long_before_the_retry(linear, connect, recorder):
    linear.side_effect = [httpx.Response(429, headers={"Retry-After": "7"}), OK]

    assert len(sync(connect())) == 1

    assert recorder.sleeps == [7.0]
    assert recorder.answered == [(0.0, 429), (7.0, 200)]


@pytest.mark.parametrize("status", [200, 400])
@pytest.mark.parametrize(
    "extensions", [{"code": "RATELIMITED"}, {"type": "ratelimited"}, {"code": "RateLimited"}]
)
def test_a_ratelimited_graphql_error_waits_for_the_requests_reset(
    linear, connect, recorder, status, extensions
):
    limited = gql_error(
        status,
        extensions,
        "Rate limit exceeded",
        **{
            "X-RateLimit-Requests-Remaining": "0",
            "X-RateLimit-Requests-Reset": epoch_ms(30),
        },
    )
    linear.side_effect = [limited, OK]

    assert len(sync(connect())) == 1

    assert recorder.sleeps == [30.0]
    assert recorder.answered == [(0.0, status), (30.0, 200)]


def test_an_exhausted_complexity_budget_waits_for_the_complexity_reset(linear, connect, recorder):
    limited = gql_error(
        400,
        {"code": "RATELIMITED"},
        **{
            "X-RateLimit-Requests-Remaining": "4000",
            "X-RateLimit-Requests-Reset": epoch_ms(5),
            "X-RateLimit-Complexity-Remaining": "0",
            "X-RateLimit-Complexity-Reset": epoch_ms(42),
        },
    )
    linear.side_effect = [limited, OK]

    assert len(sync(connect())) == 1

    assert recorder.sleeps == [42.0]


def test_a_reset_too_far_away_ends_the_run_rate_limited_without_sleeping(linear, connect, recorder):
    linear.side_effect = [
        gql_error(
            400,
            {"code": "RATELIMITED"},
            **{"X-RateLimit-Requests-Remaining": "0", "X-RateLimit-Requests-Reset": epoch_ms(3600)},
        )
    ]

    with pytest.raises(RateLimited) as caught:
        sync(connect())

    assert caught.value.reset_at == T0 + timedelta(hours=1)
    assert recorder.sleeps == []


def test_a_query_too_complex_fails_naming_page_size_without_retrying(linear, connect, recorder):
    linear.side_effect = [
        gql_error(400, {"code": "GRAPHQL_VALIDATION_FAILED"}, "Query too complex: 12000 > 10000")
    ]

    with pytest.raises(ConfigError, match="page_size"):
        sync(connect(page_size=250))

    assert recorder.requests == [400]


@pytest.mark.parametrize(
    ("token", "says"),
    [
        pytest.param(API_KEY, "API key, sent as `Authorization: <key>` without Bearer", id="key"),
        pytest.param(OAUTH, "OAuth token, sent as `Authorization: Bearer <token>`", id="oauth"),
    ],
)
@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(
            gql_error(400, {"type": "authentication error", "code": "AUTHENTICATION_ERROR"}),
            id="graphql-400",
        ),
        pytest.param(httpx.Response(401, text="Unauthorized"), id="http-401"),
    ],
)
def test_a_refused_credential_fails_fast_naming_the_header_form(
    linear, connect, recorder, token, says, refusal
):
    linear.side_effect = [refusal] * 5

    with pytest.raises(AuthError) as caught:
        sync(connect(token=token))

    assert says in str(caught.value)
    assert token not in str(caught.value)
    assert ("Linear said: boom" in str(caught.value)) == (refusal.status_code == 400)
    assert len(recorder.requests) == 1
    assert recorder.sleeps == []


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(httpx.Response(403, text="Forbidden"), id="http-403"),
        pytest.param(gql_error(200, {"type": "forbidden"}, "Forbidden"), id="graphql-forbidden"),
    ],
)
def test_access_denied_fails_fast_naming_the_read_scope(linear, connect, recorder, refusal):
    linear.side_effect = [refusal] * 5

    with pytest.raises(AuthError, match="read access"):
        sync(connect())

    assert len(recorder.requests) == 1


def test_the_header_form_sent_follows_the_token(linear, connect):
    linear.side_effect = [OK, OK]
    sync(connect(token=API_KEY))
    sync(connect(token=OAUTH))
    sent = [call.request.headers["authorization"] for call in linear.calls]
    assert sent == [API_KEY, f"Bearer {OAUTH}"]


def test_server_errors_are_retried_a_bounded_number_of_times(linear, connect, recorder):
    linear.side_effect = [httpx.Response(502), httpx.Response(503), OK]
    assert len(sync(connect())) == 1
    assert recorder.requests == [502, 503, 200]
    assert len(recorder.sleeps) == 2

    linear.side_effect = [httpx.Response(500)] * 9
    with pytest.raises(Retryable, match="Linear workspace"):
        sync(connect())
    assert recorder.requests[3:] == [500] * 5
    assert all(0 <= pause <= 30 for pause in recorder.sleeps)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
    ids=["connect-timeout", "read-timeout", "refused"],
)
def test_network_failures_are_retried_bounded_and_counted_as_status_0(
    linear, connect, recorder, failure
):
    linear.side_effect = [failure, OK]
    assert len(sync(connect())) == 1
    assert recorder.requests == [0, 200]

    linear.side_effect = [failure] * 9
    with pytest.raises(Retryable, match="talking to Linear"):
        sync(connect())
    assert recorder.requests[2:] == [0] * 5


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        pytest.param(gql_error(200, {"code": "INTERNAL"}, "Cannot query"), BadResponse, id="200"),
        pytest.param(httpx.Response(200, text='{"data": {"issues"'), BadResponse, id="truncated"),
        pytest.param(httpx.Response(200, text="<html>oops</html>"), BadResponse, id="html"),
        pytest.param(httpx.Response(200, json={"data": {"issues": []}}), BadResponse, id="shape"),
        pytest.param(httpx.Response(400, text="Bad Request"), ConnectorError, id="bare-400"),
    ],
)
def test_errors_and_unreadable_bodies_fail_without_retrying(
    linear, connect, recorder, reply, error
):
    linear.side_effect = [reply] * 3

    with pytest.raises(error):
        sync(connect())

    assert len(recorder.requests) == 1


def test_a_repeating_end_cursor_is_a_pagination_loop(linear, connect):
    linear.side_effect = [
        listing(issue_node(id="a", identifier="ENG-1"), next_cursor="c1"),
        listing(issue_node(id="b", identifier="ENG-2"), next_cursor="c1"),
    ]
    pages = connect().fetch_changed({})

    first = next(pages)
    assert first.state.resume_token == "c1"
    with pytest.raises(PaginationLoop, match="c1"):
        next(pages)


def test_a_failure_mid_listing_leaves_earlier_pages_resumable(linear, connect, recorder):
    linear.side_effect = [
        listing(issue_node(id="a", identifier="ENG-1"), next_cursor="c1"),
        httpx.Response(500),
    ] + [httpx.Response(500)] * 4
    pages = connect().fetch_changed({})

    first = next(pages)
    with pytest.raises(Retryable):
        next(pages)

    assert [item.external_id for item in first.items] == ["a"]
    assert (first.state.cursor, first.state.resume_token) == (None, "c1")
    sent = json.loads(linear.calls[-1].request.content)
    assert sent["variables"]["after"] == "c1"
