"""The generic connector contract, run against the GitHub connector over real HTTP.

The fake serves both link styles; the seed has a repo listed over several pages (with
timestamp ties), an org-wide partition, pull requests and unlabelled issues mixed in, and
closed or reassigned issues whose events give them a history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from connectors.base import Connector
from connectors.github import GitHubConnector
from connectors.testing import FakeGitHub
from tests.connectors.contract import ConnectorContract, TrackerDriver, items_of, run
from tests.connectors.fakes import FakeTime
from tests.connectors.github.conftest import LABEL, github_config


@dataclass
class GitHubDriver:
    """Drives a FakeGitHub for the contract: repo acme/api plus the org `ops`."""

    fake: FakeGitHub
    url: str
    overlap: timedelta
    time: FakeTime

    def connector(self) -> Connector:
        config = github_config(
            self.url,
            repos=["acme/api"],
            orgs=["ops"],
            page_size=3,
            overlap=int(self.overlap.total_seconds()),
        )
        return GitHubConnector(config, self.time.context())

    def delete(self, external_id: str) -> None:
        self.fake.delete_issue(external_id)

    def unlabel(self, external_id: str) -> None:
        self.fake.remove_label(external_id, LABEL)


def seed(fake: FakeGitHub) -> None:
    """Eight labelled issues in acme/api (pairs sharing a timestamp), two in ops/runbooks,
    labelled PRs and unlabelled issues as noise, then closes and a reassignment."""
    fake.add_repo("ops/runbooks")
    api = []
    for number in range(8):
        api.append(
            fake.create_issue(
                "acme/api",
                title=f"Follow-up {number} of INC-{100 + number}",
                labels=(LABEL, "prevention"),
                assignees=("ana",) if number % 2 else (),
            )
        )
        if number % 3 != 1:
            fake.tick(60)
        fake.create_issue("acme/api", title=f"Unrelated bug {number}")
    fake.create_issue("acme/api", title="Labelled PR", labels=(LABEL,), pull_request=True)
    ops = [
        fake.create_issue("ops/runbooks", title=f"Runbook {n}", labels=(LABEL,)) for n in range(2)
    ]
    fake.create_issue("ops/runbooks", title="Runbook PR", labels=(LABEL,), pull_request=True)
    fake.tick(600)
    fake.update_issue(api[2].node_id, state="closed")
    fake.tick(60)
    fake.update_issue(ops[1].node_id, state="closed", state_reason="not_planned")
    fake.tick(60)
    fake.update_issue(api[5].node_id, assignees=("bo", "ana"))


@pytest.fixture(params=[0, 120], ids=["no-overlap", "overlap-2min"])
def overlap(request: pytest.FixtureRequest) -> timedelta:
    return timedelta(seconds=request.param)


class TestGitHubContract(ConnectorContract):
    @pytest.fixture
    def driver(self, fake: FakeGitHub, url: str, overlap: timedelta) -> TrackerDriver:
        seed(fake)
        return GitHubDriver(fake, url, overlap, FakeTime(fake.now))


def test_pull_requests_never_become_items(fake, url):
    seed(fake)
    driver = GitHubDriver(fake, url, timedelta(0), FakeTime(fake.now))
    items = items_of(run(driver))
    assert len(items) == 10
    assert all(not item.external_id.startswith("PR") for item in items)
    assert {item.partition for item in items} == {"repo:acme/api", "org:ops"}
