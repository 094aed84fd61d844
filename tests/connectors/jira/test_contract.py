"""The generic connector contract, run against the Jira connector over real HTTP, for Jira
Cloud and Jira Data Center.

The seed lists over several pages (the fake caps pages below what the client asks), with
timestamp ties, noise in the same projects, an issue outside the source's projects, and
transitions and reassignments whose changelog gives items a history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from connectors.base import Connector
from connectors.jira import JiraConnector
from connectors.testing import FakeJira
from connectors.testing.jira import Flavour
from tests.connectors.contract import ConnectorContract, TrackerDriver, items_of, run
from tests.connectors.fakes import FakeTime
from tests.connectors.jira.conftest import LABEL, jira_config


@dataclass
class JiraDriver:
    """Drives a FakeJira for the contract: the source's jql is `project in (OPS, PLAT)`."""

    fake: FakeJira
    url: str
    overlap: timedelta
    time: FakeTime

    def connector(self) -> Connector:
        config = jira_config(
            self.fake,
            self.url,
            jql="project in (OPS, PLAT)",
            page_size=3,
            overlap=int(self.overlap.total_seconds()),
        )
        return JiraConnector(config, self.time.context())

    def delete(self, external_id: str) -> None:
        self.fake.delete_issue(external_id)

    def unlabel(self, external_id: str) -> None:
        self.fake.remove_label(external_id, LABEL)


def seed(fake: FakeJira) -> None:
    """Eight labelled issues in OPS (pairs sharing a timestamp), two in PLAT, one labelled in
    SEC (out of scope), unlabelled noise, then transitions and a reassignment."""
    ops = []
    for number in range(8):
        ops.append(fake.create_issue("OPS", f"Follow-up {number} of INC-{number}", labels=[LABEL]))
        if number % 3 != 1:
            fake.tick(60)
        fake.create_issue("OPS", f"Unrelated bug {number}")
    plat = [fake.create_issue("PLAT", f"Runbook {n}", labels=[LABEL]) for n in range(2)]
    fake.create_issue("SEC", "Out of scope", labels=[LABEL])
    fake.tick(600)
    fake.transition(ops[2].id, "In Progress")
    fake.tick(60)
    fake.transition(plat[1].id, "Done", resolution="Won't Do")
    fake.tick(60)
    fake.update_issue(ops[5].id, assignee="Bo Chen")


@pytest.fixture(
    params=[("cloud", 0), ("dc", 0), ("dc", 600)],
    ids=["cloud-no-overlap", "dc-no-overlap", "dc-overlap-10min"],
)
def variant(request: pytest.FixtureRequest) -> tuple[Flavour, int]:
    """Flavour and overlap: Data Center's offset paging is run both ways."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def flavour(variant: tuple[Flavour, int]) -> Flavour:
    return variant[0]


@pytest.fixture
def overlap(variant: tuple[Flavour, int]) -> timedelta:
    return timedelta(seconds=variant[1])


class TestJiraContract(ConnectorContract):
    @pytest.fixture
    def driver(self, fake: FakeJira, url: str, overlap: timedelta) -> TrackerDriver:
        seed(fake)
        return JiraDriver(fake, url, overlap, FakeTime(fake.now))


def test_only_the_sources_projects_are_listed(fake, url):
    seed(fake)
    items = items_of(run(JiraDriver(fake, url, timedelta(0), FakeTime(fake.now))))
    assert len(items) == 10
    assert {item.key.partition("-")[0] for item in items} == {"OPS", "PLAT"}
