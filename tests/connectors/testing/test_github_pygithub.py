"""The fake GitHub over real HTTP with real PyGithub: paging, conditional requests, redirects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from github import Auth, Github

from connectors.testing import FakeGitHub, serve


def client_for(url: str) -> Github:
    return Github(
        base_url=url,
        auth=Auth.Token("t"),
        per_page=100,
        retry=None,
        seconds_between_requests=None,
    )


@pytest.fixture(params=["page", "cursor"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub(link_style=request.param)
    fake.add_repo("acme/api")
    for n in range(250):
        fake.create_issue(
            "acme/api", title=f"action {n}", labels=["incident-action"], pull_request=n % 50 == 0
        )
        fake.tick(30)
    for n in range(40):
        fake.create_issue("acme/api", title=f"noise {n}")
    with serve(fake.app) as url:
        yield fake, url


def test_pygithub_lists_every_labelled_issue_across_pages(served):
    fake, url = served
    repo = client_for(url).get_repo("acme/api")

    issues = repo.get_issues(
        labels=["incident-action"],
        state="all",
        sort="updated",
        direction="asc",
        since=fake.now - timedelta(days=1),
    )
    listed = [(issue.number, issue.updated_at) for issue in issues]

    assert sorted(number for number, _ in listed) == list(range(1, 251))
    assert [at for _, at in listed] == sorted(at for _, at in listed)
    assert fake.request_count("/repos/acme/api/issues") == 3


def test_pygithub_raw_data_on_a_listed_issue_costs_one_request_each(served):
    """PyGithub 2.10 completes lazily on `raw_data`; connectors must read the page JSON."""
    fake, url = served
    repo = client_for(url).get_repo("acme/api")
    issues = repo.get_issues(labels=["incident-action"], state="all")

    first_page = [issue for _, issue in zip(range(3), issues, strict=False)]
    before = fake.request_count()
    raws = [issue.raw_data for issue in first_page]

    assert fake.request_count() - before == 3
    assert [r.path for r in fake.requests[-3:]] == [
        f"/repos/acme/api/issues/{raw['number']}" for raw in raws
    ]


def test_pygithub_gets_a_304_for_an_unchanged_list(served):
    fake, url = served
    gh = client_for(url)
    list_url = f"{url}/repos/acme/api/issues"
    params = {"labels": "incident-action", "state": "all", "per_page": 100}
    status, headers, _ = gh.requester.requestJson("GET", list_url, params)

    again, again_headers, body = gh.requester.requestJson(
        "GET", list_url, params, headers={"If-None-Match": headers["etag"]}
    )

    assert (status, again, body) == (200, 304, "")
    assert again_headers["x-ratelimit-remaining"] == headers["x-ratelimit-remaining"]
    assert fake.requests[-1].if_none_match == headers["etag"]


def test_pygithub_follows_a_transfer_redirect_to_the_new_issue(served):
    fake, url = served
    fake.add_repo("acme/web")
    old = fake.issues("acme/api")[0]
    new = fake.transfer_issue(old.node_id, "acme/web")
    gh = client_for(url)

    _, data = gh.requester.requestJsonAndCheck("GET", f"/repos/acme/api/issues/{old.number}")

    assert data["node_id"] == new.node_id


def test_pygithub_works_against_a_github_enterprise_base_url(served):
    fake, url = served
    repo = client_for(f"{url}/api/v3").get_repo("acme/api")

    listed = list(repo.get_issues(labels=["incident-action"], state="all"))

    assert len(listed) == 250
    assert all(r.path.startswith("/api/v3/") for r in fake.requests)
