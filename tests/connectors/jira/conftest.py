"""Fixtures for the Jira connector: a fake Jira (Cloud and Data Center) on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from connectors.jira import JiraConnector
from connectors.jira.config import JiraConfig
from connectors.testing import FakeJira, serve
from connectors.testing.jira import Flavour
from tests.connectors.fakes import FakeTime

LABEL = "incident-action"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

MakeConnector = Callable[..., JiraConnector]


@pytest.fixture(params=["cloud", "dc"])
def flavour(request: pytest.FixtureRequest) -> Flavour:
    """Jira Cloud (search/jql, nextPageToken, basic auth) or Data Center (search, startAt, PAT)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def fake(flavour: Flavour) -> FakeJira:
    return FakeJira(flavour, now=T0, max_page=3)


@pytest.fixture
def url(fake: FakeJira) -> Iterator[str]:
    with serve(fake.app) as base:
        yield base


@pytest.fixture
def time(fake: FakeJira) -> FakeTime:
    """The connector's clock: the fake's, moving only when the connector sleeps."""
    return FakeTime(fake.now)


def jira_config(fake: FakeJira, url: str, **keys: object) -> JiraConfig:
    """A source on `fake`: Cloud gets the email for basic auth, DC the token alone."""
    values: dict[str, object] = {"name": "jira", "url": url, "token": fake.token, "page_size": 50}
    if fake.cloud:
        values["email"] = fake.email
    values.update(keys)
    return JiraConfig.model_validate(values)


@pytest.fixture
def make_connector(fake: FakeJira, url: str, time: FakeTime) -> Iterator[MakeConnector]:
    """Connectors on the fake (closed after the test); keys override the config."""
    made: list[JiraConnector] = []

    def make(**keys: object) -> JiraConnector:
        made.append(JiraConnector(jira_config(fake, url, **keys), time.context()))
        return made[-1]

    yield make
    for connector in made:
        connector.close()


def labelled(fake: FakeJira, count: int, project: str = "OPS", step: float = 60) -> list:
    """`count` labelled issues, `step` seconds apart on the fake's clock."""
    made = []
    for number in range(count):
        made.append(fake.create_issue(project, f"Action {number}", labels=[LABEL]))
        fake.tick(step)
    return made
