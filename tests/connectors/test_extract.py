"""Shared parsing: incident refs, types, due dates, the blocked label and timestamps."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from connectors.config import DEFAULT_INCIDENT_PATTERN
from connectors.extract import (
    due_from_body,
    due_from_labels,
    has_blocked_label,
    incident_ref,
    item_type,
    parse_date,
    parse_timestamp,
)
from connectors.item import ItemType

PATTERN = re.compile(DEFAULT_INCIDENT_PATTERN)


@pytest.mark.parametrize(
    ("labels", "title", "body", "expected"),
    [
        pytest.param(["incident:INC-9"], "INC-1 fix", "see INC-2", "INC-9", id="label-wins"),
        pytest.param(["Incident: SEV-4 "], None, None, "SEV-4", id="label-any-case-trimmed"),
        pytest.param(["incident:"], "INC-1 fix", None, "INC-1", id="empty-label-ignored"),
        pytest.param([], "Fix INC-12 fallout", "after INC-7", "INC-12", id="title-before-body"),
        pytest.param(["bug"], "Fix the pager", "Follow-up of INC-7.", "INC-7", id="body"),
        pytest.param([], "Fix XINC-12", "INC-77x", None, id="word-boundaries"),
        pytest.param([], "Fix the pager", None, None, id="none"),
    ],
)
def test_incident_ref_prefers_label_then_title_then_body(labels, title, body, expected):
    assert incident_ref(labels, PATTERN, title, body) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["prevention"], ItemType.PREVENTION),
        (["type:Detection"], ItemType.DETECTION),
        (["action-type:mitigation"], ItemType.MITIGATION),
        (["ACTION-TYPE: Process"], ItemType.PROCESS),
        (["Type:PREVENTION"], ItemType.PREVENTION),
        (["type:unknown", "incident-action", "detection"], ItemType.DETECTION),
        (["mitigation", "prevention"], ItemType.MITIGATION),
        (["type:feature", "bug"], None),
        ([], None),
    ],
)
def test_item_type_reads_labels_case_insensitively_and_ignores_unknown(labels, expected):
    assert item_type(labels) == expected


def test_item_type_falls_back_to_a_tracker_field_value():
    assert item_type(["bug"], None, "Detection") == ItemType.DETECTION


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Fix it.\nDue: 2026-04-01\n", date(2026, 4, 1)),
        ("due:2026-04-01", date(2026, 4, 1)),
        ("  Due:   2026-04-01  \r\nmore", date(2026, 4, 1)),
        ("Due: 2026-02-30\nDue: 2026-05-01", date(2026, 5, 1)),
        ("Due: 2026-02-30", None),
        ("We are Due: 2026-04-01 soon", None),
        ("Due: 2026-4-1", None),
        ("", None),
        (None, None),
    ],
)
def test_due_from_body_reads_a_due_line_and_ignores_invalid_dates(body, expected):
    assert due_from_body(body) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["due:2026-04-01"], date(2026, 4, 1)),
        (["Due:2026-04-01"], date(2026, 4, 1)),
        (["due:2026-13-01", "due:2026-04-02"], date(2026, 4, 2)),
        (["due:2026-13-01"], None),
        (["due:soon", "incident-action"], None),
        (["overdue:2026-04-01"], None),
    ],
)
def test_due_from_labels_reads_the_first_valid_due_label(labels, expected):
    assert due_from_labels(labels) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [(["Blocked"], True), ([" blocked "], True), (["blocked-by-vendor"], False), ([], False)],
)
def test_blocked_label_is_exactly_blocked_in_any_case(labels, expected):
    assert has_blocked_label(labels) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T12:00:00Z", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
        ("2026-03-02T12:00:00.123Z", datetime(2026, 3, 2, 12, 0, 0, 123000, tzinfo=UTC)),
        ("2026-03-02T12:00:00+00:00", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
        ("2026-03-02T12:00:00.000+0000", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
        ("2026-03-02T05:00:00.000-0700", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
        ("2026-03-02T13:30:00+01:30", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_returns_aware_utc(value, expected):
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    ["2026-03-02T12:00:00", "2026-03-02", "yesterday", "", "2026-02-30T00:00:00Z", None, 17],
)
def test_parse_timestamp_rejects_naive_and_garbage_naming_the_value(value):
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        parse_timestamp(value)


def test_parse_date_reads_iso_dates():
    assert parse_date("2026-04-01") == date(2026, 4, 1)


@pytest.mark.parametrize("value", ["2026-02-30", "20260401", "2026-W14-3", "01/04/2026", ""])
def test_parse_date_rejects_anything_but_yyyy_mm_dd_naming_the_value(value):
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        parse_date(value)
