"""The fake GitHub's traffic behaviour: ETags, rate limits, auth, injected faults, hooks, log."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from connectors.testing import FakeGitHub, RecordedRequest

ISSUES = "/repos/acme/api/issues"


def remaining(response) -> int:
    return int(response.headers["x-ratelimit-remaining"])


def test_a_matching_if_none_match_gets_an_empty_304_that_costs_no_rate_limit(fake, client):
    fake.create_issue("acme/api", title="x", labels=["incident-action"])
    first = client.get(ISSUES, params={"labels": "incident-action"})
    etag = first.headers["etag"]

    again = client.get(
        ISSUES, params={"labels": "incident-action"}, headers={"If-None-Match": etag}
    )

    assert etag[0] == etag[-1] == '"'
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    assert remaining(again) == remaining(first)


def test_the_etag_changes_when_a_listed_item_changes(fake, client):
    issue = fake.create_issue("acme/api", title="x")
    etag = client.get(ISSUES).headers["etag"]
    fake.tick()
    fake.update_issue(issue.node_id, title="y")

    response = client.get(ISSUES, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["etag"] != etag


def test_weak_and_listed_etags_match_too(fake, client):
    etag = client.get(ISSUES).headers["etag"]

    response = client.get(ISSUES, headers={"If-None-Match": f'"other", W/{etag}'})

    assert response.status_code == 304


def test_every_response_carries_rate_limit_headers_and_remaining_decreases(client):
    first = client.get("/user")
    missing = client.get("/repos/acme/nope")

    for response in (first, missing):
        for name in ("limit", "remaining", "used", "reset", "resource"):
            assert f"x-ratelimit-{name}" in response.headers
    assert remaining(missing) == remaining(first) - 1
    assert first.headers["x-ratelimit-resource"] == "core"


def test_an_exhausted_rate_limit_answers_403_until_the_window_resets(fake, client):
    fake.rate_limit.limit = 2
    client.get("/user")
    client.get("/user")

    blocked = client.get("/user")
    fake.tick(3600)
    after_reset = client.get("/user")

    assert blocked.status_code == 403
    assert remaining(blocked) == 0
    assert "rate limit exceeded" in blocked.json()["message"]
    assert int(blocked.headers["x-ratelimit-reset"]) <= fake.now.timestamp()
    assert after_reset.status_code == 200


@pytest.mark.parametrize("authorization", [None, "token ", "Basic abc", "tokenabc"])
def test_requests_without_a_usable_token_get_401_bad_credentials(fake, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    with TestClient(fake.app) as anonymous:
        response = anonymous.get("/user", headers=headers)

    assert response.status_code == 401
    assert response.json()["message"] == "Bad credentials"


def test_valid_tokens_restricts_which_tokens_are_accepted(fake):
    fake.valid_tokens = {"good"}
    with TestClient(fake.app) as client:
        assert client.get("/user", headers={"Authorization": "Bearer good"}).status_code == 200
        assert client.get("/user", headers={"Authorization": "token good"}).status_code == 200
        assert client.get("/user", headers={"Authorization": "token bad"}).status_code == 401


def test_429_with_retry_after(fake, client):
    fake.fail_next(429, headers={"Retry-After": "7"})

    response = client.get(ISSUES)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert "secondary rate limit" in response.json()["message"]
    assert client.get(ISSUES).status_code == 200


def test_403_with_no_remaining_rate_limit(fake, client):
    reset = str(int(fake.now.timestamp()) + 600)
    fake.fail_next(403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})

    response = client.get(ISSUES)

    assert response.status_code == 403
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-reset"] == reset
    assert "API rate limit exceeded" in response.json()["message"]


def test_a_plain_403_reads_as_an_access_problem(fake, client):
    fake.fail_next(403)

    assert "not accessible" in client.get(ISSUES).json()["message"]


@pytest.mark.parametrize("status", [500, 502, 503, 401, 404])
def test_any_status_can_be_injected_with_githubs_error_body(fake, client, status):
    fake.fail_next(status)

    response = client.get(ISSUES)

    assert response.status_code == status
    assert response.json()["message"]


def test_an_html_body_is_served_verbatim_as_html(fake, client):
    fake.fail_next(502, body="<html><body>Bad gateway</body></html>")

    response = client.get(ISSUES)

    assert response.text == "<html><body>Bad gateway</body></html>"
    assert response.headers["content-type"].startswith("text/html")


def test_a_truncated_json_body_is_served_verbatim(fake, client):
    fake.fail_next(200, body='{"trunc')

    response = client.get(ISSUES)

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_faults_apply_only_to_matching_requests_and_only_so_many_times(fake, client):
    fake.fail_next(500, times=2, path_contains="page=2")

    assert client.get(ISSUES).status_code == 200
    assert client.get(ISSUES, params={"page": 2}).status_code == 500
    assert client.get(ISSUES, params={"page": 2}).status_code == 500
    assert client.get(ISSUES, params={"page": 2}).status_code == 200


def test_on_list_page_is_called_with_each_served_page_number(fake, client):
    for n in range(5):
        fake.create_issue("acme/api", title=f"issue {n}")
    pages: list[int] = []
    fake.on_list_page = pages.append

    response = client.get(ISSUES, params={"per_page": 2})
    while "next" in response.links:
        response = client.get(response.links["next"]["url"])
    client.get("/repos/acme/api")

    assert pages == [1, 2, 3]


def test_on_list_page_counts_cursor_pages_too_but_not_304s(fake, client):
    fake.link_style = "cursor"
    for n in range(3):
        fake.create_issue("acme/api", title=f"issue {n}")
    pages: list[int] = []
    fake.on_list_page = pages.append

    first = client.get(ISSUES, params={"per_page": 2})
    client.get(first.links["next"]["url"])
    client.get(ISSUES, params={"per_page": 2}, headers={"If-None-Match": first.headers["etag"]})

    assert pages == [1, 2]


def test_on_list_page_may_change_the_data_before_the_next_page(fake, client):
    for n in range(4):
        fake.create_issue("acme/api", title=f"issue {n}")

    def add_one(page: int) -> None:
        if page == 1:
            fake.create_issue("acme/api", title="late")

    fake.on_list_page = add_one
    first = client.get(ISSUES, params={"per_page": 2, "direction": "asc"})
    second = client.get(first.links["next"]["url"])

    assert [item["title"] for item in first.json()] == ["issue 0", "issue 1"]
    assert second.links["last"]["url"].endswith("page=3")


def test_every_request_is_recorded_with_status_and_if_none_match(fake, client):
    client.get(ISSUES, params={"state": "all"}, headers={"If-None-Match": '"x"'})
    client.get("/user")

    assert fake.requests == [
        RecordedRequest("GET", ISSUES, {"state": "all"}, 200, '"x"'),
        RecordedRequest("GET", "/user", {}, 200, None),
    ]
    assert fake.request_count() == 2
    assert fake.request_count("/repos/acme/api/") == 1


def test_faults_and_401s_are_recorded_too(fake: FakeGitHub, client):
    fake.fail_next(500)
    client.get("/user")
    with TestClient(fake.app) as anonymous:
        anonymous.get("/user")

    assert [r.status for r in fake.requests] == [500, 401]
