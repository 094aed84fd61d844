"""The fake GitHub's single issues, their events, the repo events feed, and model changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.connectors.testing.conftest import walk

ISSUE_FIELDS = {
    "id",
    "node_id",
    "number",
    "title",
    "body",
    "user",
    "labels",
    "state",
    "state_reason",
    "assignee",
    "assignees",
    "milestone",
    "created_at",
    "updated_at",
    "closed_at",
    "html_url",
    "url",
    "repository_url",
    "issue_dependencies_summary",
}
FEED = "/repos/acme/api/issues/events"


def test_an_issue_renders_githubs_rest_fields(fake, client):
    created = datetime(2025, 11, 3, 9, 30, 15, 123456, tzinfo=UTC)
    issue = fake.create_issue(
        "acme/api",
        title="Add alert on queue depth for payments-worker",
        body="Due: 2026-04-01",
        labels=["incident-action", "blocked"],
        assignees=["ana", "bo"],
        milestone_due=date(2026, 4, 1),
        created_at=created,
        blocked_by=2,
    )

    raw = client.get(f"/repos/acme/api/issues/{issue.number}").json()

    assert raw.keys() >= ISSUE_FIELDS
    assert raw["node_id"] == issue.node_id
    assert raw["created_at"] == raw["updated_at"] == "2025-11-03T09:30:15Z"
    assert raw["closed_at"] is None
    assert [label["name"] for label in raw["labels"]] == ["incident-action", "blocked"]
    assert raw["assignee"]["login"] == "ana"
    assert [a["login"] for a in raw["assignees"]] == ["ana", "bo"]
    assert raw["milestone"]["due_on"] == "2026-04-01T07:00:00Z"
    assert raw["issue_dependencies_summary"]["blocked_by"] == 2
    assert raw["html_url"] == "http://testserver/acme/api/issues/1"
    assert "pull_request" not in raw
    assert issue.raw()["url"] == "https://api.github.com/repos/acme/api/issues/1"
    assert issue.raw()["html_url"] == "https://github.com/acme/api/issues/1"


def test_changes_are_stamped_with_the_fake_clock(fake):
    issue = fake.create_issue("acme/api", title="x")
    fake.now = datetime(2026, 3, 5, 8, 0, 0, 999, tzinfo=UTC)

    fake.update_issue(issue.node_id, state="closed")

    assert issue.updated_at == issue.closed_at == datetime(2026, 3, 5, 8, tzinfo=UTC)
    assert issue.state_reason == "completed"
    assert fake.tick(90) == datetime(2026, 3, 5, 8, 1, 30, tzinfo=UTC)


def test_reopening_clears_closed_at_and_sets_reason_reopened(fake):
    issue = fake.create_issue("acme/api", title="x", state="closed", state_reason="not_planned")
    fake.tick()

    fake.update_issue(issue.node_id, state="open")

    assert (issue.state, issue.state_reason, issue.closed_at) == ("open", "reopened", None)


@pytest.mark.parametrize(
    ("state", "reason"), [("open", "completed"), ("closed", "wontfix"), ("merged", None)]
)
def test_impossible_states_are_refused(fake, state, reason):
    with pytest.raises(ValueError, match="invalid state"):
        fake.create_issue("acme/api", title="x", state=state, state_reason=reason)


def test_a_deleted_issue_answers_410_and_leaves_lists_and_the_feed(fake, client):
    issue = fake.create_issue("acme/api", title="x", labels=["incident-action"])

    fake.delete_issue(issue.node_id)

    assert client.get("/repos/acme/api/issues/1").status_code == 410
    assert client.get("/repos/acme/api/issues", params={"state": "all"}).json() == []
    assert client.get(FEED).json() == []
    with pytest.raises(ValueError, match="deleted"):
        fake.add_label(issue.node_id, "P1")


def test_a_hidden_issue_answers_404_and_leaves_lists(fake, client):
    issue = fake.create_issue("acme/api", title="x")

    fake.hide_issue(issue.node_id)

    assert client.get("/repos/acme/api/issues/1").status_code == 404
    assert client.get("/repos/acme/api/issues").json() == []


def test_unknown_issue_numbers_answer_404(client):
    assert client.get("/repos/acme/api/issues/999").status_code == 404


def test_a_transferred_issue_gets_new_ids_and_its_old_url_redirects(fake, client):
    old = fake.create_issue("acme/api", title="x", labels=["incident-action"], assignees=["ana"])
    fake.tick()

    new = fake.transfer_issue(old.node_id, "acme/web")

    moved = client.get("/repos/acme/api/issues/1", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"http://testserver/repos/acme/web/issues/{new.number}"
    assert client.get("/repos/acme/api/issues/1").json()["node_id"] == new.node_id
    assert (new.node_id, new.id) != (old.node_id, old.id)
    assert (new.repo, new.label_names(), new.assignees) == (
        "acme/web",
        ["incident-action"],
        ["ana"],
    )
    assert new.updated_at == fake.now
    assert client.get("/repos/acme/api/issues").json() == []
    assert [i["node_id"] for i in client.get("/repos/acme/web/issues").json()] == [new.node_id]
    feed = client.get(FEED).json()
    assert feed[0]["event"] == "transferred"
    assert feed[0]["issue"]["node_id"] == old.node_id


def test_issue_events_are_recorded_for_every_change_oldest_first(fake, client):
    issue = fake.create_issue("acme/api", title="x", labels=["incident-action"])
    steps = [
        lambda: fake.update_issue(issue.node_id, assignees=["ana"]),
        lambda: fake.update_issue(issue.node_id, assignees=["bo"]),
        lambda: fake.update_issue(issue.node_id, milestone_due=date(2026, 4, 1)),
        lambda: fake.update_issue(issue.node_id, milestone_due=None),
        lambda: fake.update_issue(issue.node_id, state="closed", state_reason="not_planned"),
        lambda: fake.update_issue(issue.node_id, state="open"),
        lambda: fake.update_issue(issue.node_id, title="y"),
        lambda: fake.remove_label(issue.node_id, "incident-action"),
    ]
    for step in steps:
        fake.tick()
        step()

    events, _ = walk(client, "/repos/acme/api/issues/1/events", per_page=5)

    assert [e["event"] for e in events] == [
        "labeled",
        "assigned",
        "unassigned",
        "assigned",
        "milestoned",
        "demilestoned",
        "closed",
        "reopened",
        "renamed",
        "unlabeled",
    ]
    assert events[0]["label"]["name"] == "incident-action"
    assert [e["assignee"]["login"] for e in events[1:4]] == ["ana", "ana", "bo"]
    assert events[4]["milestone"]["title"] == "Remediation 2026-04-01"
    assert events[6]["state_reason"] == "not_planned"
    assert events[8]["rename"] == {"from": "x", "to": "y"}
    assert [e["created_at"] for e in events] == sorted(e["created_at"] for e in events)
    assert events[-1]["created_at"] == issue.raw()["updated_at"]
    assert "issue" not in events[0]


def test_an_issue_created_closed_has_its_creation_events_at_its_own_times(fake, client):
    created = datetime(2025, 6, 1, tzinfo=UTC)
    closed = datetime(2025, 7, 1, tzinfo=UTC)
    fake.create_issue(
        "acme/api",
        title="x",
        labels=["incident-action"],
        assignees=["ana"],
        state="closed",
        state_reason="duplicate",
        created_at=created,
        closed_at=closed,
    )

    events = client.get("/repos/acme/api/issues/1/events").json()

    assert [(e["event"], e["created_at"]) for e in events] == [
        ("labeled", "2025-06-01T00:00:00Z"),
        ("assigned", "2025-06-01T00:00:00Z"),
        ("closed", "2025-07-01T00:00:00Z"),
    ]


def test_label_changes_are_idempotent_and_case_insensitive(fake):
    issue = fake.create_issue("acme/api", title="x", labels=["incident-action"])
    fake.tick()
    before = len(issue.events)

    fake.add_label(issue.node_id, "Incident-Action")
    fake.remove_label(issue.node_id, "absent")

    assert len(issue.events) == before
    assert issue.updated_at < fake.now


def test_the_repo_feed_is_newest_first_with_the_issue_and_an_etag(fake, client):
    first = fake.create_issue("acme/api", title="a", labels=["incident-action"])
    fake.tick()
    fake.update_issue(first.node_id, state="closed")
    fake.create_issue("acme/web", title="elsewhere", labels=["incident-action"])

    response = client.get(FEED)
    feed = response.json()

    assert [e["event"] for e in feed] == ["closed", "labeled"]
    assert feed[0]["issue"]["number"] == first.number
    assert feed[0]["issue"]["node_id"] == first.node_id
    assert [label["name"] for label in feed[0]["issue"]["labels"]] == ["incident-action"]
    assert client.get(FEED, headers={"If-None-Match": response.headers["etag"]}).status_code == 304


def test_the_repo_feed_pages_with_absolute_links(fake, client):
    for n in range(7):
        fake.create_issue("acme/api", title=f"issue {n}", labels=["incident-action"])
        fake.tick()

    events, urls = walk(client, FEED, per_page=3)

    assert len(events) == 7
    assert urls[-1] == "http://testserver/repos/acme/api/issues/events?per_page=3&page=3"
