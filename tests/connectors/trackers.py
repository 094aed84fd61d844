"""One face over every fake tracker, for tests that run the same scenario against each
connector: build the fake, configure a source on it, create and edit labelled items, and
read the tracker's truth the way the connector normalises it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.github import GitHubConnector
from connectors.github.config import GitHubConfig
from connectors.jira import JiraConnector
from connectors.jira.config import JiraConfig
from connectors.linear import LinearConnector
from connectors.linear.config import LinearConfig
from connectors.testing import FakeGitHub, FakeJira, FakeLinear
from connectors.testing.github_traffic import Traffic
from connectors.testing.linear import API_KEY
from service.config import SourceSettings
from tests.connectors.contract import items_of
from tests.connectors.fakes import FakeTime

LABEL = "incident-action"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SOURCE = "demo"
CANARY = "canary-7f3a9c1e5b2d4f60"
"""A token value that must never appear anywhere but in the request's Authorization."""


@dataclass(frozen=True)
class Tracker:
    """How to drive one fake tracker and its connector.

    `listing` is a path fragment matching only the change-listing requests (the requests
    a fault aimed at "page k of the listing" should hit).
    """

    name: str
    kind: str
    connector: type[Any]
    listing: str
    new_fake: Callable[[], Traffic]
    config: Callable[[Traffic, str, dict[str, object]], Any]
    url_suffix: str = ""

    def fake(self) -> Any:
        return self.new_fake()

    def source(self, fake: Any, base: str, **keys: object) -> SourceSettings:
        config = self.config(fake, base + self.url_suffix, {"name": SOURCE, **keys})
        return SourceSettings(name=SOURCE, kind=self.kind, connector=config)

    def truth(self, fake: Any, base: str, **keys: object) -> dict[str, Any]:
        """The items a fresh full listing of the fake yields: what the mirror should hold."""
        config = self.source(fake, base, **keys).connector
        connector = self.connector(config, FakeTime(fake.now).context())
        try:
            return {
                item.external_id: item for item in items_of(connector.fetch_changed({}, full=True))
            }
        finally:
            connector.close()

    def create(self, fake: Any, title: str) -> str:
        """A new labelled item; returns the id the fake knows it by."""
        if isinstance(fake, FakeGitHub):
            return str(fake.create_issue("acme/api", title=title, labels=(LABEL,)).node_id)
        if isinstance(fake, FakeJira):
            return str(fake.create_issue("OPS", title, labels=[LABEL]).id)
        return str(fake.create_issue("ENG", title=title, labels=(LABEL,)).id)

    def retitle(self, fake: Any, item: str, title: str) -> None:
        if isinstance(fake, FakeGitHub):
            fake.update_issue(item, title=title)
        elif isinstance(fake, FakeJira):
            fake.update_issue(item, summary=title)
        else:
            fake.update_issue(item, title=title)

    def relabel(self, fake: Any, item: str, labelled: bool) -> None:
        """Put the tracked label on or take it off."""
        if labelled:
            fake.add_label(item, LABEL)
        else:
            fake.remove_label(item, LABEL)

    def set_closed(self, fake: Any, item: str, closed: bool) -> None:
        """Close (done) or reopen, the tracker's own way."""
        if isinstance(fake, FakeGitHub):
            fake.update_issue(item, state="closed" if closed else "open")
        elif isinstance(fake, FakeJira):
            fake.transition(item, "Done" if closed else "To Do")
        else:
            fake.update_issue(item, state="Done" if closed else "Todo")

    def delete(self, fake: Any, item: str) -> None:
        if isinstance(fake, FakeLinear):
            fake.purge(item)
        else:
            fake.delete_issue(item)

    def move(self, fake: Any, item: str) -> bool:
        """Move to another project or team where the tracker keeps the item's identity;
        False where it has no such move (a GitHub transfer makes a new issue)."""
        if isinstance(fake, FakeJira):
            fake.move_issue(item, "PLAT" if fake.issue(item).project == "OPS" else "OPS")
            return True
        if isinstance(fake, FakeLinear):
            fake.move_issue(item, "OPS" if fake.issue(item).team == "ENG" else "ENG")
            return True
        return False


def _github() -> FakeGitHub:
    fake = FakeGitHub(now=T0)
    fake.add_repo("acme/api")
    return fake


def _github_config(fake: Traffic, url: str, keys: dict[str, object]) -> GitHubConfig:
    values: dict[str, object] = {"url": url, "token": "t0k3n", "repos": ["acme/api"]}
    return GitHubConfig.model_validate({**values, **keys})


def _jira(flavour: str) -> Callable[[], FakeJira]:
    return lambda: FakeJira(flavour, now=T0, max_page=3)  # type: ignore[arg-type]


def _jira_config(fake: Traffic, url: str, keys: dict[str, object]) -> JiraConfig:
    assert isinstance(fake, FakeJira)
    values: dict[str, object] = {"url": url, "token": fake.token, "page_size": 3}
    if fake.cloud:
        values["email"] = fake.email
    return JiraConfig.model_validate({**values, **keys})


def _linear() -> FakeLinear:
    fake = FakeLinear(now=T0)
    fake.add_team("ENG")
    fake.add_team("OPS")
    return fake


def _linear_config(fake: Traffic, url: str, keys: dict[str, object]) -> LinearConfig:
    return LinearConfig.model_validate({"url": url, "token": API_KEY, **keys})


GITHUB = Tracker(
    "github", "github", GitHubConnector, "/repos/acme/api/issues?", _github, _github_config
)
JIRA_CLOUD = Tracker(
    "jira-cloud", "jira", JiraConnector, "/search/jql?", _jira("cloud"), _jira_config
)
JIRA_DC = Tracker("jira-dc", "jira", JiraConnector, "/search?", _jira("dc"), _jira_config)
LINEAR = Tracker(
    "linear",
    "linear",
    LinearConnector,
    "operation=ActionItems",
    _linear,
    _linear_config,
    url_suffix="/graphql",
)
TRACKERS = [GITHUB, JIRA_CLOUD, JIRA_DC, LINEAR]
