"""The fake Linear's GraphQL endpoint: auth forms, filters, paging, archived and trashed
issues, nested history and comments, and injected faults (rate limits in both forms, 5xx,
malformed JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from connectors.linear.client import (
    COMMENTS,
    HISTORY,
    ISSUE_SCOPES,
    LIST_ISSUES,
    TEAM_BY_KEY,
    Operation,
)
from connectors.testing import FakeLinear
from connectors.testing.linear import API_KEY, OAUTH_TOKEN

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LABEL = "incident-action"
LABEL_FILTER = {"labels": {"some": {"name": {"eqIgnoreCase": LABEL}}}}


@pytest.fixture
def linear() -> FakeLinear:
    return FakeLinear(now=T0)


@pytest.fixture
def api(linear: FakeLinear) -> Iterator[TestClient]:
    with TestClient(linear.app, headers={"Authorization": API_KEY}) as client:
        yield client


def ask(api: TestClient, operation: Operation, **variables: Any):
    body = {"query": operation.document, "variables": variables, "operationName": operation.name}
    return api.post("/graphql", json=body)


def listing(api: TestClient, **variables: Any) -> dict[str, Any]:
    variables = {"filter": LABEL_FILTER, "first": 50, "after": None, **variables}
    response = ask(api, LIST_ISSUES, **variables)
    assert response.status_code == 200, response.text
    return response.json()["data"]["issues"]


def identifiers(connection: dict[str, Any]) -> list[str]:
    return [node["identifier"] for node in connection["nodes"]]


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        pytest.param(API_KEY, True, id="api-key-bare"),
        pytest.param(f"Bearer {OAUTH_TOKEN}", True, id="oauth-bearer"),
        pytest.param(f"Bearer {API_KEY}", False, id="api-key-as-bearer"),
        pytest.param(OAUTH_TOKEN, False, id="oauth-without-bearer"),
        pytest.param("lin_api_wrong", False, id="unknown-key"),
        pytest.param("", False, id="missing"),
    ],
)
def test_credentials_are_accepted_only_in_their_header_form(linear, api, header, accepted):
    response = api.post(
        "/graphql",
        json={"query": LIST_ISSUES.document, "variables": {"filter": {}, "first": 1}},
        headers={"Authorization": header},
    )
    if accepted:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "AUTHENTICATION_ERROR"
    assert API_KEY not in response.text
    assert OAUTH_TOKEN not in response.text


def test_the_log_names_the_operation_and_auth_form_never_the_secret(linear, api):
    listing(api)
    (request,) = linear.requests
    assert (request.query["operation"], request.query["auth"]) == ("ActionItems", "api-key")
    assert API_KEY not in str(linear.requests)


def test_the_label_filter_ignores_case_and_the_team_and_updated_filters_apply(linear, api):
    linear.create_issue("ENG", title="a", labels=["Incident-Action"])
    linear.create_issue("ENG", title="noise", labels=["bug"])
    linear.tick()
    linear.create_issue("OPS", title="b", labels=[LABEL])
    since = (T0 + timedelta(seconds=30)).isoformat()

    assert identifiers(listing(api)) == ["OPS-1", "ENG-1"]
    assert identifiers(listing(api, filter={**LABEL_FILTER, "team": {"key": {"eq": "ENG"}}})) == [
        "ENG-1"
    ]
    assert identifiers(listing(api, filter={**LABEL_FILTER, "updatedAt": {"gte": since}})) == [
        "OPS-1"
    ]


def test_pages_are_newest_first_with_keyset_cursors(linear, api):
    for number in range(5):
        linear.create_issue("ENG", title=str(number), labels=[LABEL])
        linear.tick()
    first = listing(api, first=2)
    second = listing(api, first=2, after=first["pageInfo"]["endCursor"])
    third = listing(api, first=2, after=second["pageInfo"]["endCursor"])

    assert [identifiers(p) for p in (first, second, third)] == [
        ["ENG-5", "ENG-4"],
        ["ENG-3", "ENG-2"],
        ["ENG-1"],
    ]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, second, third)] == [True, True, False]


def test_archived_issues_show_only_with_include_archived(linear, api):
    done = linear.create_issue("ENG", title="done", labels=[LABEL])
    linear.update_issue(done.id, state="Done")
    linear.archive(done.id)
    without = Operation("Hidden", LIST_ISSUES.document.replace("includeArchived: true", ""))

    assert identifiers(listing(api)) == ["ENG-1"]
    hidden = ask(api, without, filter=LABEL_FILTER, first=5).json()["data"]["issues"]
    assert identifiers(hidden) == []


def test_trashed_issues_are_served_marked_and_purged_ones_vanish(linear, api):
    trashed = linear.create_issue("ENG", title="t", labels=[LABEL])
    purged = linear.create_issue("ENG", title="p", labels=[LABEL])
    linear.trash(trashed.id)
    linear.purge(purged.id)

    response = ask(api, ISSUE_SCOPES, filter={"id": {"in": [trashed.id, purged.id]}}, first=2)

    (node,) = response.json()["data"]["issues"]["nodes"]
    assert (node["id"], node["trashed"]) == (trashed.id, True)


def test_a_team_move_gives_a_new_identifier_and_keeps_the_old(linear, api):
    issue = linear.create_issue("ENG", title="m", labels=[LABEL])
    linear.move_issue(issue.id, "OPS")
    (node,) = listing(api)["nodes"]
    assert (node["identifier"], node["previousIdentifiers"]) == ("OPS-1", ["ENG-1"])


def test_history_and_comments_are_nested_and_paged(linear, api):
    issue = linear.create_issue("ENG", title="h", labels=[LABEL], assignee="Ana Lima")
    for number in range(55):
        linear.tick()
        linear.update_issue(issue.id, state="In Progress" if number % 2 == 0 else "Todo")
    linear.comment(issue.id, "why", user="Bo Chen")

    batch = ask(api, HISTORY.batch, filter={"id": {"in": [issue.id]}}, first=1).json()
    history = batch["data"]["issues"]["nodes"][0]["history"]
    follow = ask(api, HISTORY.follow, id=issue.id, after=history["pageInfo"]["endCursor"]).json()
    rest = follow["data"]["issue"]["history"]
    comments = ask(api, COMMENTS.batch, filter={"id": {"in": [issue.id]}}, first=1).json()

    assert (len(history["nodes"]), history["pageInfo"]["hasNextPage"]) == (50, True)
    assert (len(rest["nodes"]), rest["pageInfo"]["hasNextPage"]) == (6, False)
    assert history["nodes"][1]["fromState"]["type"] == "unstarted"
    (comment,) = comments["data"]["issues"]["nodes"][0]["comments"]["nodes"]
    assert (comment["body"], comment["user"]["name"]) == ("why", "Bo Chen")


def test_an_unknown_filter_field_or_oversized_page_is_a_validation_error(api):
    unknown = ask(api, LIST_ISSUES, filter={"project": {"name": {"eq": "x"}}}, first=5)
    too_big = ask(api, LIST_ISSUES, filter={}, first=251)
    for response in (unknown, too_big):
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_rate_limits_come_in_both_forms_with_epoch_ms_resets(linear, api):
    reset = T0 + timedelta(seconds=30)
    linear.rate_limit_next("http", retry_after=7)
    linear.rate_limit_next("graphql", status=200, reset=reset, bucket="complexity")

    bare = ask(api, LIST_ISSUES, filter={}, first=1)
    graphql = ask(api, LIST_ISSUES, filter={}, first=1)
    fine = ask(api, LIST_ISSUES, filter={}, first=1)

    assert (bare.status_code, bare.headers["retry-after"]) == (429, "7")
    assert graphql.status_code == 200
    assert graphql.json()["errors"][0]["extensions"]["code"] == "RATELIMITED"
    assert graphql.headers["x-ratelimit-complexity-remaining"] == "0"
    assert graphql.headers["x-ratelimit-complexity-reset"] == str(int(reset.timestamp()) * 1000)
    assert fine.status_code == 200


def test_faults_target_an_operation_and_can_be_5xx_or_malformed(linear, api):
    linear.fail_next(503, path_contains="IssueHistory")
    linear.fail_next(200, body='{"data": {"issues"', path_contains="ActionItems")

    malformed = ask(api, LIST_ISSUES, filter={}, first=1)
    history = ask(api, HISTORY.batch, filter={"id": {"in": []}}, first=1)

    assert (malformed.status_code, malformed.text) == (200, '{"data": {"issues"')
    assert history.status_code == 503
    assert linear.operations() == ["ActionItems", "IssueHistory"]


def test_teams_are_found_by_key(linear, api):
    linear.add_team("ENG")
    found = ask(api, TEAM_BY_KEY, filter={"key": {"eq": "ENG"}}).json()["data"]["teams"]
    missing = ask(api, TEAM_BY_KEY, filter={"key": {"eq": "NOPE"}}).json()["data"]["teams"]
    assert ([t["key"] for t in found["nodes"]], missing["nodes"]) == (["ENG"], [])
