"""Listing over real HTTP: the filter sent, archived and trashed issues, teams, paging
newest first with a resume token, and the cursor moving only when a run completes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.base import PartitionState
from connectors.errors import ConfigError
from connectors.item import ItemState
from connectors.testing.linear_model import FakeState
from tests.connectors.contract import final_state, items_of
from tests.connectors.linear.conftest import LABEL, T0


def listings(fake) -> list[dict]:
    return fake.variables("ActionItems")


def test_the_filter_asks_for_the_label_in_any_case_since_cursor_minus_overlap_and_the_team(
    fake, make_connector
):
    fake.create_issue("ENG", title="Shouted label", labels=("INCIDENT-ACTION",))
    fake.create_issue("OPS", title="Other team", labels=(LABEL,))
    saved = {"team:ENG": PartitionState(cursor=T0)}

    pages = list(make_connector(teams=["ENG"], overlap=120).fetch_changed(saved))

    assert [i.title for i in items_of(pages)] == ["Shouted label"]
    (sent,) = listings(fake)
    assert sent == {
        "after": None,
        "first": 50,
        "filter": {
            "labels": {"some": {"name": {"eqIgnoreCase": LABEL}}},
            "updatedAt": {"gte": "2026-03-02T11:58:00Z"},
            "team": {"key": {"eq": "ENG"}},
        },
    }


def test_without_teams_one_workspace_partition_lists_every_team(fake, make_connector):
    fake.create_issue("ENG", title="E", labels=(LABEL,))
    fake.create_issue("OPS", title="O", labels=(LABEL,))
    pages = list(make_connector().fetch_changed({}))
    assert {(i.partition, i.key) for i in items_of(pages)} == {
        ("workspace", "ENG-1"),
        ("workspace", "OPS-1"),
    }
    assert "team" not in listings(fake)[0]["filter"]


def test_archived_completed_issues_are_listed_done_and_trashed_ones_are_not(fake, make_connector):
    done = fake.create_issue("ENG", title="Done long ago", labels=(LABEL,))
    fake.update_issue(done.id, state="Done")
    fake.archive(done.id)
    duplicate = fake.create_issue("ENG", title="Same as another", labels=(LABEL,))
    fake.update_issue(duplicate.id, state="Duplicate")
    trashed = fake.create_issue("ENG", title="Deleted", labels=(LABEL,))
    fake.trash(trashed.id)

    items = {i.external_id: i for i in items_of(make_connector().fetch_changed({}))}

    assert set(items) == {done.id, duplicate.id}
    assert items[done.id].state is ItemState.DONE
    assert items[duplicate.id].state is ItemState.WONT_DO


def test_pages_come_newest_first_and_the_cursor_moves_only_at_the_end(fake, make_connector):
    made = []
    for number in range(7):
        made.append(fake.create_issue("ENG", title=f"A{number}", labels=(LABEL,)))
        fake.tick()
    saved = PartitionState(cursor=T0 - timedelta(days=1))

    pages = list(make_connector(page_size=3).fetch_changed({"workspace": saved}))

    assert [[i.title for i in p.items] for p in pages] == [
        ["A6", "A5", "A4"],
        ["A3", "A2", "A1"],
        ["A0"],
    ]
    assert [p.state.cursor for p in pages] == [saved.cursor, saved.cursor, made[-1].updated_at]
    assert [p.state.high_water for p in pages[:2]] == [made[-1].updated_at] * 2
    assert pages[0].state.resume_token
    assert pages[1].state.resume_token
    assert pages[-1].state.resume_token is None
    assert [v["after"] for v in listings(fake)] == [
        None,
        pages[0].state.resume_token,
        pages[1].state.resume_token,
    ]


def test_a_run_resumes_after_its_token_keeping_the_high_water(fake, make_connector):
    for number in range(5):
        fake.create_issue("ENG", title=f"A{number}", labels=(LABEL,))
        fake.tick()
    first = next(iter(make_connector(page_size=2).fetch_changed({})))

    resumed = list(make_connector(page_size=2).fetch_changed({"workspace": first.state}))

    assert [i.title for i in items_of(resumed)] == ["A2", "A1", "A0"]
    assert final_state(resumed)["workspace"] == PartitionState(cursor=first.state.high_water)


def test_a_poll_without_changes_is_one_request_and_keeps_the_cursor(fake, make_connector):
    fake.create_issue("ENG", title="Old", labels=(LABEL,))
    fake.tick()
    fake.create_issue("ENG", title="Newest", labels=(LABEL,))
    state = final_state(make_connector().fetch_changed({}))
    fake.tick(3600)
    before = len(fake.requests)

    pages = list(make_connector(overlap=0).fetch_changed(state))

    assert len(fake.requests) - before == 1
    assert [[i.title for i in p.items] for p in pages] == [["Newest"]]  # `gte` the cursor
    assert pages[0].state == state["workspace"]


def test_a_team_move_lists_the_item_under_its_new_key_keeping_the_old(fake, make_connector):
    issue = fake.create_issue("ENG", title="Moves", labels=(LABEL,))
    fake.tick()
    fake.move_issue(issue.id, "OPS")

    (item,) = items_of(make_connector(teams=["ENG", "OPS"]).fetch_changed({}))

    assert (item.external_id, item.key, item.previous_keys) == (issue.id, "OPS-1", ("ENG-1",))
    assert item.partition == "team:OPS"


def test_a_malformed_issue_is_reported_and_the_rest_of_its_page_lands(fake, make_connector):
    fake.create_issue("ENG", title="Fine", labels=(LABEL,))
    bad = fake.create_issue("ENG", title="Bad due", labels=(LABEL,))
    bad.state = FakeState("x", "Paused", "paused")

    (page,) = make_connector().fetch_changed({})

    assert [i.title for i in page.items] == ["Fine"]
    assert [(e.key, e.external_id) for e in page.errors] == [("ENG-2", bad.id)]
    assert "state.type" in page.errors[0].message


def test_a_team_that_lists_nothing_on_its_first_run_must_exist(fake, make_connector):
    fake.create_issue("ENG", title="A", labels=(LABEL,))
    fake.add_team("QUIET")

    with pytest.raises(ConfigError, match="no team with key 'NOPE'"):
        list(make_connector(teams=["ENG", "NOPE"]).fetch_changed({}))
    pages = list(make_connector(teams=["QUIET"]).fetch_changed({}))

    assert [p.items for p in pages] == [[]]
    assert fake.variables("TeamByKey") == [
        {"filter": {"key": {"eq": "NOPE"}}},
        {"filter": {"key": {"eq": "QUIET"}}},
    ]


def test_a_synced_team_that_lists_nothing_costs_no_team_check(fake, make_connector):
    saved = {"team:ENG": PartitionState(cursor=T0)}
    fake.tick(3600)
    assert [p.items for p in make_connector(teams=["ENG"]).fetch_changed(saved)] == [[]]
    assert fake.operations() == ["ActionItems"]
