"""The seeded dataset: deterministic per seed, realistic, and covering every mapping case."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.testing import FakeGitHub, FakeIssue, seed_github

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
TYPES = ("prevention", "detection", "mitigation", "process")
INCIDENT = re.compile(r"\bINC-\d+\b")


def seeded(seed: int = 7, **kwargs: int) -> FakeGitHub:
    fake = FakeGitHub(now=NOW)
    seed_github(fake, seed=seed, now=NOW, **{"labelled": 200, **kwargs})
    return fake


def type_of(issue: FakeIssue) -> str | None:
    for name in (n.lower() for n in issue.label_names()):
        for kind in TYPES:
            if name in (kind, f"type:{kind}", f"action-type:{kind}"):
                return kind
    return None


def due_source(issue: FakeIssue) -> str:
    if issue.milestone is not None:
        return "milestone"
    if re.search(r"^Due: \d{4}-\d{2}-\d{2}$", issue.body, re.MULTILINE):
        return "body"
    if any(n.startswith("due:") for n in issue.label_names()):
        return "label"
    return "none"


def due_date(issue: FakeIssue) -> date | None:
    if issue.milestone is not None:
        return issue.milestone.due_on
    found = re.search(
        r"(?:^Due: |due:)(\d{4}-\d{2}-\d{2})",
        issue.body + " " + " ".join(issue.label_names()),
        re.MULTILINE,
    )
    return date.fromisoformat(found.group(1)) if found else None


def labelled(fake: FakeGitHub) -> list[FakeIssue]:
    return [i for i in fake.issues() if "incident-action" in i.label_names() and not i.pull_request]


def test_the_same_seed_gives_the_same_issues():
    first, second = (
        seeded(3, unlabelled=20, pull_requests=10),
        seeded(3, unlabelled=20, pull_requests=10),
    )

    assert [i.raw() for i in first.issues()] == [i.raw() for i in second.issues()]


def test_another_seed_gives_other_issues():
    assert [i.title for i in seeded(1).issues()] != [i.title for i in seeded(2).issues()]


def test_counts_and_repos_are_as_asked():
    fake = seeded(labelled=50, unlabelled=30, pull_requests=12)
    issues = fake.issues()

    assert len(issues) == 92
    assert sum(i.pull_request for i in issues) == 12
    assert len(labelled(fake)) == 50
    assert {i.repo for i in issues} == {"acme/api", "acme/web"}


@pytest.mark.parametrize("count", [6, 200])
def test_every_mapping_case_appears(count):
    items = labelled(seeded(labelled=count))

    assert {type_of(i) for i in items} >= set(TYPES)
    assert {(i.state, i.state_reason) for i in items} >= {
        ("open", None),
        ("closed", "completed"),
        ("closed", "not_planned"),
        ("closed", "duplicate"),
        ("closed", None),
    }
    assert {len(i.assignees) for i in items} == {0, 1, 2, 3}
    assert {due_source(i) for i in items} == {"milestone", "body", "label", "none"}
    assert any("blocked" in i.label_names() for i in items if i.state == "open")
    assert any(i.blocked_by > 0 for i in items if i.state == "open")


def test_items_look_like_incident_follow_ups():
    items = labelled(seeded(labelled=300))
    refs = [
        next(
            (n.removeprefix("incident:") for n in i.label_names() if n.startswith("incident:")),
            None,
        )
        or (INCIDENT.search(i.title) or INCIDENT.search(i.body))
        for i in items
    ]

    assert all(refs)
    assert any(n.startswith("incident:INC-") for i in items for n in i.label_names())
    assert any(INCIDENT.search(i.title) for i in items)
    assert any(INCIDENT.search(i.body) and not INCIDENT.search(i.title) for i in items)
    assert any("queue depth" in i.title or "runbook" in i.title for i in items)
    assert len({login for i in items for login in i.assignees}) > 5


def test_dates_span_the_past_year_with_stale_and_overdue_items():
    items = labelled(seeded(labelled=300))
    opened = [i for i in items if i.state == "open"]

    assert all(i.created_at <= i.updated_at <= NOW for i in items)
    assert all(
        i.closed_at is not None and i.created_at <= i.closed_at <= i.updated_at
        for i in items
        if i.state == "closed"
    )
    assert min(i.created_at for i in items) < NOW - timedelta(days=300)
    assert any(i.updated_at < NOW - timedelta(days=90) for i in opened)
    assert any((d := due_date(i)) is not None and d < NOW.date() for i in opened)
    assert any(i.updated_at > NOW - timedelta(days=7) for i in opened)


def test_noise_lacks_the_label_and_some_pull_requests_carry_it():
    fake = seeded(labelled=10, unlabelled=100, pull_requests=60)
    noise = [i for i in fake.issues() if not i.pull_request and i not in labelled(fake)]
    pulls = [i for i in fake.issues() if i.pull_request]

    assert len(noise) == 100
    assert any(INCIDENT.search(i.title + i.body) for i in noise)
    assert 0 < sum("incident-action" in p.label_names() for p in pulls) < len(pulls)


def test_numbers_rise_with_creation_time_in_each_repo():
    fake = seeded(labelled=100, unlabelled=50)

    for repo in ("acme/api", "acme/web"):
        issues = sorted(fake.issues(repo), key=lambda i: i.number)
        assert [i.created_at for i in issues] == sorted(i.created_at for i in issues)


def test_most_items_closed_as_not_planned_say_why_within_the_hour_before_closing():
    fake = seeded(labelled=300)
    dropped = [i for i in labelled(fake) if i.state_reason == "not_planned"]
    duplicates = [i for i in labelled(fake) if i.state_reason == "duplicate"]
    explained = [i for i in dropped if i.thread]

    assert 0.6 < len(explained) / len(dropped) < 1
    for issue in explained + duplicates:
        [reason] = issue.thread
        assert issue.closed_at is not None
        assert timedelta(0) <= issue.closed_at - reason.created_at <= timedelta(hours=1)
    assert all(
        not i.thread for i in labelled(fake) if i.state_reason not in ("not_planned", "duplicate")
    )


def test_the_same_seed_gives_the_same_reasons():
    first, second = seeded(5), seeded(5)
    assert [(c.body, c.user, c.created_at) for i in first.issues() for c in i.thread] == [
        (c.body, c.user, c.created_at) for i in second.issues() for c in i.thread
    ]
