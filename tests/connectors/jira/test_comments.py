"""fetch_comments: the comments on each window's item created inside the window, read in
bulk from the comment field, paged per issue only when the field held fewer than all."""

from __future__ import annotations

from datetime import timedelta

from connectors.base import CommentWindow, ItemRef
from connectors.jira.config import PARTITION
from tests.connectors.jira.conftest import LABEL


def window(issue, start, end) -> CommentWindow:
    return CommentWindow(ItemRef(issue.id, issue.key, PARTITION), start, end)


def test_comments_inside_each_window_with_author_and_plain_text(fake, make_connector):
    first = fake.create_issue("OPS", "Retire the cron", labels=[LABEL])
    second = fake.create_issue("OPS", "Add a dashboard", labels=[LABEL])
    early = fake.add_comment(first.id, "Too early", at=fake.now - timedelta(hours=3))
    reason = fake.add_comment(first.id, "Superseded by the new pipeline", author="Ana Lima")
    other = fake.add_comment(second.id, "Duplicate of OPS-9")
    start, end = fake.now - timedelta(hours=1), fake.now + timedelta(hours=1)

    found = list(
        make_connector().fetch_comments([window(first, start, end), window(second, start, end)])
    )

    assert [(c.external_id, c.author, c.body) for c in found] == [
        (first.id, "Ana Lima", reason.body),
        (second.id, "Priya Shah", other.body),
    ]
    assert found[0].at == reason.created
    assert early.body not in {c.body for c in found}
    assert sum(1 for r in fake.requests if "bulkfetch" in r.path or "search" in r.path) == 1


def test_an_issue_with_more_comments_than_the_field_holds_is_paged(fake, make_connector):
    issue = fake.create_issue("OPS", "Chatty", labels=[LABEL])
    for number in range(fake.comment_cap + 3):
        fake.add_comment(issue.id, f"Comment {number}", at=fake.now + timedelta(minutes=number))
    span = window(issue, fake.now, fake.now + timedelta(hours=1))
    found = list(make_connector().fetch_comments([span]))
    assert [c.body for c in found] == [f"Comment {n}" for n in range(fake.comment_cap + 3)]
    assert any(r.path == f"/rest/api/2/issue/{issue.id}/comment" for r in fake.requests)


def test_a_deleted_item_yields_nothing(fake, make_connector):
    issue = fake.create_issue("OPS", "Gone", labels=[LABEL])
    fake.add_comment(issue.id, "Before deletion")
    fake.delete_issue(issue.id)
    span = window(issue, fake.now - timedelta(hours=1), fake.now)
    assert list(make_connector().fetch_comments([span])) == []
