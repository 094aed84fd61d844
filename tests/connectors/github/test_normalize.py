"""GitHub issue JSON → Item, row by row of CONNECTORS.md §5 and CONTRACT.md §1."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from connectors.config import DEFAULT_INCIDENT_PATTERN
from connectors.github.normalize import is_pull_request, normalize
from connectors.item import ItemState, ItemType

PATTERN = re.compile(DEFAULT_INCIDENT_PATTERN)
PARTITION = "repo:acme/api"


def issue(**fields: object) -> dict[str, object]:
    """A plain open issue as GitHub's REST API returns it, with `fields` replaced."""
    raw: dict[str, object] = {
        "id": 1001,
        "node_id": "I_kwDOAAAB",
        "number": 42,
        "title": "Add an alert on queue depth",
        "body": "Follow-up of the outage.",
        "user": {"login": "reporter"},
        "labels": [{"id": 1, "name": "incident-action"}],
        "state": "open",
        "state_reason": None,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "created_at": "2026-01-10T09:00:00Z",
        "updated_at": "2026-02-01T10:30:00Z",
        "closed_at": None,
        "html_url": "https://github.com/acme/api/issues/42",
        "url": "https://api.github.com/repos/acme/api/issues/42",
        "repository_url": "https://api.github.com/repos/acme/api",
        "issue_dependencies_summary": {
            "blocked_by": 0,
            "blocking": 0,
            "total_blocked_by": 0,
            "total_blocking": 0,
        },
    }
    raw.update(fields)
    return raw


def labels(*names: str) -> list[dict[str, object]]:
    return [{"id": n, "name": name} for n, name in enumerate(("incident-action", *names))]


def users(*logins: str) -> list[dict[str, object]]:
    return [{"login": login, "id": n} for n, login in enumerate(logins)]


def blocked_by(count: int) -> dict[str, int]:
    return {"blocked_by": count, "blocking": 0, "total_blocked_by": count, "total_blocking": 0}


def run(raw: dict[str, object]):
    return normalize(raw, partition=PARTITION, incident_pattern=PATTERN)


CLOSED = {"state": "closed", "closed_at": "2026-02-01T10:30:00Z"}


@pytest.mark.parametrize(
    ("fields", "state", "raw_status", "resolution"),
    [
        pytest.param({}, ItemState.OPEN, "open", None, id="open"),
        pytest.param(
            {"state_reason": "reopened"}, ItemState.OPEN, "open", None, id="reopened-is-open"
        ),
        pytest.param(
            {**CLOSED, "state_reason": "completed"},
            ItemState.DONE,
            "closed (completed)",
            "completed",
            id="completed-done",
        ),
        pytest.param(CLOSED, ItemState.DONE, "closed", None, id="closed-no-reason-done"),
        pytest.param(
            {**CLOSED, "state_reason": "not_planned"},
            ItemState.WONT_DO,
            "closed (not_planned)",
            "not_planned",
            id="not-planned-wont-do",
        ),
        pytest.param(
            {**CLOSED, "state_reason": "duplicate"},
            ItemState.WONT_DO,
            "closed (duplicate)",
            "duplicate",
            id="duplicate-wont-do",
        ),
        pytest.param(
            {"labels": labels("blocked")}, ItemState.BLOCKED, "open", None, id="blocked-label"
        ),
        pytest.param(
            {"labels": labels("Blocked")}, ItemState.BLOCKED, "open", None, id="blocked-label-case"
        ),
        pytest.param(
            {"issue_dependencies_summary": blocked_by(2)},
            ItemState.BLOCKED,
            "open",
            None,
            id="blocked-by-dependency",
        ),
        pytest.param(
            {"issue_dependencies_summary": {**blocked_by(0), "total_blocked_by": 3}},
            ItemState.OPEN,
            "open",
            None,
            id="only-closed-blockers-not-blocked",
        ),
        pytest.param(
            {"issue_dependencies_summary": None}, ItemState.OPEN, "open", None, id="no-summary"
        ),
        pytest.param(
            {**CLOSED, "labels": labels("blocked"), "issue_dependencies_summary": blocked_by(1)},
            ItemState.DONE,
            "closed",
            None,
            id="closed-wins-over-blocked",
        ),
        pytest.param(
            {**CLOSED, "state_reason": "not_planned", "labels": labels("blocked")},
            ItemState.WONT_DO,
            "closed (not_planned)",
            "not_planned",
            id="wont-do-wins-over-blocked",
        ),
    ],
)
def test_state_comes_from_state_reason_and_blocked_applies_to_active_items_only(
    fields, state, raw_status, resolution
):
    item = run(issue(**fields))
    assert (item.state, item.raw_status, item.resolution) == (state, raw_status, resolution)


def test_resolved_at_is_closed_at_of_a_closed_issue_only():
    closed = run(issue(**CLOSED))
    assert closed.resolved_at == datetime(2026, 2, 1, 10, 30, tzinfo=UTC)
    reopened = run(issue(closed_at="2026-01-20T00:00:00Z", state_reason="reopened"))
    assert reopened.resolved_at is None


@pytest.mark.parametrize(
    ("fields", "owners"),
    [
        pytest.param({}, (), id="unassigned"),
        pytest.param({"assignee": users("ana")[0], "assignees": users("ana")}, ("ana",), id="one"),
        pytest.param(
            {"assignee": users("ana")[0], "assignees": users("ana", "bo", "cy")},
            ("ana", "bo", "cy"),
            id="several-in-order",
        ),
        pytest.param({"assignee": users("dee")[0], "assignees": []}, ("dee",), id="assignee-only"),
        pytest.param({"assignee": users("dee")[0], "assignees": None}, ("dee",), id="null-list"),
        pytest.param({"assignees": users("ana", "ana")}, ("ana",), id="repeated-once"),
    ],
)
def test_owners_are_the_assignee_logins_in_order_falling_back_to_assignee(fields, owners):
    item = run(issue(**fields))
    assert item.owners == owners
    assert item.owner == (owners[0] if owners else None)


@pytest.mark.parametrize(
    ("fields", "due"),
    [
        pytest.param({}, None, id="none"),
        pytest.param(
            {"milestone": {"title": "Q1", "due_on": "2026-03-31T07:00:00Z"}},
            date(2026, 3, 31),
            id="milestone",
        ),
        pytest.param(
            {"milestone": {"title": "Q1", "due_on": "2026-03-31T23:30:00-05:00"}},
            date(2026, 4, 1),
            id="milestone-utc-date",
        ),
        pytest.param({"milestone": {"title": "Later", "due_on": None}}, None, id="undated-ms"),
        pytest.param({"body": "Context.\nDue: 2026-04-15\n"}, date(2026, 4, 15), id="body-line"),
        pytest.param({"body": "Due: 2026-02-30"}, None, id="body-line-not-a-date"),
        pytest.param({"labels": labels("due:2026-05-01")}, date(2026, 5, 1), id="label"),
        pytest.param(
            {
                "milestone": {"title": "Q1", "due_on": "2026-03-31T07:00:00Z"},
                "body": "Due: 2026-04-15",
                "labels": labels("due:2026-05-01"),
            },
            date(2026, 3, 31),
            id="milestone-before-body-and-label",
        ),
        pytest.param(
            {"body": "Due: 2026-04-15", "labels": labels("due:2026-05-01")},
            date(2026, 4, 15),
            id="body-before-label",
        ),
    ],
)
def test_due_date_is_milestone_then_body_line_then_label(fields, due):
    assert run(issue(**fields)).due_date == due


@pytest.mark.parametrize(
    ("fields", "incident"),
    [
        pytest.param({}, None, id="none"),
        pytest.param(
            {"labels": labels("incident:INC-9"), "title": "INC-1 fix", "body": "INC-2"},
            "INC-9",
            id="label-first",
        ),
        pytest.param({"title": "Fix INC-12 fallout", "body": "INC-7"}, "INC-12", id="title"),
        pytest.param({"body": "Follow-up of INC-7."}, "INC-7", id="body"),
        pytest.param({"body": None}, None, id="null-body"),
    ],
)
def test_incident_ref_is_label_then_title_then_body(fields, incident):
    assert run(issue(**fields)).incident == incident


@pytest.mark.parametrize(
    ("names", "item_type"),
    [
        ((), None),
        (("prevention",), ItemType.PREVENTION),
        (("type:detection",), ItemType.DETECTION),
        (("action-type:Mitigation",), ItemType.MITIGATION),
        (("Process",), ItemType.PROCESS),
        (("bug",), None),
    ],
)
def test_type_comes_from_labels(names, item_type):
    assert run(issue(labels=labels(*names))).type == item_type


@pytest.mark.parametrize(
    ("names", "priority"),
    [
        ((), None),
        (("priority:high",), "high"),
        (("Priority: Urgent",), "Urgent"),
        (("p1",), "P1"),
        (("P0", "priority:low"), "P0"),
        (("P5", "priority:"), None),
    ],
)
def test_priority_comes_from_a_priority_or_p_level_label(names, priority):
    assert run(issue(labels=labels(*names))).priority == priority


def test_ids_key_url_times_and_labels_come_from_the_json():
    item = run(issue(labels=labels("prevention", "P2")))
    assert item.external_id == "I_kwDOAAAB"
    assert item.key == "acme/api#42"
    assert item.url == "https://github.com/acme/api/issues/42"
    assert item.title == "Add an alert on queue depth"
    assert item.partition == PARTITION
    assert item.created_at == datetime(2026, 1, 10, 9, tzinfo=UTC)
    assert item.updated_at == datetime(2026, 2, 1, 10, 30, tzinfo=UTC)
    assert item.labels == ("incident-action", "prevention", "P2")
    assert item.resolved_at is None


def test_key_falls_back_to_html_url_and_works_for_enterprise():
    github = run(issue(repository_url=None))
    assert github.key == "acme/api#42"
    enterprise = run(
        issue(
            repository_url="https://ghe.example.com/api/v3/repos/ops/runbooks",
            html_url="https://ghe.example.com/ops/runbooks/issues/42",
        )
    )
    assert enterprise.key == "ops/runbooks#42"


def test_labels_given_as_plain_strings_are_read_too():
    assert run(issue(labels=["incident-action", "blocked"])).state == ItemState.BLOCKED


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"pull_request": {"url": "https://api.github.com/repos/acme/api/pulls/7"}}, True),
        ({"pull_request": None}, False),
        ({}, False),
    ],
)
def test_pull_requests_are_recognised_by_their_pull_request_key(raw, expected):
    assert is_pull_request(issue(**raw)) is expected


def test_a_pull_request_is_never_normalised():
    with pytest.raises(ValueError, match="pull_request"):
        run(issue(pull_request={"url": "x"}))


MISSING = object()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("node_id", MISSING, "node_id"),
        ("node_id", "", "node_id"),
        ("number", "42", "number"),
        ("number", True, "number"),
        ("title", None, "title"),
        ("html_url", MISSING, "html_url"),
        ("state", "merged", "state"),
        ("state_reason", 3, "state_reason"),
        ("created_at", MISSING, "created_at"),
        ("updated_at", "yesterday", "updated_at"),
        ("updated_at", "2026-02-01T10:30:00", "updated_at"),
        ("updated_at", 1767225600, "updated_at"),
        ("closed_at", "2026-13-01T00:00:00Z", "closed_at"),
        ("labels", "incident-action", "labels"),
        ("labels", [{"id": 1}], "labels"),
        ("assignees", {"login": "ana"}, "assignees"),
        ("assignees", [{"id": 3}], "assignees"),
        ("milestone", "Q1", "milestone"),
        ("milestone", {"title": "Q1", "due_on": "soon"}, "milestone.due_on"),
        ("issue_dependencies_summary", [], "issue_dependencies_summary"),
        ("issue_dependencies_summary", {"blocked_by": "2"}, "issue_dependencies_summary"),
        ("repository_url", "https://api.github.com/users/acme", "repository_url"),
        ("body", ["text"], "body"),
    ],
)
def test_malformed_json_raises_value_error_naming_the_field(field, value, named):
    raw = issue(**CLOSED)
    if value is MISSING:
        del raw[field]
    else:
        raw[field] = value
    with pytest.raises(ValueError, match=re.escape(named)):
        run(raw)
