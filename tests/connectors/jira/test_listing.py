"""The search the connector sends and how it pages: JQL, fields, time zones, cursors,
Data Center offset paging under concurrent updates (RELIABILITY checks 3, 4 and 5)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from connectors.base import PartitionState
from connectors.errors import PaginationLoop
from connectors.jira import JiraConnector
from connectors.testing import FakeJira, serve
from connectors.testing.jira_model import FLAGGED_FIELD, TYPE_FIELD
from tests.connectors.contract import items_of
from tests.connectors.fakes import FakeTime
from tests.connectors.jira.conftest import LABEL, T0, jira_config, labelled


def searches(fake: FakeJira, since: int = 0) -> list[dict[str, str]]:
    paths = ("/rest/api/2/search/jql", "/rest/api/2/search")
    return [r.query for r in fake.requests[since:] if r.path in paths]


def sync(make_connector, state=None, **keys):
    return list(make_connector(**keys).fetch_changed(state or {}))


def test_the_query_quotes_the_label_ands_the_jql_and_sorts_ascending(fake, make_connector):
    labelled(fake, 2)
    sync(make_connector, jql="project in (OPS)", type_field="Action Type")
    [query] = searches(fake)
    assert query["jql"] == (
        'labels = "incident-action" AND (project in (OPS)) ORDER BY updated ASC, key ASC'
    )
    fields = query["fields"].split(",")
    assert {"description", "status", "resolution", "issuelinks", "assignee"} <= set(fields)
    assert {FLAGGED_FIELD, TYPE_FIELD} <= set(fields)
    assert query["maxResults"] == "50"


def test_cloud_uses_search_jql_and_data_center_search(fake, make_connector):
    labelled(fake, 1)
    sync(make_connector)
    paths = {r.path for r in fake.requests if "/search" in r.path}
    assert paths == ({"/rest/api/2/search/jql"} if fake.cloud else {"/rest/api/2/search"})


def test_pages_follow_the_server_cap_below_what_was_asked(fake, make_connector):
    """Cloud follows the token; Data Center re-anchors each page on its last minute, so
    the boundary item is read twice (and deduped)."""
    made = labelled(fake, 8)
    pages = sync(make_connector, page_size=50)
    assert [len(page.items) for page in pages] == ([3, 3, 2] if fake.cloud else [3, 2, 2, 1])
    assert [i.external_id for i in items_of(pages)] == [i.id for i in made]
    assert pages[-1].state.cursor == made[-1].updated
    assert all(query["maxResults"] == "50" for query in searches(fake))


@pytest.mark.parametrize(
    ("zone", "local"),
    [("Pacific/Honolulu", "2026/03/02 02:"), ("Pacific/Tongatapu", "2026/03/03 01:")],
    ids=["utc-10", "utc+13"],
)
@pytest.mark.parametrize("flavour", ["cloud", "dc"])
def test_the_bound_is_on_the_api_users_wall_clock_and_loses_nothing_near_the_cursor(
    flavour, zone, local
):
    fake = FakeJira(flavour, now=T0, time_zone=zone, max_page=3)
    with serve(fake.app) as url:
        made = labelled(fake, 4, step=20)
        config = jira_config(fake, url, overlap=0)
        connector_time = FakeTime(T0)
        first = list(JiraConnector(config, connector_time.context()).fetch_changed({}))
        state = {"jql": first[-1].state}
        assert state["jql"].cursor == made[-1].updated
        fake.tick(1)  # the same minute as the cursor
        late = fake.create_issue("OPS", "Just after the cursor", labels=[LABEL])
        before = len(fake.requests)
        second = list(JiraConnector(config, connector_time.context()).fetch_changed(state))

    assert [i.external_id for i in items_of(second)] == [made[-1].id, late.id]
    [query] = searches(fake, before)
    assert f'updated >= "{local}' in query["jql"]


def test_items_the_minute_bound_lets_through_before_the_overlap_are_dropped(fake, make_connector):
    made = labelled(fake, 3, step=10)
    state = {"jql": PartitionState(cursor=made[-1].updated)}
    pages = sync(make_connector, state, overlap=0)
    assert [i.external_id for i in items_of(pages)] == [made[-1].id]


def test_ties_at_the_cursor_are_read_again_and_a_late_tie_is_not_lost(fake, make_connector):
    tied = [fake.create_issue("OPS", f"Tied {n}", labels=[LABEL]) for n in range(5)]
    first = sync(make_connector, overlap=0)
    state = {"jql": first[-1].state}
    late = fake.create_issue("OPS", "Late, same millisecond", labels=[LABEL])
    second = sync(make_connector, state, overlap=0)
    assert {i.external_id for i in items_of(second)} == {i.id for i in [*tied, late]}
    assert second[-1].state.cursor == first[-1].state.cursor


@pytest.mark.parametrize("skew", [-900, 900], ids=["server-behind", "server-ahead"])
def test_clock_skew_and_a_write_visible_late_lose_nothing(fake, url, skew):
    """Check 4: our clock is 15 minutes off the server's; a write shows in search 2 min late."""
    ours = FakeTime(T0 + timedelta(seconds=skew))
    config = jira_config(fake, url)
    labelled(fake, 3)
    fake.search_lag = 120
    slow = fake.create_issue("OPS", "Indexed late", labels=[LABEL])
    fake.search_lag = 0
    fake.tick(60)
    quick = fake.create_issue("OPS", "Indexed at once", labels=[LABEL])
    fake.tick(5)
    first = list(JiraConnector(config, ours.context()).fetch_changed({}))
    assert slow.id not in {i.external_id for i in items_of(first)}
    fake.tick(120)
    second = list(JiraConnector(config, ours.context()).fetch_changed({"jql": first[-1].state}))
    seen = {i.external_id for i in items_of([*first, *second])}
    assert {slow.id, quick.id} <= seen
    assert len(seen) == 5


@pytest.mark.parametrize("flavour", ["dc"])
def test_data_center_offset_paging_does_not_lose_an_item_updated_mid_sync(fake, make_connector):
    """Check 5: an item on page 1 updated while page 1 is served moves to the end; offsets
    would skip the item then sliding onto page 2's first slot."""
    made = labelled(fake, 12)

    def bump(page: int) -> None:
        if page == 1:
            fake.tick()
            fake.update_issue(made[0].id, summary="Edited mid-sync")
            fake.on_list_page = None

    fake.on_list_page = bump
    pages = sync(make_connector)
    latest = {i.external_id: i for i in items_of(pages)}
    assert set(latest) == {i.id for i in made}
    assert latest[made[0].id].title == "Edited mid-sync"


def test_a_run_of_one_minute_longer_than_a_page_is_paged_through(fake, make_connector):
    made = labelled(fake, 8, step=1)
    pages = sync(make_connector)
    assert {i.external_id for i in items_of(pages)} == {i.id for i in made}
    assert len(searches(fake)) == 3


@pytest.mark.parametrize("flavour", ["cloud"])
def test_a_repeated_next_page_token_is_refused(fake, make_connector):
    labelled(fake, 1)
    page = json.dumps({"issues": [], "nextPageToken": "same", "isLast": False})
    fake.fail_next(200, times=2, body=page, path_contains="/search/jql")
    with pytest.raises(PaginationLoop, match="nextPageToken repeated"):
        sync(make_connector)


def test_a_malformed_issue_is_reported_and_the_rest_of_the_page_lands(fake, make_connector):
    made = labelled(fake, 3)
    made[1].status = type(made[1].status)("99", "Odd", "weird")
    pages = sync(make_connector)
    assert {i.external_id for i in items_of(pages)} == {made[0].id, made[2].id}
    [error] = [e for page in pages for e in page.errors]
    assert (error.external_id, error.key) == (made[1].id, made[1].key)
    assert "statusCategory" in error.message
