"""Per-client rate limiting (`api.rate_limit`): a token bucket per client, 429 `rate_limited`
with `Retry-After` when empty, probes exempt; time is the manual clock, nothing sleeps."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from service.api.ratelimit import TokenBuckets, client_key
from service.config import ApiSettings, ConfigError, RateLimit, parse_settings
from tests.service.api.conftest import ADMIN, READ, bearer

ITEMS = "/api/v1/items"


def spend(client: TestClient, n: int, **options: object) -> list[int]:
    return [client.get(ITEMS, **options).status_code for _ in range(n)]  # type: ignore[arg-type]


# --- the config key ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("600/1m", RateLimit(requests=600, per=timedelta(minutes=1))),
        ("10 / 5s", RateLimit(requests=10, per=timedelta(seconds=5))),
        ("off", None),
        (False, None),  # YAML reads a bare `off` as false
        (None, None),
    ],
)
def test_rate_limit_is_requests_per_duration_or_off(value, expected):
    settings = parse_settings({"api": {"rate_limit": value}}, {}, env={})
    assert settings.api.rate_limit == expected


def test_the_default_is_600_a_minute_per_client():
    assert parse_settings({}, {}, env={}).api.rate_limit == RateLimit(
        requests=600, per=timedelta(minutes=1)
    )


@pytest.mark.parametrize("value", ["600", "600/1x", "0/1m", 600, True, {"requests": 6}, "1/0s"])
def test_a_bad_rate_limit_is_a_config_error_naming_the_key(value):
    with pytest.raises(ConfigError, match=r"^config: api\.rate_limit: "):
        parse_settings({"api": {"rate_limit": value}}, {}, env={})


# --- the API ----------------------------------------------------------------------------


def test_over_the_limit_is_429_rate_limited_with_retry_after(make_client):
    client = make_client(rate_limit="3/1m")
    assert spend(client, 3) == [200, 200, 200]

    response = client.get(ITEMS)

    assert response.status_code == 429
    assert response.json() == {
        "error": {
            "code": "rate_limited",
            "message": "too many requests from this client; retry in 20 s",
        }
    }
    assert response.headers["retry-after"] == "20"  # 3 a minute: one request back every 20 s


def test_no_request_passes_before_retry_after_has_elapsed(make_client, clock):
    client = make_client(rate_limit="3/1m")
    spend(client, 3)
    assert client.get(ITEMS).headers["retry-after"] == "20"

    clock.advance(19)
    refused = client.get(ITEMS)
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")

    clock.advance(1)
    assert spend(client, 2) == [200, 429]


def test_a_quiet_client_gets_its_whole_burst_back(make_client, clock):
    client = make_client(rate_limit="3/1m")
    spend(client, 4)
    clock.advance(3600)
    assert spend(client, 4) == [200, 200, 200, 429]


def test_refused_requests_do_not_lengthen_the_wait(make_client, clock):
    client = make_client(rate_limit="3/1m")
    assert spend(client, 10) == [200] * 3 + [429] * 7
    clock.advance(20)
    assert client.get(ITEMS).status_code == 200


def test_each_configured_token_has_its_own_bucket_apart_from_the_address(make_client):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN], rate_limit="2/1m")
    assert spend(client, 3, headers=bearer(READ)) == [200, 200, 429]
    assert spend(client, 3, headers=bearer(ADMIN)) == [200, 200, 429]
    assert [client.get("/openapi.json").status_code for _ in range(3)] == [401, 401, 429]


def test_basic_auth_counts_against_the_same_token_bucket_as_bearer(make_client):
    client = make_client(read_tokens=[READ], rate_limit="2/1m")
    basic = {"Authorization": "Basic " + base64.b64encode(f"me:{READ}".encode()).decode()}
    assert client.get(ITEMS, headers=bearer(READ)).status_code == 200
    assert client.get(ITEMS, headers=basic).status_code == 401  # the API takes only Bearer
    assert client.get(ITEMS, headers=bearer(READ)).status_code == 429


def test_unknown_tokens_share_their_addresss_bucket(make_client):
    """Rotating made-up tokens does not buy a fresh bucket each time."""
    client = make_client(read_tokens=[READ], rate_limit="3/1m")
    statuses = [client.get(ITEMS, headers=bearer(f"guess-{n}")).status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert client.get(ITEMS).status_code == 429  # the same address without a token


def test_unknown_paths_and_methods_count_too(make_client):
    client = make_client(rate_limit="2/1m")
    assert client.get("/wp-login.php").status_code == 404
    assert client.delete(ITEMS).status_code == 405
    assert client.get(ITEMS).status_code == 429


def test_the_probes_are_never_limited(make_client):
    client = make_client(rate_limit="1/1h")
    spend(client, 2)
    assert {client.get(path).status_code for path in ["/healthz", "/readyz"] * 5} == {200}


def test_with_the_limit_off_nothing_is_refused(make_client):
    client = make_client(rate_limit="off")
    assert set(spend(client, 50)) == {200}


def test_a_429_is_written_to_the_request_log(make_client, caplog):
    caplog.set_level(logging.INFO, logger="service.http")
    client = make_client(rate_limit="1/1m")
    spend(client, 2)
    [refused] = [r for r in caplog.records if getattr(r, "status", None) == 429]
    assert refused.path == ITEMS


# --- the buckets ------------------------------------------------------------------------


def test_a_client_is_named_by_a_hash_of_its_token_never_the_token():
    api = ApiSettings(read_tokens=[READ], admin_tokens=[ADMIN])  # type: ignore[list-item]
    scope = {"type": "http", "client": ("10.0.0.7", 5555), "headers": []}

    def with_header(value: str) -> dict[str, object]:
        return {**scope, "headers": [(b"authorization", value.encode())]}

    read_key = client_key(with_header(f"Bearer {READ}"), api)
    assert read_key.startswith("token:")
    assert READ not in read_key
    assert client_key(with_header(f"Bearer {ADMIN}"), api) not in (read_key, "ip:10.0.0.7")
    assert client_key(with_header("Bearer made-up"), api) == "ip:10.0.0.7"
    assert client_key(with_header("Basic !!!"), api) == "ip:10.0.0.7"
    assert client_key(scope, api) == "ip:10.0.0.7"


def test_buckets_forget_the_least_recently_seen_client_beyond_their_bound(clock):
    buckets = TokenBuckets(RateLimit(requests=1, per=timedelta(hours=1)), clock, max_clients=2)
    assert buckets.take("a") is None
    assert buckets.take("b") is None
    assert buckets.take("a") == 3600  # `a` is now the most recently seen
    assert buckets.take("c") is None  # `b` is forgotten
    assert len(buckets) == 2
    assert buckets.take("b") is None
    assert buckets.take("a") is None  # `a` was forgotten when `b` came back


def test_a_clock_stepped_back_refills_nothing(clock):
    buckets = TokenBuckets(RateLimit(requests=1, per=timedelta(minutes=1)), clock)
    assert buckets.take("a") is None
    clock.advance(-3600)
    assert buckets.take("a") == 60
