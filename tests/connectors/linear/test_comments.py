"""Comments for decision windows: batched by issue, filtered to each window, no emails."""

from __future__ import annotations

from datetime import timedelta

from connectors.base import CommentWindow, ItemRef
from tests.connectors.linear.conftest import LABEL, T0


def window(issue, start, end) -> CommentWindow:
    return CommentWindow(ItemRef(issue.id, issue.identifier, "workspace"), start, end)


def test_comments_inside_each_window_are_yielded_with_author_names(fake, make_connector):
    first = fake.create_issue("ENG", title="Won't do", labels=(LABEL,))
    second = fake.create_issue("ENG", title="Also won't do", labels=(LABEL,))
    hour = timedelta(hours=1)
    fake.comment(first.id, "Too early", user="Ana Lima", at=T0 - 3 * hour)
    fake.comment(first.id, "Superseded by the new queue", user="Ana Lima", at=T0)
    fake.comment(second.id, "Not worth it", user="Bo Chen", at=T0 + hour)
    fake.comment(second.id, "Too late", user="Bo Chen", at=T0 + 5 * hour)
    before = len(fake.requests)

    found = list(
        make_connector().fetch_comments(
            [window(first, T0 - hour, T0 + hour), window(second, T0, T0 + 2 * hour)]
        )
    )

    assert [(c.external_id, c.at, c.author, c.body) for c in found] == [
        (first.id, T0, "Ana Lima", "Superseded by the new queue"),
        (second.id, T0 + hour, "Bo Chen", "Not worth it"),
    ]
    assert fake.operations()[before:] == ["IssueComments"]
    assert all("@" not in (c.author or "") for c in found)


def test_an_issue_with_many_comments_is_paged_on_its_own(fake, make_connector):
    issue = fake.create_issue("ENG", title="Chatty", labels=(LABEL,))
    for number in range(70):
        fake.comment(issue.id, f"c{number}", user="Ana Lima", at=T0 + timedelta(minutes=number))
    before = len(fake.requests)

    found = list(make_connector().fetch_comments([window(issue, T0, T0 + timedelta(days=1))]))

    assert [c.body for c in found] == [f"c{n}" for n in range(70)]
    assert fake.operations()[before:] == ["IssueComments", "IssueCommentsPage"]


def test_a_purged_issue_yields_no_comments(fake, make_connector):
    issue = fake.create_issue("ENG", title="Gone", labels=(LABEL,))
    fake.comment(issue.id, "bye", user="Ana Lima", at=T0)
    fake.purge(issue.id)
    assert list(make_connector().fetch_comments([window(issue, T0, T0)])) == []
