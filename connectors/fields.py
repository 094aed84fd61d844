"""Typed readers of raw tracker JSON fields: a missing or mistyped field is a ValueError
naming it, which the connector reports as that item's error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from connectors.extract import parse_timestamp


def text(
    raw: Mapping[str, object], name: str, *, non_empty: bool = False, where: str | None = None
) -> str:
    """A string field; `non_empty` also refuses a blank one. Errors name `where` (a path
    such as `state.type`) when given, else the field."""
    value = raw.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{where or name}: expected a string, got {type(value).__name__}")
    if non_empty and not value.strip():
        raise ValueError(f"{where or name}: is empty")
    return value


def optional_text(raw: Mapping[str, object], name: str) -> str | None:
    """A string field that may be null or absent."""
    value = raw.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name}: expected a string or null, got {type(value).__name__}")
    return value


def timestamp(value: object, name: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime."""
    if not isinstance(value, str):
        raise ValueError(f"{name}: not a timestamp: {value!r}")
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def timestamp_field(raw: Mapping[str, object], name: str) -> datetime:
    """A required timestamp field."""
    if raw.get(name) is None:
        raise ValueError(f"{name}: missing")
    return timestamp(raw.get(name), name)


def optional_timestamp(raw: Mapping[str, object], name: str) -> datetime | None:
    """A timestamp field that may be null or absent."""
    return None if raw.get(name) is None else timestamp(raw.get(name), name)
