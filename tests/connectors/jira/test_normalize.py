"""Issue JSON → Item, row by row of CONNECTORS.md §5 for Jira (CONTRACT.md §1)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from connectors.config import DEFAULT_INCIDENT_PATTERN
from connectors.item import ItemState, ItemType
from connectors.jira.config import DEFAULT_WONT_DO
from connectors.jira.normalize import Rules, normalize

SITE = "https://acme.atlassian.net"
FLAGGED = "customfield_10021"
TYPE = "customfield_10050"
RULES = Rules(
    site=SITE,
    partition="jql",
    incident_pattern=re.compile(DEFAULT_INCIDENT_PATTERN),
    wont_do=frozenset(name.casefold() for name in DEFAULT_WONT_DO),
    flagged_field=FLAGGED,
    type_field=TYPE,
    incident_project="INC",
)
TODO = {"name": "To Do", "statusCategory": {"key": "new"}}
TRIAGE = {"name": "Triage", "statusCategory": {"key": "undefined"}}
DOING = {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}
DONE = {"name": "Done", "statusCategory": {"key": "done"}}
BLOCKED = {"name": "Blocked by vendor", "statusCategory": {"key": "indeterminate"}}


def issue(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "summary": "Add alert on queue depth",
        "description": None,
        "status": TODO,
        "resolution": None,
        "resolutiondate": None,
        "statuscategorychangedate": "2026-02-01T10:00:00.000+0000",
        "duedate": None,
        "created": "2026-02-01T10:00:00.000+0000",
        "updated": "2026-02-03T00:30:00.000-1000",
        "labels": ["incident-action"],
        "priority": {"name": "High"},
        "assignee": None,
        "issuelinks": [],
        FLAGGED: None,
        TYPE: None,
    }
    base.update(fields)
    return {"id": "10042", "key": "OPS-7", "fields": base}


def blocked_by(category: str, inward: str = "is blocked by") -> dict[str, Any]:
    other = {
        "key": "OPS-1",
        "fields": {"status": {"name": "x", "statusCategory": {"key": category}}},
    }
    return {"type": {"name": "Blocks", "inward": inward, "outward": "blocks"}, "inwardIssue": other}


def link_to(key: str, side: str = "outwardIssue") -> dict[str, Any]:
    other = {"key": key, "fields": {"status": DONE}}
    return {
        "type": {"name": "Relates", "inward": "relates to", "outward": "relates to"},
        side: other,
    }


def test_ids_key_url_times_and_the_plain_fields():
    item = normalize(
        issue(
            assignee={"displayName": "Priya Shah", "accountId": "5b10:priya"},
            duedate="2026-03-15",
        ),
        RULES,
    )
    assert (item.external_id, item.key, item.url) == ("10042", "OPS-7", f"{SITE}/browse/OPS-7")
    assert item.partition == "jql"
    assert item.created_at == datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    assert item.updated_at == datetime(2026, 2, 3, 10, 30, tzinfo=UTC)  # -1000 read as an offset
    assert (item.owner, item.owners) == ("Priya Shah", ("Priya Shah",))
    assert item.due_date == date(2026, 3, 15)
    assert (item.priority, item.raw_status, item.labels) == ("High", "To Do", ("incident-action",))
    assert (item.resolution, item.resolved_at) == (None, None)


@pytest.mark.parametrize(
    ("status", "resolution", "expected"),
    [
        (TODO, None, ItemState.OPEN),
        (TRIAGE, None, ItemState.OPEN),
        (DOING, None, ItemState.IN_PROGRESS),
        (DONE, "Done", ItemState.DONE),
        (DONE, "Fixed", ItemState.DONE),
        (DONE, None, ItemState.DONE),
        *[(DONE, name, ItemState.WONT_DO) for name in DEFAULT_WONT_DO],
        (DONE, "won't do", ItemState.WONT_DO),
    ],
)
def test_status_category_and_resolution_give_the_state(status, resolution, expected):
    raw = issue(status=status, resolution={"name": resolution} if resolution else None)
    item = normalize(raw, RULES)
    assert item.state is expected
    assert item.resolution == resolution


def test_won_t_do_resolutions_are_the_sources_own_list():
    rules = Rules(**{**RULES.__dict__, "wont_do": frozenset({"not doing"})})
    renamed = issue(status=DONE, resolution={"name": "Not Doing"})
    default = issue(status=DONE, resolution={"name": "Won't Do"})
    assert normalize(renamed, rules).state is ItemState.WONT_DO
    assert normalize(default, rules).state is ItemState.DONE


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"status": BLOCKED}, id="status-name"),
        pytest.param({FLAGGED: [{"value": "Impediment"}]}, id="flagged-field"),
        pytest.param({"issuelinks": [blocked_by("new")]}, id="blocked-by-open-issue"),
        pytest.param({"issuelinks": [blocked_by("indeterminate")]}, id="blocked-by-started-issue"),
        pytest.param({"status": DOING, "issuelinks": [blocked_by("new")]}, id="over-in-progress"),
    ],
)
def test_each_route_to_blocked(fields):
    assert normalize(issue(**fields), RULES).state is ItemState.BLOCKED


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"issuelinks": [blocked_by("done")]}, id="blocker-finished"),
        pytest.param({"issuelinks": [blocked_by("new", inward="relates to")]}, id="other-link"),
        pytest.param({FLAGGED: []}, id="flag-cleared"),
    ],
)
def test_what_does_not_block(fields):
    assert normalize(issue(**fields), RULES).state is ItemState.OPEN


def test_closed_wins_over_blocked():
    raw = issue(status=DONE, resolution={"name": "Done"}, **{FLAGGED: [{"value": "Impediment"}]})
    assert normalize(raw, RULES).state is ItemState.DONE


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"resolutiondate": "2026-02-05T09:00:00.000+0000"}, 5, id="resolutiondate"),
        pytest.param(
            {"statuscategorychangedate": "2026-02-04T09:00:00.000+0000"}, 4, id="fallback"
        ),
    ],
)
def test_resolved_at_for_closed_items(fields, expected):
    raw = issue(status=DONE, resolution={"name": "Done"}, **fields)
    assert normalize(raw, RULES).resolved_at == datetime(2026, 2, expected, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {"labels": ["incident-action", "incident:INC-9"], "summary": "INC-1"},
            "INC-9",
            id="label-first",
        ),
        pytest.param(
            {"issuelinks": [link_to("INC-4")], "summary": "INC-1"},
            "INC-4",
            id="link-to-incident-project",
        ),
        pytest.param({"issuelinks": [link_to("INC-5", "inwardIssue")]}, "INC-5", id="inward-link"),
        pytest.param(
            {"issuelinks": [link_to("OPS-5")], "summary": "After INC-2"}, "INC-2", id="summary"
        ),
        pytest.param({"description": "Follow-up from INC-3."}, "INC-3", id="description"),
        pytest.param(
            {"summary": "INC-6 again", "description": "INC-7"},
            "INC-6",
            id="summary-before-description",
        ),
        pytest.param({}, None, id="none"),
    ],
)
def test_incident_ref_by_each_route_in_order(fields, expected):
    assert normalize(issue(**fields), RULES).incident == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"labels": ["incident-action", "detection"]}, ItemType.DETECTION, id="label"),
        pytest.param({"labels": ["type:Process"]}, ItemType.PROCESS, id="type-label"),
        pytest.param({TYPE: {"value": "Mitigation"}}, ItemType.MITIGATION, id="select-field"),
        pytest.param({TYPE: "prevention"}, ItemType.PREVENTION, id="text-field"),
        pytest.param({TYPE: [{"value": "Detection"}]}, ItemType.DETECTION, id="multi-select"),
        pytest.param({TYPE: {"value": "Other"}}, None, id="unknown-value"),
    ],
)
def test_type_from_labels_or_the_type_field(fields, expected):
    assert normalize(issue(**fields), RULES).type is expected


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        pytest.param({"id": "1", "key": "OPS-1"}, "fields", id="no-fields"),
        pytest.param(issue(status=None), "status", id="no-status"),
        pytest.param(
            issue(status={"name": "X", "statusCategory": {"key": "odd"}}),
            "statusCategory",
            id="odd-category",
        ),
        pytest.param(issue(updated="yesterday"), "updated", id="bad-updated"),
        pytest.param(issue(duedate="2026-02-30"), "duedate", id="bad-duedate"),
        pytest.param(issue(labels="incident-action"), "labels", id="labels-not-a-list"),
        pytest.param({**issue(), "id": ""}, "id", id="empty-id"),
    ],
)
def test_bad_data_raises_value_error_naming_the_field(raw, names):
    with pytest.raises(ValueError, match=names):
        normalize(raw, RULES)
