"""Typed readers of raw JSON fields: a wrong field is a ValueError that names it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import fields

RAW = {
    "title": "Add an alert",
    "blank": "  ",
    "count": 3,
    "none": None,
    "at": "2026-03-02T12:00:00Z",
}


def test_readers_return_the_typed_values():
    assert fields.text(RAW, "title", non_empty=True) == "Add an alert"
    assert fields.optional_text(RAW, "none") is None
    assert fields.optional_text(RAW, "absent") is None
    assert fields.timestamp_field(RAW, "at") == datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert fields.optional_timestamp(RAW, "none") is None


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda: fields.text(RAW, "count"), "count: expected a string, got int"),
        (lambda: fields.text(RAW, "blank", non_empty=True), "blank: is empty"),
        (lambda: fields.text(RAW, "count", where="state.type"), "state.type: expected a string"),
        (lambda: fields.optional_text(RAW, "count"), "count: expected a string or null"),
        (lambda: fields.timestamp_field(RAW, "absent"), "absent: missing"),
        (lambda: fields.timestamp_field(RAW, "title"), "title: "),
        (lambda: fields.timestamp(3, "updatedAt"), "updatedAt: not a timestamp: 3"),
    ],
)
def test_a_wrong_field_is_an_error_naming_it(read, message):
    with pytest.raises(ValueError, match="^" + message.replace(".", r"\.")):
        read()
