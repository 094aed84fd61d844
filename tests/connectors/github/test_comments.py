"""Comment search for wont_do decisions: one paged listing per issue from the window's
start, kept to the comments created inside the window, through the one retry policy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.base import Comment, CommentWindow, ItemRef
from connectors.github import GitHubConnector
from connectors.github.comments import comments_in
from tests.connectors.github.conftest import LABEL, T0, github_config

HOUR = timedelta(hours=1)


@pytest.fixture
def connector(url, time):
    made = GitHubConnector(github_config(url), time.context())
    yield made
    made.close()


def window(issue, start, end) -> CommentWindow:
    ref = ItemRef(issue.node_id, f"{issue.repo}#{issue.number}", "repo:acme/api")
    return CommentWindow(ref, start, end)


def comment_requests(fake) -> list:
    return [r for r in fake.requests if r.path.endswith("/comments")]


def test_only_comments_created_inside_the_window_are_yielded_as_plain_text(fake, connector):
    issue = fake.create_issue("acme/api", title="Drop it", labels=(LABEL,))
    fake.comment(issue.node_id, "Before the window", at=T0 - 2 * HOUR)
    fake.comment(
        issue.node_id, "**Not doing** this: superseded", user="ana", at=T0 - timedelta(minutes=10)
    )
    fake.comment(issue.node_id, "After the window", at=T0 + 2 * HOUR)

    found = list(connector.fetch_comments([window(issue, T0 - HOUR, T0 + HOUR)]))

    assert found == [
        Comment(issue.node_id, T0 - timedelta(minutes=10), "ana", "**Not doing** this: superseded")
    ]
    [request] = comment_requests(fake)
    assert request.path == f"/repos/acme/api/issues/{issue.number}/comments"
    assert request.query == {"since": "2026-03-02T11:00:00Z", "per_page": "100"}


def test_long_threads_are_followed_page_by_page(fake, connector):
    issue = fake.create_issue("acme/api", title="Busy", labels=(LABEL,))
    for n in range(150):
        fake.comment(issue.node_id, f"note {n}", at=T0 + timedelta(seconds=n))

    found = list(connector.fetch_comments([window(issue, T0, T0 + HOUR)]))

    assert [c.body for c in found] == [f"note {n}" for n in range(150)]
    assert len(comment_requests(fake)) == 2


def test_each_window_is_searched_for_its_own_issue(fake, connector):
    first = fake.create_issue("acme/api", title="One", labels=(LABEL,))
    second = fake.create_issue("acme/api", title="Two", labels=(LABEL,))
    fake.comment(first.node_id, "reason one", at=T0)
    fake.comment(second.node_id, "reason two", at=T0)

    found = list(
        connector.fetch_comments(
            [window(first, T0 - HOUR, T0 + HOUR), window(second, T0 - HOUR, T0 + HOUR)]
        )
    )

    assert [(c.external_id, c.body) for c in found] == [
        (first.node_id, "reason one"),
        (second.node_id, "reason two"),
    ]


def test_a_deleted_issue_has_no_comments_and_is_no_error(fake, connector):
    issue = fake.create_issue("acme/api", title="Gone", labels=(LABEL,))
    fake.comment(issue.node_id, "reason", at=T0)
    fake.delete_issue(issue.node_id)

    assert list(connector.fetch_comments([window(issue, T0 - HOUR, T0 + HOUR)])) == []


def test_server_errors_are_retried_with_the_one_policy(fake, connector, time):
    issue = fake.create_issue("acme/api", title="Flaky", labels=(LABEL,))
    fake.comment(issue.node_id, "reason", at=T0)
    fake.fail_next(503, times=2, path_contains="/comments")

    found = list(connector.fetch_comments([window(issue, T0 - HOUR, T0 + HOUR)]))

    assert [c.body for c in found] == ["reason"]
    assert time.requests == [503, 503, 200]


def test_entries_without_a_readable_creation_time_are_skipped():
    ref = ItemRef("I_1", "acme/api#1", "repo:acme/api")
    raw = [
        {"created_at": "not a time", "body": "x", "user": {"login": "ana"}},
        {"body": "no time"},
        "not an object",
        {"created_at": "2026-03-02T12:00:00Z", "body": None, "user": None},
    ]
    assert list(comments_in(CommentWindow(ref, T0 - HOUR, T0 + HOUR), raw)) == [
        Comment("I_1", T0, None, "")
    ]
