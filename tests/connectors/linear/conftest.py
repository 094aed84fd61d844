"""Fixtures for the Linear connector: a fake Linear served on loopback and connectors on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.linear import LinearConnector
from connectors.linear.config import LinearConfig
from connectors.testing import FakeLinear, serve
from connectors.testing.linear import API_KEY
from tests.connectors.fakes import FakeTime

LABEL = "incident-action"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CREATED = "2026-02-01T09:30:00.000Z"
UPDATED = "2026-02-10T16:45:12.345Z"

MakeConnector = Callable[..., LinearConnector]


def issue_node(**overrides: Any) -> dict[str, Any]:
    """A Linear issue node as the listing query returns it; keys override fields."""
    base: dict[str, Any] = {
        "id": "2f1d8c6e-5b4a-4c3d-9e8f-7a6b5c4d3e2f",
        "identifier": "ENG-42",
        "title": "Add alert on queue depth",
        "description": "Follow-up from INC-9 review.",
        "url": "https://linear.app/acme/issue/ENG-42/add-alert",
        "priority": 2,
        "priorityLabel": "High",
        "previousIdentifiers": [],
        "createdAt": CREATED,
        "updatedAt": UPDATED,
        "completedAt": None,
        "canceledAt": None,
        "archivedAt": None,
        "trashed": None,
        "dueDate": None,
        "state": {"name": "Todo", "type": "unstarted"},
        "team": {"key": "ENG"},
        "assignee": None,
        "labels": {"nodes": [{"name": "incident-action"}]},
        "inverseRelations": {"nodes": []},
    }
    base.update(overrides)
    return base


@pytest.fixture
def fake() -> FakeLinear:
    fake = FakeLinear(now=T0)
    fake.add_team("ENG")
    fake.add_team("OPS")
    return fake


@pytest.fixture
def url(fake: FakeLinear) -> Iterator[str]:
    with serve(fake.app) as base:
        yield f"{base}/graphql"


@pytest.fixture
def time() -> FakeTime:
    return FakeTime(T0)


def linear_config(url: str, **keys: object) -> LinearConfig:
    values: dict[str, object] = {"name": "lin", "url": url, "token": API_KEY}
    values.update(keys)
    return LinearConfig.model_validate(values)


@pytest.fixture
def make_connector(url: str, time: FakeTime) -> Iterator[MakeConnector]:
    """Connectors on the fake (closed after the test); keys override the config."""
    made: list[LinearConnector] = []

    def make(**keys: object) -> LinearConnector:
        made.append(LinearConnector(linear_config(url, **keys), time.context()))
        return made[-1]

    yield make
    for connector in made:
        connector.close()


def sync(connector: LinearConnector) -> list:
    """Every item of one run from empty state."""
    return [item for page in connector.fetch_changed({}) for item in page.items]
