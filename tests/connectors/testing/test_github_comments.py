"""The fake's issue comments: recorded with their times, served oldest first from `since`
(inclusive, on the last update, like GitHub), paged with `Link`."""

from __future__ import annotations

from datetime import timedelta

from tests.connectors.testing.conftest import walk


def test_a_comment_renders_githubs_rest_fields(fake, client):
    issue = fake.create_issue("acme/api", title="Drop it")
    made = fake.comment(issue.node_id, "Not doing this", user="ana", at=fake.now)

    [raw] = client.get(f"/repos/acme/api/issues/{issue.number}/comments").json()

    assert raw["id"] == made.id
    assert raw["body"] == "Not doing this"
    assert raw["user"]["login"] == "ana"
    assert raw["created_at"] == raw["updated_at"] == fake.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert raw["issue_url"].endswith(f"/repos/acme/api/issues/{issue.number}")
    assert client.get(f"/repos/acme/api/issues/{issue.number}").json()["comments"] == 1


def test_commenting_now_bumps_the_issue_and_seeding_the_past_does_not(fake):
    issue = fake.create_issue("acme/api", title="Drop it")
    created = issue.updated_at
    fake.comment(issue.node_id, "old note", at=created - timedelta(days=3))
    assert issue.updated_at == created

    fake.tick()
    fake.comment(issue.node_id, "new note")
    assert issue.updated_at == fake.now


def test_comments_are_oldest_first_and_since_keeps_the_updated_at_or_after(fake, client):
    issue = fake.create_issue("acme/api", title="Thread")
    start = fake.now
    fake.comment(issue.node_id, "third", at=start + timedelta(minutes=2))
    fake.comment(issue.node_id, "first", at=start)
    fake.comment(issue.node_id, "second", at=start + timedelta(minutes=1))
    path = f"/repos/acme/api/issues/{issue.number}/comments"

    every = client.get(path).json()
    since = client.get(path, params={"since": (start + timedelta(minutes=1)).isoformat()}).json()

    assert [c["body"] for c in every] == ["first", "second", "third"]
    assert [c["body"] for c in since] == ["second", "third"]


def test_long_threads_page_with_link_headers(fake, client):
    issue = fake.create_issue("acme/api", title="Busy")
    for n in range(7):
        fake.comment(issue.node_id, f"note {n}", at=fake.now + timedelta(seconds=n))

    found, urls = walk(client, f"/repos/acme/api/issues/{issue.number}/comments", per_page=3)

    assert [c["body"] for c in found] == [f"note {n}" for n in range(7)]
    assert len(urls) == 3


def test_comments_of_a_deleted_issue_answer_410(fake, client):
    issue = fake.create_issue("acme/api", title="Gone")
    fake.delete_issue(issue.node_id)
    assert client.get(f"/repos/acme/api/issues/{issue.number}/comments").status_code == 410
