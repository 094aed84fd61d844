"""The fake GitHub's issue listings: filters, order, pull requests and both paging styles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from connectors.testing import FakeGitHub
from tests.connectors.testing.conftest import walk

ISSUES = "/repos/acme/api/issues"
ALL = {"state": "all", "per_page": 100}


def numbers(items: list[dict[str, object]]) -> list[object]:
    return [item["number"] for item in items]


def test_labels_filter_requires_every_label_case_insensitively(fake, client):
    both = fake.create_issue("acme/api", title="both", labels=["Incident-Action", "P1"])
    fake.create_issue("acme/api", title="one", labels=["incident-action"])
    fake.create_issue("acme/api", title="none")

    response = client.get(ISSUES, params={"labels": "incident-action,p1"})

    assert numbers(response.json()) == [both.number]


def test_state_defaults_to_open_and_all_includes_closed(fake, client):
    opened = fake.create_issue("acme/api", title="open")
    closed = fake.create_issue("acme/api", title="closed", state="closed")

    assert numbers(client.get(ISSUES).json()) == [opened.number]
    assert numbers(client.get(ISSUES, params={"state": "closed"}).json()) == [closed.number]
    assert sorted(numbers(client.get(ISSUES, params=ALL).json())) == [1, 2]


def test_since_keeps_items_updated_at_or_after_it(fake, client):
    old = fake.create_issue("acme/api", title="old")
    fake.tick(60)
    boundary = fake.create_issue("acme/api", title="boundary")
    fake.tick(60)
    newer = fake.create_issue("acme/api", title="newer")
    since = boundary.raw()["updated_at"]

    listed = client.get(ISSUES, params={**ALL, "since": since}).json()

    assert sorted(numbers(listed)) == [boundary.number, newer.number]
    assert old.number not in numbers(listed)


@pytest.mark.parametrize(
    ("sort", "direction"),
    [("updated", "asc"), ("updated", "desc"), ("created", "asc"), ("comments", "desc")],
)
def test_since_applies_in_every_order(fake, client, sort, direction):
    made = []
    for n in range(6):
        made.append(fake.create_issue("acme/api", title=f"issue {n}", comments=n))
        fake.tick(60)
    fake.update_issue(made[0].node_id, title="touched")
    since = made[3].raw()["updated_at"]

    listed = client.get(
        ISSUES, params={**ALL, "since": since, "sort": sort, "direction": direction}
    ).json()

    assert sorted(numbers(listed)) == [1, 4, 5, 6]


def test_since_accepts_offsets_and_rejects_garbage(fake, client):
    fake.create_issue("acme/api", title="x")
    offset = (fake.now + timedelta(hours=2)).isoformat().replace("+00:00", "+02:00")

    assert len(client.get(ISSUES, params={"since": offset}).json()) == 1
    assert client.get(ISSUES, params={"since": "yesterday"}).status_code == 422


def test_default_order_is_newest_created_first(fake, client):
    for title in ("a", "b", "c"):
        fake.create_issue("acme/api", title=title)
        fake.tick(60)

    assert numbers(client.get(ISSUES).json()) == [3, 2, 1]


def test_sort_updated_ascending_orders_by_updated_at_then_id(fake, client):
    first = fake.create_issue("acme/api", title="first")
    second = fake.create_issue("acme/api", title="second")
    fake.tick(60)
    fake.update_issue(first.node_id, title="first, edited")

    params = {"sort": "updated", "direction": "asc"}
    assert numbers(client.get(ISSUES, params=params).json()) == [second.number, first.number]


@pytest.mark.parametrize(
    ("name", "value"), [("state", "closedish"), ("sort", "priority"), ("direction", "up")]
)
def test_invalid_choices_are_rejected_with_422(client, name, value):
    response = client.get(ISSUES, params={name: value})

    assert response.status_code == 422
    assert value in response.json()["message"]


def test_pull_requests_are_mixed_into_issue_lists(fake, client):
    fake.create_issue("acme/api", title="issue", labels=["incident-action"])
    fake.create_issue("acme/api", title="pr", labels=["incident-action"], pull_request=True)

    listed = client.get(ISSUES, params={"labels": "incident-action"}).json()

    assert sorted("pull_request" in item for item in listed) == [False, True]
    pull = next(item for item in listed if "pull_request" in item)
    assert pull["node_id"].startswith("PR_")
    assert pull["pull_request"]["url"].endswith("/repos/acme/api/pulls/2")


def test_per_page_defaults_to_30_and_is_capped_at_100(fake, client):
    for n in range(120):
        fake.create_issue("acme/api", title=f"issue {n}")

    assert len(client.get(ISSUES).json()) == 30
    assert len(client.get(ISSUES, params={"per_page": 500}).json()) == 100


def test_page_links_are_absolute_and_walk_every_item(fake, client):
    for n in range(250):
        fake.create_issue("acme/api", title=f"issue {n}")

    items, urls = walk(client, ISSUES, **ALL)

    assert sorted(numbers(items)) == list(range(1, 251))
    assert [url.rsplit("page=", 1)[-1] for url in urls[1:]] == ["2", "3"]
    assert all(url.startswith("http://testserver/repos/acme/api/issues?") for url in urls)


def test_page_links_carry_prev_next_last_and_first_like_github(fake, client):
    for n in range(250):
        fake.create_issue("acme/api", title=f"issue {n}")

    links = client.get(ISSUES, params={**ALL, "page": 2}).links

    assert links["prev"]["url"].endswith("page=1")
    assert links["next"]["url"].endswith("page=3")
    assert links["last"]["url"].endswith("page=3")
    assert links["first"]["url"].endswith("page=1")
    assert "state=all" in links["next"]["url"]
    assert "next" not in client.get(ISSUES, params={**ALL, "page": 3}).links


def test_the_last_page_has_no_link_header(fake, client):
    fake.create_issue("acme/api", title="only")

    assert "link" not in client.get(ISSUES, params=ALL).headers


def test_a_page_beyond_offset_1000_is_rejected_with_422(fake, client):
    for n in range(1001):
        fake.create_issue("acme/api", title=f"issue {n}")

    assert client.get(ISSUES, params={**ALL, "page": 10}).status_code == 200
    deep = client.get(ISSUES, params={**ALL, "page": 11})

    assert deep.status_code == 422
    assert "cursor based pagination" in deep.json()["message"]


def test_cursor_links_walk_every_item_with_after_tokens(fake, client):
    fake.link_style = "cursor"
    for n in range(1050):
        fake.create_issue("acme/api", title=f"issue {n}")

    items, urls = walk(client, ISSUES, **ALL, sort="updated", direction="asc")

    assert sorted(numbers(items)) == list(range(1, 1051))
    assert len(urls) == 11
    assert all("after=" in url for url in urls[1:])
    assert not any("&page=" in url for url in urls)
    assert "last" not in client.get(ISSUES, params=ALL).links


def test_a_malformed_cursor_is_rejected_with_422(client):
    assert client.get(ISSUES, params={"after": "not-a-cursor"}).status_code == 422


def test_page_numbers_shift_when_an_item_is_updated_mid_listing(fake, client):
    """The trap connectors must survive: naive page-following loses the boundary item."""
    for n in range(4):
        fake.create_issue("acme/api", title=f"issue {n}")
        fake.tick(60)
    params = {**ALL, "per_page": 2, "sort": "updated", "direction": "asc"}
    first = client.get(ISSUES, params=params)
    fake.update_issue(fake.issues("acme/api")[0].node_id, title="edited")

    second = client.get(first.links["next"]["url"])

    seen = numbers(first.json()) + numbers(second.json())
    assert 3 not in seen


def test_cursor_links_are_keyset_so_a_mid_listing_update_skips_nothing(fake, client):
    fake.link_style = "cursor"
    for n in range(4):
        fake.create_issue("acme/api", title=f"issue {n}")
        fake.tick(60)
    params = {**ALL, "per_page": 2, "sort": "updated", "direction": "asc"}
    first = client.get(ISSUES, params=params)
    fake.update_issue(fake.issues("acme/api")[0].node_id, title="edited")

    rest, _ = walk(client, first.links["next"]["url"])

    assert numbers(first.json()) + numbers(rest) == [1, 2, 3, 4, 1]


def test_org_listing_defaults_to_issues_assigned_to_the_caller(fake, client):
    mine = fake.create_issue("acme/api", title="mine", assignees=[fake.login])
    fake.create_issue("acme/web", title="theirs", assignees=["someone-else"])

    listed = client.get("/orgs/acme/issues", params=ALL).json()

    assert [item["node_id"] for item in listed] == [mine.node_id]


def test_org_listing_with_filter_all_spans_repos_and_names_each_repository(fake, client):
    api = fake.create_issue("acme/api", title="api", labels=["incident-action"])
    web = fake.create_issue("acme/web", title="web", labels=["incident-action"])
    fake.add_repo("other/repo")
    fake.create_issue("other/repo", title="elsewhere", labels=["incident-action"])

    listed = client.get(
        "/orgs/acme/issues", params={**ALL, "filter": "all", "labels": "incident-action"}
    ).json()

    assert {item["node_id"] for item in listed} == {api.node_id, web.node_id}
    assert {item["repository"]["full_name"] for item in listed} == {"acme/api", "acme/web"}


def test_org_listing_pages_in_the_configured_link_style(fake, client):
    fake.link_style = "cursor"
    for n in range(150):
        fake.create_issue(("acme/api", "acme/web")[n % 2], title=f"issue {n}")

    items, urls = walk(client, "/orgs/acme/issues", **ALL, filter="all")

    assert len({item["node_id"] for item in items}) == 150
    assert "after=" in urls[1]


def test_unknown_repos_and_orgs_answer_404(client):
    assert client.get("/repos/acme/nope/issues").status_code == 404
    assert client.get("/orgs/nobody/issues").status_code == 404
    assert client.get("/repos/acme/nope").json()["message"] == "Not Found"


def test_github_enterprise_prefix_serves_the_same_api_and_keeps_it_in_links(fake, client):
    for n in range(3):
        fake.create_issue("acme/api", title=f"issue {n}")

    response = client.get("/api/v3/repos/acme/api/issues", params={"per_page": 2})

    assert response.status_code == 200
    assert response.links["next"]["url"].startswith("http://testserver/api/v3/repos/acme/api/")
    assert response.json()[0]["url"].startswith("http://testserver/api/v3/repos/acme/api/")
    assert response.json()[0]["html_url"] == "http://testserver/acme/api/issues/3"


def test_the_repo_and_user_endpoints_answer_like_github(client: TestClient, fake: FakeGitHub):
    repo = client.get("/repos/acme/api").json()

    assert (repo["full_name"], repo["owner"]["login"], repo["has_issues"]) == (
        "acme/api",
        "acme",
        True,
    )
    assert client.get("/user").json()["login"] == fake.login


def test_unknown_paths_and_methods_answer_githubs_404_json(client):
    assert client.get("/nope").json()["message"] == "Not Found"
    assert client.post("/repos/acme/api/issues").status_code == 404
    assert client.get("/api/v3/nope").status_code == 404
