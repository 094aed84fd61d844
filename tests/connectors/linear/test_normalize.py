"""Mapping a Linear issue node to an Item: every Linear row of CONNECTORS.md §5, table-driven."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from connectors.config import DEFAULT_INCIDENT_PATTERN
from connectors.item import ItemState, ItemType
from connectors.linear.normalize import is_trashed, normalize
from tests.connectors.linear.conftest import issue_node as node

PATTERN = re.compile(DEFAULT_INCIDENT_PATTERN)


def item(**overrides: Any):
    return normalize(node(**overrides), partition="workspace", incident_pattern=PATTERN)


def state(kind: str, name: str = "Some state") -> dict[str, str]:
    return {"name": name, "type": kind}


def blocker(kind: str) -> dict[str, Any]:
    return {"nodes": [{"type": "blocks", "issue": {"identifier": "ENG-1", "state": state(kind)}}]}


def labels(*names: str) -> dict[str, Any]:
    return {"nodes": [{"name": name} for name in ("incident-action", *names)]}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("triage", ItemState.OPEN),
        ("backlog", ItemState.OPEN),
        ("unstarted", ItemState.OPEN),
        ("started", ItemState.IN_PROGRESS),
        ("completed", ItemState.DONE),
        ("canceled", ItemState.WONT_DO),
        ("duplicate", ItemState.WONT_DO),
    ],
)
def test_state_types_map_to_the_normalised_states(kind, expected):
    mapped = item(state=state(kind, "Named by the team"))
    assert mapped.state is expected
    assert mapped.raw_status == "Named by the team"
    assert mapped.resolution == ("Named by the team" if expected.is_closed else None)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"inverseRelations": blocker("started")}, ItemState.BLOCKED, id="by-started"),
        pytest.param({"inverseRelations": blocker("backlog")}, ItemState.BLOCKED, id="by-backlog"),
        pytest.param({"inverseRelations": blocker("completed")}, ItemState.OPEN, id="by-done"),
        pytest.param({"inverseRelations": blocker("canceled")}, ItemState.OPEN, id="by-canceled"),
        pytest.param({"inverseRelations": blocker("duplicate")}, ItemState.OPEN, id="by-duplicate"),
        pytest.param({"labels": labels("Blocked")}, ItemState.BLOCKED, id="blocked-label"),
        pytest.param(
            {
                "inverseRelations": {
                    "nodes": [{"type": "related", "issue": {"state": state("started")}}]
                }
            },
            ItemState.OPEN,
            id="related-is-not-blocks",
        ),
        pytest.param(
            {"labels": labels("blocked"), "state": state("completed")},
            ItemState.DONE,
            id="closed-wins-over-blocked",
        ),
        pytest.param(
            {"inverseRelations": blocker("unstarted"), "state": state("started")},
            ItemState.BLOCKED,
            id="blocked-wins-over-in-progress",
        ),
    ],
)
def test_blocked_comes_from_an_unfinished_blocker_or_the_label(overrides, expected):
    assert item(**overrides).state is expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"state": state("completed"), "completedAt": "2026-02-09T10:00:00.000Z"},
            datetime(2026, 2, 9, 10, tzinfo=UTC),
            id="completed",
        ),
        pytest.param(
            {"state": state("canceled"), "canceledAt": "2026-02-08T10:00:00.000Z"},
            datetime(2026, 2, 8, 10, tzinfo=UTC),
            id="canceled",
        ),
        pytest.param(
            {"state": state("duplicate"), "canceledAt": "2026-02-07T10:00:00.000Z"},
            datetime(2026, 2, 7, 10, tzinfo=UTC),
            id="duplicate",
        ),
        pytest.param(
            {"state": state("started"), "completedAt": "2026-02-07T10:00:00.000Z"},
            None,
            id="reopened-keeps-no-resolution",
        ),
    ],
)
def test_resolved_at_is_completed_at_or_canceled_at(overrides, expected):
    assert item(**overrides).resolved_at == expected


def test_a_completed_and_archived_issue_is_an_item_that_is_done():
    mapped = item(
        state=state("completed", "Done"),
        completedAt="2026-02-09T10:00:00.000Z",
        archivedAt="2026-02-10T16:45:12.345Z",
    )
    assert mapped.state is ItemState.DONE


def test_ids_key_url_times_and_previous_identifiers():
    mapped = item(identifier="OPS-7", previousIdentifiers=["ENG-42", "ENG-3"])
    assert mapped.external_id == "2f1d8c6e-5b4a-4c3d-9e8f-7a6b5c4d3e2f"
    assert (mapped.key, mapped.previous_keys) == ("OPS-7", ("ENG-42", "ENG-3"))
    assert mapped.url == "https://linear.app/acme/issue/ENG-42/add-alert"
    assert mapped.created_at == datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
    assert mapped.updated_at == datetime(2026, 2, 10, 16, 45, 12, 345000, tzinfo=UTC)
    assert mapped.partition == "workspace"


@pytest.mark.parametrize(
    ("assignee", "owners"),
    [
        pytest.param(None, (), id="unassigned"),
        pytest.param({"name": "Hana Sato", "displayName": "hana"}, ("Hana Sato",), id="name"),
        pytest.param(
            {"name": "hana@acme.example", "displayName": "hana"}, ("hana",), id="email-name"
        ),
    ],
)
def test_the_owner_is_the_assignee_name_never_an_email(assignee, owners):
    assert item(assignee=assignee).owners == owners


@pytest.mark.parametrize(
    ("priority", "label", "expected"),
    [(0, "No priority", None), (1, "Urgent", "Urgent"), (4, "Low", "Low")],
)
def test_priority_is_the_priority_label(priority, label, expected):
    assert item(priority=priority, priorityLabel=label).priority == expected


def test_due_date_is_the_calendar_date():
    assert item(dueDate="2026-03-15").due_date == date(2026, 3, 15)
    assert item().due_date is None


@pytest.mark.parametrize(
    ("overrides", "kind", "incident"),
    [
        pytest.param({"labels": labels("Detection")}, ItemType.DETECTION, "INC-9", id="type-label"),
        pytest.param(
            {"labels": labels("type:process", "incident:INC-77")},
            ItemType.PROCESS,
            "INC-77",
            id="incident-label-wins",
        ),
        pytest.param(
            {"title": "[INC-12] Cap retries", "labels": labels()},
            None,
            "INC-12",
            id="title-before-description",
        ),
        pytest.param({"description": None}, None, None, id="no-incident"),
    ],
)
def test_labels_give_type_and_incident_then_title_then_description(overrides, kind, incident):
    mapped = item(**overrides)
    assert (mapped.type, mapped.incident) == (kind, incident)


def test_labels_are_kept_in_order():
    assert item(labels=labels("Blocked", "P1")).labels == ("incident-action", "Blocked", "P1")


def test_trashed_issues_are_recognised():
    assert is_trashed(node(trashed=True))
    assert not is_trashed(node(trashed=None))
    assert not is_trashed(node(trashed=False))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"id": ""}, "id", id="empty-id"),
        pytest.param({"state": None}, "state", id="no-state"),
        pytest.param({"state": state("paused")}, "state.type", id="unknown-state-type"),
        pytest.param({"updatedAt": "yesterday"}, "updatedAt", id="bad-updated"),
        pytest.param({"createdAt": "2026-02-01T09:30:00"}, "createdAt", id="no-offset"),
        pytest.param({"dueDate": "15/03/2026"}, "dueDate", id="bad-due-date"),
        pytest.param({"labels": {"nodes": [{}]}}, "labels", id="nameless-label"),
        pytest.param({"labels": []}, "labels", id="labels-not-a-connection"),
        pytest.param({"assignee": {"displayName": ""}}, "assignee", id="nameless-assignee"),
        pytest.param({"previousIdentifiers": "ENG-1"}, "previousIdentifiers", id="previous"),
        pytest.param({"inverseRelations": {"nodes": [{"type": "blocks"}]}}, "inverseRelations"),
    ],
)
def test_bad_fields_raise_value_error_naming_the_field(overrides, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        item(**overrides)
