"""Listing against the fake GitHub over real HTTP: complete paging in both link styles,
pull requests dropped, re-anchoring on `since`, ETag/304, Enterprise roots, bad pages."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest

from connectors.base import PartitionState
from connectors.errors import BadResponse
from connectors.github import GitHubConnector
from connectors.testing import FakeGitHub, seed_github
from tests.connectors.contract import final_state, items_of
from tests.connectors.github.conftest import LABEL, T0, github_config


def sync(connector, state=None, *, full=False):
    return list(connector.fetch_changed(state or {}, full=full))


def listings(fake: FakeGitHub, repo: str = "acme/api"):
    return [r for r in fake.requests if r.path == f"/repos/{repo}/issues"]


def labelled(fake: FakeGitHub, count: int, repo: str = "acme/api", *, tick: int = 60):
    made = []
    for number in range(count):
        made.append(fake.create_issue(repo, title=f"Action {number}", labels=(LABEL,)))
        fake.tick(tick)
    return made


def test_every_labelled_issue_arrives_once_and_pull_requests_never(fake, make_connector):
    seed_github(fake, seed=7, labelled=60, unlabelled=40, pull_requests=30, now=T0)
    connector = make_connector(repos=["acme/api", "acme/web"], page_size=7)

    items = items_of(sync(connector))

    expected = {
        issue.node_id
        for issue in fake.issues()
        if not issue.pull_request and LABEL in issue.label_names()
    }
    assert len(expected) == 60
    assert sorted(i.external_id for i in items) == sorted(expected)
    labelled_prs = [i for i in fake.issues() if i.pull_request and LABEL in i.label_names()]
    assert labelled_prs, "the seed must mix labelled pull requests into the listing"


def test_org_partition_lists_every_repo_of_the_org_with_filter_all(fake, make_connector):
    seed_github(fake, seed=3, labelled=25, repos=("acme/api", "acme/web"), now=T0)
    connector = make_connector(repos=[], orgs=["acme"], page_size=10)

    items = items_of(sync(connector))

    assert len(items) == 25
    assert {i.key.split("#")[0] for i in items} == {"acme/api", "acme/web"}
    assert {i.partition for i in items} == {"org:acme"}
    org_requests = [r for r in fake.requests if r.path == "/orgs/acme/issues"]
    assert all(r.query["filter"] == "all" for r in org_requests)


def test_each_next_request_is_re_anchored_on_the_last_updated_at_seen(fake, make_connector):
    made = labelled(fake, 9)
    connector = make_connector(page_size=4)

    sync(connector)

    first, second, third, *_ = listings(fake)
    assert "since" not in first.query
    assert first.query | {"since": "x"} == {
        "labels": LABEL,
        "state": "all",
        "sort": "updated",
        "direction": "asc",
        "per_page": "4",
        "since": "x",
    }
    assert second.query["since"] == made[3].raw()["updated_at"]
    assert third.query["since"] == made[6].raw()["updated_at"]
    assert not {"page", "after"} & set(second.query)


def test_a_run_of_ties_longer_than_a_page_is_paged_through_the_link(fake, make_connector):
    fake.create_issue("acme/api", title="Before", labels=(LABEL,))
    fake.tick()
    tied = [fake.create_issue("acme/api", title=f"Tie {n}", labels=(LABEL,)) for n in range(7)]
    fake.tick()
    fake.create_issue("acme/api", title="After", labels=(LABEL,))
    connector = make_connector(page_size=3)

    items = items_of(sync(connector))

    assert len({i.external_id for i in items}) == len(items) == 9
    assert {i.node_id for i in tied} <= {i.external_id for i in items}
    followed = [r for r in listings(fake) if "page" in r.query or "after" in r.query]
    assert followed, "inside the tie the next-page link must be followed"


def test_an_item_updated_mid_paging_is_not_lost(fake, make_connector):
    made = labelled(fake, 12)
    connector = make_connector(page_size=4)

    def bump(page: int) -> None:
        if page == 1:
            fake.tick()
            fake.update_issue(made[1].node_id, title="Edited while we page")
            fake.on_list_page = None

    fake.on_list_page = bump

    items = items_of(sync(connector))

    assert {i.external_id for i in items} == {issue.node_id for issue in made}
    latest = [i for i in items if i.external_id == made[1].node_id][-1]
    assert latest.title == "Edited while we page"


def test_an_unchanged_poll_is_one_conditional_request_answered_304(fake, make_connector):
    labelled(fake, 10)
    first = sync(make_connector(page_size=4))
    state = final_state(first)
    assert state["repo:acme/api"].etag
    before = len(fake.requests)

    again = sync(make_connector(page_size=4), state)

    assert again == []
    [poll] = fake.requests[before:]
    assert (poll.status, poll.if_none_match) == (304, state["repo:acme/api"].etag)


def test_a_change_after_the_etag_was_kept_is_still_seen(fake, make_connector):
    made = labelled(fake, 3)
    state = final_state(sync(make_connector()))
    fake.tick()
    fake.update_issue(made[0].node_id, state="closed", state_reason="not_planned")

    pages = sync(make_connector(), state)

    changed = [i for i in items_of(pages) if i.external_id == made[0].node_id]
    assert [i.state.value for i in changed] == ["wont_do"]
    assert final_state(pages)["repo:acme/api"].etag


def test_a_full_run_ignores_cursor_and_etag(fake, make_connector):
    labelled(fake, 5)
    state = final_state(sync(make_connector()))
    before = len(fake.requests)

    again = sync(make_connector(), state, full=True)

    assert len(items_of(again)) == 5
    assert all(r.if_none_match is None for r in fake.requests[before:])


def test_the_first_request_of_a_poll_starts_overlap_seconds_before_the_cursor(fake, make_connector):
    labelled(fake, 2)
    cursor = T0 + timedelta(minutes=30)
    sync(make_connector(overlap=300), {"repo:acme/api": PartitionState(cursor=cursor)})
    assert listings(fake)[0].query["since"] == "2026-03-02T12:25:00Z"


def test_github_enterprise_api_root_is_used_for_listing_and_links(fake, url, time):
    labelled(fake, 5)
    connector = GitHubConnector(github_config(f"{url}/api/v3", page_size=2), time.context())
    try:
        items = items_of(sync(connector))
    finally:
        connector.close()
    assert len(items) == 5
    assert all(r.path.startswith("/api/v3/") for r in fake.requests)


def test_a_malformed_issue_is_reported_while_the_rest_of_its_page_lands(fake, make_connector):
    good, bad = labelled(fake, 2)
    broken = {**bad.raw(), "updated_at": "last tuesday"}
    fake.fail_next(200, body=json.dumps([good.raw(), broken]), path_contains="/issues")

    [page, *_] = sync(make_connector())

    assert [i.external_id for i in page.items] == [good.node_id]
    [error] = page.errors
    assert error.external_id == bad.node_id
    assert error.key == f"acme/api#{bad.number}"
    assert "updated_at" in error.message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("<html><body>Unicorn!</body></html>", id="html"),
        pytest.param('[{"node_id": "I_1", "trunc', id="truncated-json"),
        pytest.param('{"message": "not a list"}', id="not-a-list"),
    ],
)
def test_an_unreadable_listing_page_fails_after_the_pages_before_it(fake, make_connector, body):
    labelled(fake, 6)
    connector = make_connector(page_size=3)
    pages = connector.fetch_changed({})
    first = next(pages)
    fake.fail_next(200, body=body, path_contains="/issues")

    with pytest.raises(BadResponse, match="acme/api"):
        list(pages)
    assert len(first.items) == 3


def test_first_sync_costs_the_listing_floor_plus_one_confirming_request(fake, make_connector):
    seed_github(fake, seed=11, labelled=450, unlabelled=300, pull_requests=60, now=T0)
    listed = {
        repo: sum(LABEL in i.label_names() for i in fake.issues(repo))
        for repo in ("acme/api", "acme/web")
    }
    connector = make_connector(repos=["acme/api", "acme/web"])

    pages = sync(connector)

    assert len(items_of(pages)) == 450
    for repo, count in listed.items():
        floor = math.ceil(count / 100)
        assert len(listings(fake, repo)) <= floor + 1, (repo, count)


def test_a_next_link_outside_the_api_root_is_refused(fake, make_connector):
    tie = fake.now
    tied = [fake.create_issue("acme/api", title=f"Tie {n}", labels=(LABEL,)) for n in range(4)]
    elsewhere = '<http://elsewhere.example/repos/acme/api/issues?page=2>; rel="next"'
    fake.fail_next(
        200,
        body=json.dumps([issue.raw() for issue in tied[:2]]),
        headers={"Link": elsewhere},
        path_contains="/issues",
    )
    state = {"repo:acme/api": PartitionState(cursor=tie)}

    with pytest.raises(BadResponse, match="refusing a link outside"):
        sync(make_connector(page_size=2, overlap=0), state)
    assert all(r.path.startswith("/repos/acme/api/issues") for r in fake.requests)
