"""Fixtures for the GitHub connector: a fake GitHub served on loopback and connectors on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from connectors.github import GitHubConnector
from connectors.github.config import GitHubConfig
from connectors.testing import FakeGitHub, serve
from tests.connectors.fakes import FakeTime

LABEL = "incident-action"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

MakeConnector = Callable[..., GitHubConnector]


@pytest.fixture(params=["page", "cursor"])
def link_style(request: pytest.FixtureRequest) -> str:
    """GitHub Enterprise sends page numbers in `Link`; github.com sends `after=` cursors."""
    return str(request.param)


@pytest.fixture
def fake(link_style: str) -> FakeGitHub:
    fake = FakeGitHub(link_style=link_style, now=T0)
    fake.add_repo("acme/api")
    fake.add_repo("acme/web")
    return fake


@pytest.fixture
def url(fake: FakeGitHub) -> Iterator[str]:
    with serve(fake.app) as base:
        yield base


@pytest.fixture
def time() -> FakeTime:
    """The connector's clock: a few seconds after the fake's, moving only when it sleeps."""
    return FakeTime(T0)


def github_config(url: str, **keys: object) -> GitHubConfig:
    values: dict[str, object] = {"name": "gh", "url": url, "token": "t0k3n", "repos": ["acme/api"]}
    values.update(keys)
    return GitHubConfig.model_validate(values)


@pytest.fixture
def make_connector(url: str, time: FakeTime) -> Iterator[MakeConnector]:
    """Connectors on the fake (closed after the test); keys override the config."""
    made: list[GitHubConnector] = []

    def make(**keys: object) -> GitHubConnector:
        made.append(GitHubConnector(github_config(url, **keys), time.context()))
        return made[-1]

    yield make
    for connector in made:
        connector.close()
