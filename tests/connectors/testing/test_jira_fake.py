"""The fake Jira answers like Jira Cloud and Data Center where the connector depends on it:
auth per flavour, 410 on Cloud's removed `/search`, page caps, keyset tokens, the JQL
subset (and 400 for anything else), lenient id lists, bulk endpoints and time zones."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from connectors.testing import FakeJira
from connectors.testing.jira import Flavour

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LABEL = "incident-action"


def auth(fake: FakeJira) -> dict[str, str]:
    if fake.cloud:
        basic = base64.b64encode(f"{fake.email}:{fake.token}".encode()).decode()
        return {"Authorization": f"Basic {basic}"}
    return {"Authorization": f"Bearer {fake.token}"}


@pytest.fixture(params=["cloud", "dc"])
def fake(request: pytest.FixtureRequest) -> FakeJira:
    flavour: Flavour = request.param
    fake = FakeJira(flavour, now=T0, max_page=2)
    for number in range(5):
        fake.create_issue("OPS", f"Action {number}", labels=[LABEL])
        fake.tick(60)
    fake.create_issue("OPS", "Noise")
    return fake


@pytest.fixture
def client(fake: FakeJira) -> Iterator[TestClient]:
    with TestClient(fake.app, headers=auth(fake)) as client:
        yield client


def search(client: TestClient, fake: FakeJira, jql: str, **params: str) -> list[dict]:
    """Every issue of a search, paged the flavour's way."""
    path = "/rest/api/2/search/jql" if fake.cloud else "/rest/api/2/search"
    found: list[dict] = []
    query = {"jql": jql, "fields": "summary,updated", **params}
    while True:
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        data = response.json()
        found += data["issues"]
        if fake.cloud:
            if data["isLast"]:
                assert "nextPageToken" not in data
                return found
            query["nextPageToken"] = data["nextPageToken"]
        else:
            if data["startAt"] + len(data["issues"]) >= data["total"]:
                return found
            query["startAt"] = str(data["startAt"] + len(data["issues"]))


def test_server_info_names_the_flavour_without_auth(fake):
    with TestClient(fake.app) as anonymous:
        info = anonymous.get("/rest/api/2/serverInfo").json()
    assert info["deploymentType"] == ("Cloud" if fake.cloud else "Server")


def test_the_wrong_credential_is_refused(fake):
    with TestClient(fake.app, headers={"Authorization": "Bearer nope"}) as stranger:
        assert stranger.get("/rest/api/2/myself").status_code == 401


def test_myself_gives_a_non_utc_time_zone_and_timestamps_use_it(client, fake):
    assert client.get("/rest/api/2/myself").json()["timeZone"] == "Pacific/Honolulu"
    [first, *_] = search(client, fake, f'labels = "{LABEL}" ORDER BY updated ASC')
    assert first["fields"]["updated"] == "2026-03-02T02:00:00.000-1000"


def test_cloud_removed_search_and_dc_has_no_search_jql(client, fake):
    gone = "/rest/api/2/search" if fake.cloud else "/rest/api/2/search/jql"
    response = client.get(gone, params={"jql": "labels = x"})
    assert response.status_code == (410 if fake.cloud else 404)
    if fake.cloud:
        assert "search/jql" in response.json()["errorMessages"][0]


def test_searches_page_below_the_asked_size_in_order(client, fake):
    found = search(
        client, fake, f'labels = "{LABEL}" ORDER BY updated ASC, key ASC', maxResults="100"
    )
    assert [issue["key"] for issue in found] == [f"OPS-{n}" for n in range(1, 6)]
    assert set(found[0]["fields"]) == {"summary", "updated"}


def test_id_only_searches_take_large_pages(client, fake):
    path = "/rest/api/2/search/jql" if fake.cloud else "/rest/api/2/search"
    data = client.get(
        path, params={"jql": f'labels = "{LABEL}"', "fields": "id", "maxResults": "5000"}
    ).json()
    assert len(data["issues"]) == 5
    assert all(set(issue) == {"id", "key", "self"} for issue in data["issues"])


def test_the_updated_bound_is_read_in_the_users_zone(client, fake):
    # 02:02 in Honolulu is 12:02 UTC: the issues created at 12:02, 12:03 and 12:04.
    found = search(
        client, fake, f'labels = "{LABEL}" AND updated >= "2026/03/02 02:02" ORDER BY key ASC'
    )
    assert [issue["key"] for issue in found] == ["OPS-3", "OPS-4", "OPS-5"]


def test_project_and_id_clauses_and_parentheses(client, fake):
    first = fake.issues["10001"]
    fake.create_issue("PLAT", "Elsewhere", labels=[LABEL])
    found = search(client, fake, f'labels = "{LABEL}" AND (project in (PLAT))')
    assert [issue["key"] for issue in found] == ["PLAT-1"]
    assert [i["key"] for i in search(client, fake, f"id in ({first.id})")] == [first.key]


@pytest.mark.parametrize(
    "jql",
    [
        "project ~ OPS",
        "labels = x OR labels = y",
        "assignee = me",
        'updated >= "yesterday"',
        "labels = (",
        "x ORDER BY priority",
    ],
)
def test_anything_else_is_a_400_with_error_messages(client, fake, jql):
    path = "/rest/api/2/search/jql" if fake.cloud else "/rest/api/2/search"
    response = client.get(path, params={"jql": jql})
    assert response.status_code == 400
    assert response.json()["errorMessages"]


def test_unknown_ids_are_an_error_unless_validation_is_lenient(client, fake):
    path = "/rest/api/2/search/jql" if fake.cloud else "/rest/api/2/search"
    assert client.get(path, params={"jql": "id in (10001, 99999)"}).status_code == 400
    if not fake.cloud:
        lenient = client.get(path, params={"jql": "id in (10001, 99999)", "validateQuery": "warn"})
        assert [issue["id"] for issue in lenient.json()["issues"]] == ["10001"]


def test_a_write_shows_in_search_only_after_the_lag(client, fake):
    fake.search_lag = 120
    late = fake.create_issue("OPS", "Late", labels=[LABEL])
    assert late.key not in {i["key"] for i in search(client, fake, f'labels = "{LABEL}"')}
    fake.tick(120)
    assert late.key in {i["key"] for i in search(client, fake, f'labels = "{LABEL}"')}


def test_moved_issues_keep_their_id_and_answer_to_the_old_key(client, fake):
    moved = fake.move_issue("10002", "PLAT")
    assert moved.key == "PLAT-1"
    data = client.get("/rest/api/2/issue/OPS-2").json()
    assert (data["id"], data["key"]) == ("10002", "PLAT-1")
    fake.delete_issue("10003")
    assert client.get("/rest/api/2/issue/10003").status_code == 404


def test_the_changelog_records_transitions_with_their_times(client, fake):
    fake.transition("10001", "In Progress")
    fake.tick()
    fake.transition("10001", "Done", resolution="Won't Do")
    page = client.get("/rest/api/2/issue/10001/changelog").json()
    items = [(h["created"], i["field"], i["toString"]) for h in page["values"] for i in h["items"]]
    assert items == [
        ("2026-03-02T02:05:00.000-1000", "status", "In Progress"),
        ("2026-03-02T02:06:00.000-1000", "status", "Done"),
        ("2026-03-02T02:06:00.000-1000", "resolution", "Won't Do"),
    ]


def test_cloud_bulk_endpoints_omit_what_is_gone(client, fake):
    if not fake.cloud:
        assert (
            client.post("/rest/api/2/issue/bulkfetch", json={"issueIdsOrKeys": ["1"]}).status_code
            == 404
        )
        return
    fake.transition("10001", "In Progress")
    fake.delete_issue("10002")
    body = {"issueIdsOrKeys": ["10001", "10002"], "fields": ["labels"]}
    issues = client.post("/rest/api/2/issue/bulkfetch", json=body).json()["issues"]
    assert [(i["id"], set(i["fields"])) for i in issues] == [("10001", {"labels"})]
    logs = client.post(
        "/rest/api/3/changelog/bulkfetch",
        json={"issueIdsOrKeys": ["10001", "10002"], "fieldIds": ["status"]},
    ).json()
    assert [log["issueId"] for log in logs["issueChangeLogs"]] == ["10001"]


def test_the_comment_field_holds_a_capped_list_with_the_total(client, fake):
    for number in range(fake.comment_cap + 1):
        fake.add_comment("10001", f"Note {number}", at=T0 + timedelta(minutes=number))
    field = client.get("/rest/api/2/issue/10001", params={"fields": "comment"}).json()["fields"][
        "comment"
    ]
    assert (len(field["comments"]), field["total"]) == (fake.comment_cap, fake.comment_cap + 1)
    page = client.get("/rest/api/2/issue/10001/comment", params={"startAt": "5"}).json()
    assert [c["body"] for c in page["comments"]] == [f"Note {fake.comment_cap}"]


def test_injected_faults_come_first(client, fake):
    fake.fail_next(429, headers={"Retry-After": "7"})
    response = client.get("/rest/api/2/myself")
    assert (response.status_code, response.headers["retry-after"]) == (429, "7")
    assert client.get("/rest/api/2/myself").status_code == 200
